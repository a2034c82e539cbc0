// SPDX-License-Identifier: GPL-2.0
#include <fnmatch.h>
#include <string.h>
#include "hook_choice.h"
#include "kernel/nft_guard.h"

bool vtapd_monitor_bare(const struct vtapd_config *cfg, const struct vtap_policy_set *set, size_t m,
			const struct vtapd_port *p)
{
	if (cfg->sink_hook != VTAPD_SINK_HOOK_NFT || !p || p->guard_failed ||
	    !vtap_nft_guard_name_ok(p->name))
		return false;
	/* the hooks are the port's: every monitor on it must do without */
	for (size_t k = 0; k < set->n_monitors; k++) {
		const struct vtap_monitor *o = &set->monitors[k];

		if ((k == m || !strcmp(o->port, set->monitors[m].port)) &&
		    (o->type != VTAP_MONITOR_LOCAL || vtap_monitor_cuts(set, (int)k)))
			return false;
	}
	return true;
}

static bool names_port(const struct vtap_policy *pol, const char *name)
{
	for (size_t k = 0; k < pol->n_ports; k++)
		if (!fnmatch(pol->ports[k], name, 0))
			return true;
	return false;
}

/* Should the port's out frames be tapped with XDP? false: p->hook_note
 * says why not, when there is a reason. */
/* Can vtapd take the XDP tap's copies to mon from the ring? A group when
 * it can for every member. */
static bool takes_ring(const struct vtapd_sinks *sinks, const struct vtap_policy_set *set,
		       const struct vtap_monitor *mon)
{
	if (mon->type != VTAP_MONITOR_GROUP)
		return vtapd_sink_takes_ring(sinks, mon);
	for (size_t i = 0; i < mon->n_members; i++)
		if (mon->member_idx[i] < 0 ||
		    !vtapd_sink_takes_ring(sinks, &set->monitors[mon->member_idx[i]]))
			return false;
	return true;
}

static bool out_wants_xdp(const struct vtapd_config *cfg, const struct vtapd_sinks *sinks,
			  const struct vtap_policy_set *set, struct vtapd_port *p)
{
	const struct vtap_policy *tc_by = NULL, *needs_tc = NULL;
	bool xdp_asked = false, any = false;

	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *pol = &set->policies[i];
		enum vtap_hook_mode mode = pol->hook ? pol->hook : cfg->attach_mode;

		if (!(pol->direction & VTAP_DIR_OUT) || !names_port(pol, p->name))
			continue;
		if (mode == VTAP_HOOK_MODE_TC) {
			tc_by = pol;
			continue;
		}
		any = true;
		xdp_asked |= mode == VTAP_HOOK_MODE_XDP;
		/* XDP cannot clone a frame to a device: its copies reach
		 * the sinks vtapd feeds from user space (captures, ovs
		 * monitors through AF_XDP) */
		if (pol->action == VTAP_ACTION_MIRROR && pol->monitor_idx >= 0 &&
		    !takes_ring(sinks, set, &set->monitors[pol->monitor_idx]))
			needs_tc = pol;
	}
	if (tc_by && any) {
		vtapd_port_note(p, xdp_asked, "policy %s asks for hook tc (one hook per port)",
				tc_by->name);
		return false;
	}
	if (!any) {
		vtapd_port_note(p, false, "%s", "");
		return false;
	}
	if (needs_tc) {
		const struct vtap_monitor *m = &set->monitors[needs_tc->monitor_idx];

		vtapd_port_note(
		    p, xdp_asked,
		    "policy %s: monitor %s (type %s) is fed by TC only (XDP cannot "
		    "clone a frame to a device, and vtapd has no user-space path to it, or "
		    "to a member of it)",
		    needs_tc->name, m->name, vtap_monitor_type_name(m->type));
		return false;
	}
	return true;
}

unsigned int vtapd_hooks_wanted(const struct vtapd_config *cfg, const struct vtapd_sinks *sinks,
				const struct vtap_image *img, const struct vtap_policy_set *set,
				struct vtapd_port *p)
{
	const char *vxlan_dev = cfg->vxlan.dev;
	unsigned int w = 0;

	for (size_t i = 0; i < img->n_ports; i++)
		if ((int)img->ports[i].ifindex == p->ifindex)
			w |= img->ports[i].dir == VTAP_DIR_OUT ? VTAPD_ATT_OUT : VTAPD_ATT_IN;
	/* out frames: XDP where the attach mode and the monitors allow */
	if ((w & VTAPD_ATT_OUT) && out_wants_xdp(cfg, sinks, set, p))
		w = (w & ~VTAPD_ATT_OUT) | VTAPD_ATT_XDP;
	else if (!(w & VTAPD_ATT_OUT))
		p->hook_note[0] = 0; /* no out tap: no reason to give */
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];

		if (strcmp(mon->type == VTAP_MONITOR_VXLAN ? vxlan_dev : mon->port, p->name))
			continue;
		/* a port that carries the host's own traffic (guard.h): the
		 * sink program would drop it */
		if (mon->type != VTAP_MONITOR_VXLAN && p->host_use[0])
			continue;
		/* a capture/ovs port vtap could not set up (not a veth, ...)
		 * is left alone: the sink program would drop its traffic */
		if (vtap_monitor_reads_port(mon) && !vtapd_sink_usable(sinks, mon))
			continue;
		w |= vtapd_monitor_bare(cfg, set, m, p) ? VTAPD_ATT_GUARD : VTAPD_ATT_SINK;
	}
	if (set->n_receives && !strcmp(vxlan_dev, p->name))
		w |= VTAPD_ATT_RX;
	return w;
}
