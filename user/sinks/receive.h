/* SPDX-License-Identifier: GPL-2.0 */
/* The receiving side of vxlan monitors: copies other hosts send arrive on
 * the VXLAN device (sinks/vxlan.h), where vtap_rx on its ingress hands each
 * to the monitor port of its VNI (vtap_recv), counted per VNI. */
#ifndef VTAP_USER_SINKS_RECEIVE_H
#define VTAP_USER_SINKS_RECEIVE_H

#include "core/policy.h"
#include "kernel/loader.h"

/* The port's ifindex on this host, 0 when absent. */
typedef int (*vtap_ifindex_fn)(void *arg, const char *name);

/* One entry per receive of set (VNI -> its port; a port not present drops
 * that VNI's copies, counted); every other VNI goes, including those an
 * earlier vtapd left in the pinned maps. */
void vtap_receive_apply(struct vtap_loader *ld, const struct vtap_policy_set *set,
			vtap_ifindex_fn ifindex_of, void *arg);

#endif
