// SPDX-License-Identifier: GPL-2.0
#include <net/if.h>
#include <string.h>
#include "vxlan.h"
#include "core/log.h"
#include "kernel/link.h"

bool vtap_vxlan_needed(const struct vtap_policy_set *set)
{
	bool need = set->n_receives > 0;

	for (size_t m = 0; m < set->n_monitors && !need; m++)
		need = set->monitors[m].type == VTAP_MONITOR_VXLAN;
	return need;
}

/* Its MTU makes the sink program cut copies to what the underlay carries
 * once encapsulated (50 bytes over IPv4). */
int vtap_vxlan_prepare(const struct vtap_vxlan_cfg *c, const struct vtap_policy_set *set)
{
	/* 0: never cut — as large as the device takes */
	unsigned int mtu = c->underlay_mtu ? c->underlay_mtu - 50 : 65000;
	int ret;

	if (!vtap_vxlan_needed(set) || if_nametoindex(c->dev))
		return 0;
	ret = vtap_link_vxlan_create(c->dev, c->port, mtu);
	if (ret) {
		log_err("cannot create the VXLAN device %s (UDP %u): %s; vxlan copies are "
			"counted as copy failures and nothing is received",
			c->dev, c->port, strerror(-ret));
		return ret;
	}
	/* received copies go to the monitor as they were sent: GRO would
	 * merge a flow's copies into super-frames the sender never made */
	if ((ret = vtap_link_set_gro(c->dev, false)))
		log_warn("cannot turn GRO off on %s: %s (received copies of a TCP flow may "
			 "be merged)",
			 c->dev, strerror(-ret));
	log_info("created the VXLAN device %s (external, UDP %u, mtu %u, no GRO)", c->dev, c->port,
		 mtu);
	return 1;
}

void vtap_vxlan_tunnels_write(struct vtap_loader *ld, const struct vtap_policy_set *set,
			      const __u32 *ids)
{
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];
		const struct vtap_monitor *m =
		    p->monitor_idx >= 0 ? &set->monitors[p->monitor_idx] : NULL;
		struct vtap_tunnel t = {0};

		if (m && m->type == VTAP_MONITOR_VXLAN) {
			t.vni = m->vni;
			t.family = (__u8)m->remote_family;
			memcpy(t.remote, m->remote, sizeof(t.remote));
		}
		if (vtap_loader_set_tunnel(ld, ids[i], t.family ? &t : NULL))
			log_warn("policy %s: cannot set its tunnel", p->name);
	}
}

void vtap_vxlan_remove(const struct vtap_vxlan_cfg *c)
{
	int ret;

	if (!vtap_link_is_vtaps(c->dev))
		return;
	ret = vtap_link_del(c->dev);
	if (ret)
		log_warn("cannot remove the VXLAN device %s: %s", c->dev, strerror(-ret));
	else
		log_info("removed the VXLAN device %s", c->dev);
}
