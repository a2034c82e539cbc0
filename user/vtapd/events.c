// SPDX-License-Identifier: GPL-2.0
/* rtnetlink's news of the host's ports, into vtapd's port table, and what
 * a port's going takes with it (its sink, its XDP program's fd). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include "vtapd.h"
#include "hooks.h"
#include "core/log.h"
#include "kernel/netlink.h"

/* Does any policy or monitor name this port? Ports nobody names (most of
 * a host's) change nothing, so their events cost no recompile. */
static bool port_named(const struct vtapd *d, const char *name)
{
	const struct vtap_policy_set *set = &d->run.set;

	for (size_t i = 0; i < set->n_monitors; i++)
		if (!strcmp(set->monitors[i].port, name))
			return true;
	for (size_t i = 0; i < set->n_receives; i++)
		if (!strcmp(set->receives[i].port, name))
			return true;
	if (!strcmp(name, d->cfg.vxlan.dev))
		return true;
	for (size_t i = 0; i < set->n_policies; i++)
		for (size_t k = 0; k < set->policies[i].n_ports; k++)
			if (!fnmatch(set->policies[i].ports[k], name, 0))
				return true;
	return false;
}

static void port_gone(struct vtapd *d, struct vtapd_port *p)
{
	log_info("port %s (ifindex %d) is gone%s", p->name, p->ifindex,
		 p->attached ? "; forgetting its taps" : "");
	if (p->attached || port_named(d, p->name))
		d->dirty = true;
	/* the device took its filters and qdisc along; its sink counters are
	 * vtap's to remove */
	if (p->attached & VTAPD_ATT_SINK)
		vtap_loader_del_sink(&d->ld, (__u32)p->ifindex);
	/* the nft guard's chain outlives the device, and would guard the
	 * next device of that name, a VM's maybe: it goes now */
	if (p->attached & VTAPD_ATT_GUARD)
		vtapd_hook_detach(&d->ld, p, VTAPD_ATT_GUARD);
	if (vtapd_sinks_port_gone(&d->sinks, p->name))
		d->dirty = true;
	vtapd_hook_forget(p, VTAPD_ATT_XDP | VTAPD_ATT_SINK);
	vtapd_port_remove(&d->ports, p);
}

void vtapd_link_event(void *arg, const struct vtap_link_news *n)
{
	struct vtapd *d = arg;
	const char *name = n->name;
	int ifindex = n->ifindex, up = n->up;
	struct vtapd_port *p = vtapd_port_by_index(&d->ports, ifindex);

	if (n->deleted) {
		/* the kernel moves a device's XDP and TCX programs with it
		 * (not its clsact): vtap's go on in that namespace, out of
		 * vtapd's reach, until the device comes back or goes */
		if (p && n->moved && (p->attached & (VTAPD_ATT_XDP | VTAPD_ATT_SINK)))
			log_warn("port %s moved to another network namespace with vtap's %s on it; "
				 "vtapd takes it back if the port comes back (`vtapctl teardown` "
				 "there removes it)",
				 p->name, p->attached & VTAPD_ATT_XDP ? "XDP tap" : "sink program");
		if (p)
			port_gone(d, p);
		return;
	}
	bool fresh = !p;

	if (!p && !(p = vtapd_port_get(&d->ports, ifindex, name)))
		return;
	/* a port that comes with vtap's programs on it (back from another
	 * network namespace): they are vtapd's again, as at a start */
	if (fresh && d->rec.applies) {
		vtapd_adopt_port(d, p);
		if (p->attached) /* kept, or taken off, as the set in effect wants */
			d->dirty = true;
	}
	/* a group member's port going down or coming up moves its flows:
	 * the groups are recompiled with it passed over, or back */
	if ((fresh || p->up != (up != 0)) && vtapd_groups_member_port(&d->run.set, name))
		d->dirty = true;
	if (strcmp(p->name, name)) {
		if (p->name[0])
			log_info("port %s (ifindex %d) renamed to %s", p->name, ifindex, name);
		if (p->attached || port_named(d, p->name) || port_named(d, name))
			d->dirty = true;
		/* the guard's chain is bound to the old name: it goes now, and
		 * the port is guarded again if it is still a bare monitor's */
		if (p->attached & VTAPD_ATT_GUARD)
			vtapd_hook_detach(&d->ld, p, VTAPD_ATT_GUARD);
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	p->up = up;
	/* while the ports are listed again after lost events, only the list
	 * says a port is there: an event read then may be older than the
	 * loss (the kernel reports it before what it had queued), of a port
	 * whose RTM_DELLINK was lost */
	if (n->dumped || !d->ports.resync)
		p->seen = true;
	/* its MTU may have changed */
	vtapd_hook_guard_refresh(&d->ld, p);
}

static void resync_begin(struct vtapd *d, struct vtap_nl *nl)
{
	for (size_t i = 0; i < d->ports.n; i++)
		d->ports.v[i].seen = false;
	d->ports.resync = true;
	vtap_nl_dump_done(nl); /* forget an older dump's end */
	if (vtap_nl_dump(nl))
		d->ports.resync = false;
}

static void resync_end(struct vtapd *d)
{
	size_t i = 0;

	d->ports.resync = false;
	while (i < d->ports.n) {
		struct vtapd_port *p = &d->ports.v[i];

		if (p->seen) {
			i++;
			continue;
		}
		/* gone while events were lost: as if RTM_DELLINK had come */
		port_gone(d, p);
	}
}

void vtapd_links_read(struct vtapd *d, struct vtap_nl *nl)
{
	int r = vtap_nl_read(nl);

	if (r == -ENOBUFS) {
		log_warn("rtnetlink events lost; listing ports again%s",
			 d->ports.resync ? " once the list under way ends" : "");
		/* one dump at a time: the kernel refuses a second one */
		if (d->ports.resync)
			d->ports.resync_again = true;
		else
			resync_begin(d, nl);
	} else if (d->ports.resync && vtap_nl_dump_done(nl)) {
		resync_end(d);
		/* what was lost may be news from after that list */
		if (d->ports.resync_again) {
			d->ports.resync_again = false;
			resync_begin(d, nl);
		}
	}
}
