/* SPDX-License-Identifier: GPL-2.0 */
/* An ovs monitor at run time: the sink veth's peer as a port of an Open
 * vSwitch bridge (OVS AF_XDP netdev, or OVS-DPDK's AF_XDP PMD), and one
 * OpenFlow rule per session that takes the copies carrying that session's
 * VLAN tag, removes the tag and outputs them to the monitor's OVS port.
 * Driven with ovs-vsctl and ovs-ofctl (OVS_RUNDIR selects the instance). */
#ifndef VTAP_USER_OVS_H
#define VTAP_USER_OVS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/policy.h"

struct vtap_ovs;

int vtap_ovs_open(struct vtap_ovs **o, const struct vtap_monitor *m, const char *peer,
		  char *errbuf, size_t errlen);
/* The policy ids whose copies this monitor receives: rules for them, none
 * for others. */
int vtap_ovs_set_sessions(struct vtap_ovs *o, const __u32 *ids, size_t n, char *errbuf,
			  size_t errlen);
bool vtap_ovs_same(const struct vtap_ovs *o, const struct vtap_monitor *m);
/* Copies the sink's queue could not hold (kernel/sink_queue.h). */
uint64_t vtap_ovs_sink_dropped(const struct vtap_ovs *o);
/* Copies the sink veth's peer, OVS's AF_XDP port, dropped on receipt: its
 * XDP program could not redirect them into OVS's socket (its ring full,
 * OVS behind). The peer's rx_dropped, over its life. */
uint64_t vtap_ovs_peer_dropped(const struct vtap_ovs *o);
/* remove: take out the rules and the port vtapd added. */
void vtap_ovs_close(struct vtap_ovs *o, bool remove);

#endif
