/* SPDX-License-Identifier: GPL-2.0 */
/* The VXLAN device of vxlan monitors and of the receiving side: one device
 * in external (collect_md) mode serves every vxlan monitor — the tunnel key
 * the sink program sets on each copy, from vtap_tunnels[policy id], says
 * where it goes — and receives the copies other hosts send here. */
#ifndef VTAP_USER_SINKS_VXLAN_H
#define VTAP_USER_SINKS_VXLAN_H

#include <stdbool.h>
#include "core/policy.h"
#include "kernel/loader.h"

struct vtap_vxlan_cfg {
	const char *dev;	   /* its name (vtapd --vxlan-dev) */
	unsigned int port;	   /* its UDP port */
	unsigned int underlay_mtu; /* copies cut to fit once encapsulated; 0 = never */
};

/* Does set need the device (a vxlan monitor, or receive entries)? */
bool vtap_vxlan_needed(const struct vtap_policy_set *set);
/* Make the device when set needs it and it is absent (GRO off: received
 * copies reach the monitor as they were sent). 1: made, 0: nothing to do,
 * <0: it could not be made (logged; vxlan copies then count as copy
 * failures). */
int vtap_vxlan_prepare(const struct vtap_vxlan_cfg *c, const struct vtap_policy_set *set);
/* Each policy's tunnel (monitor host and VNI; none for other monitors),
 * written before the set is in effect. */
void vtap_vxlan_tunnels_write(struct vtap_loader *ld, const struct vtap_policy_set *set,
			      const __u32 *ids);
/* Remove the device if this vtapd made it. */
void vtap_vxlan_remove(const struct vtap_vxlan_cfg *c);

#endif
