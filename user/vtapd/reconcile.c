// SPDX-License-Identifier: GPL-2.0
/* Bringing the kernel in line with a policy set: make before break. The
 * sinks and hooks the set needs first, then the flip to its rules, then
 * what it no longer needs goes; a swap whose new names take the ids of the
 * policies it removes flips to the bridge generation first. */
#include <errno.h>
#include <malloc.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vtapd.h"
#include "guard.h"
#include "hook_choice.h"
#include "hooks.h"
#include "core/image.h"
#include "core/log.h"
#include "kernel/nft_guard.h"
#include "sinks/receive.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What the compiler needs besides the set: the host's ports and each
 * monitor's sink port. */
struct env {
	struct vtap_host_port *hp;
	size_t n_hp;
	__u32 *sinks; /* per monitor: its sink's ifindex, 0 = none */
	bool *down;   /* per monitor: its port is down (groups pass over it) */
	__u32 *groups; /* per monitor: a group's index (groups.h) */
	int *bare;     /* per monitor: no sink program, the nft guard (hook_choice.h):
			  its port's slot in vtap_bare, else -1 */
};

static void env_free(struct env *e)
{
	free(e->hp);
	free(e->sinks);
	free(e->down);
	free(e->groups);
	free(e->bare);
}

/* The host's ports, but vtap's own devices and a monitor port's veth peer:
 * never tapped, whatever glob a policy has (a tap there would replace
 * their program, or copy the copies again). */
static int host_ports(struct vtapd *d, const struct vtap_policy_set *set, struct env *e)
{
	e->n_hp = 0;
	e->hp = calloc(d->ports.n + 1, sizeof(*e->hp));
	if (!e->hp)
		return -ENOMEM;
	for (size_t i = 0; i < d->ports.n; i++) {
		const struct vtapd_port *p = &d->ports.v[i];

		if (vtapd_sinks_is_dev(&d->sinks, &d->cfg.vxlan, set, p->name) ||
		    vtapd_guard_is_peer(d, set, p))
			continue;
		snprintf(e->hp[e->n_hp].name, sizeof(e->hp[e->n_hp].name), "%s", p->name);
		e->hp[e->n_hp++].ifindex = (__u32)p->ifindex;
	}
	return 0;
}

/* Which sinks monitor_sinks looks at */
enum sinks_of {
	SINKS_PLANNED, /* before the sinks are made: where they will be */
	SINKS_NEXT,    /* the set being applied: its staged sinks, else the running ones */
	SINKS_LIVE,    /* the running sinks (the bridge generation) */
};

/* A capture or ovs monitor's sink port, by the sinks of `which`; for a
 * sink still to be made, a stand-in that is no interface's (the compiler
 * counts distinct sink ports; the real ones replace it). */
static __u32 made_sink(struct vtapd *d, const struct vtap_monitor *mon, struct vtapd_port *p,
		       size_t m, enum sinks_of which)
{
	const struct vtapd_sink *k = which == SINKS_LIVE ? vtapd_sink_live(&d->sinks, mon->name)
							 : vtapd_sink_of(&d->sinks, mon->name);

	if (which == SINKS_PLANNED)
		return p ? (__u32)p->ifindex : 0x80000000u | (__u32)m;
	return vtapd_sink_works(k) && p ? (__u32)p->ifindex : 0;
}

/* Each monitor's sink port. vxlan: vtapd's VXLAN device; capture and ovs:
 * when the sink's reader is there; none for a port that carries the
 * host's own traffic (guard.h). With attach (a new set), the sink program
 * goes on before any rule points at the port: without it copies would
 * leave unmarked and uncut, so a port it cannot be put on gets no copies
 * (they count as copy failures). */
static int monitor_sinks(struct vtapd *d, const struct vtap_policy_set *set, enum sinks_of which,
			 bool attach, struct env *e)
{
	free(e->sinks); /* a second call (the sinks made) computes them anew */
	free(e->down);
	free(e->groups);
	free(e->bare);
	e->sinks = calloc(set->n_monitors + 1, sizeof(*e->sinks));
	e->down = calloc(set->n_monitors + 1, sizeof(*e->down));
	e->groups = calloc(set->n_monitors + 1, sizeof(*e->groups));
	e->bare = calloc(set->n_monitors + 1, sizeof(*e->bare));
	if (!e->sinks || !e->down || !e->groups || !e->bare)
		return -ENOMEM;
	/* groups, refused monitors and the others: a sink program's, or none */
	for (size_t m = 0; m < set->n_monitors; m++)
		e->bare[m] = -1;
	if (vtapd_groups_ids(&d->groups, &d->ld, set, e->groups))
		return -ENOSPC;
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		const char *port = mon->type == VTAP_MONITOR_VXLAN ? d->cfg.vxlan.dev : mon->port;
		struct vtapd_port *p = vtapd_port_by_name(&d->ports, port);

		bool made = mon->type != VTAP_MONITOR_LOCAL && mon->type != VTAP_MONITOR_VXLAN;

		if (mon->type == VTAP_MONITOR_GROUP)
			continue; /* its members are monitors of their own */
		if (vtapd_guard_refused(d, mon))
			continue;
		e->sinks[m] = made ? made_sink(d, mon, p, m, which) : p ? (__u32)p->ifindex : 0;
		e->down[m] = p && !p->up;
		/* the bridge keeps what the port has now; a guard to be put on
		 * gets its slot then (set_rule_sinks) */
		if (which == SINKS_LIVE ? p && (p->attached & (VTAPD_ATT_GUARD | VTAPD_ATT_SINK)) ==
						   VTAPD_ATT_GUARD
					: vtapd_monitor_bare(&d->cfg, set, m, p))
			e->bare[m] = p->attached & VTAPD_ATT_GUARD ? p->guard_slot : 0;
		if (!attach || (made && !e->sinks[m]))
			continue;
		if (!p) {
			log_warn("monitor %s: port %s is not present; copies for it are counted "
				 "as copy failures until it appears",
				 mon->name, port);
			continue;
		}
		/* a port nft cannot guard gets the sink program instead */
		if (e->bare[m] >= 0 && !(p->attached & VTAPD_ATT_GUARD) &&
		    vtapd_hook_attach(&d->ld, &d->cfg, p, VTAPD_ATT_GUARD))
			e->bare[m] = -1;
		else if (e->bare[m] >= 0)
			e->bare[m] = p->guard_slot;
		if (e->bare[m] < 0 && !(p->attached & VTAPD_ATT_SINK) &&
		    vtapd_hook_attach(&d->ld, &d->cfg, p, VTAPD_ATT_SINK))
			e->sinks[m] = 0;
	}
	return 0;
}

/* The compiled rules, and the groups' members, point at the sinks made
 * since the compile (a group's rules keep sink 0: the member's, per frame). */
static void set_rule_sinks(struct vtap_image *img, const struct vtap_policy_set *set,
			   const struct env *e)
{
	const struct vtap_compile_env env = {.sink_ifindex = e->sinks,
					     .sink_down = e->down,
					     .group_id = e->groups,
					     .bare_slot = e->bare};

	for (size_t r = 0; r < set->n_policies; r++) {
		int mi = set->policies[img->rank_policy[r]].monitor_idx;

		if (mi < 0 || (img->rules[r].flags & VTAP_RULE_GROUP))
			continue;
		img->rules[r].sink_ifindex = e->sinks[mi];
		img->rules[r].sink_kind =
		    e->bare[mi] >= 0 ? VTAP_SINK_BARE : vtap_sink_kind_of(set->monitors[mi].type);
		img->rules[r].group = e->bare[mi] >= 0 ? (__u8)e->bare[mi] : 0;
	}
	vtap_image_member_sinks(img, set, &env);
}

static int compile(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids,
		   const struct env *e, struct vtap_image *img)
{
	struct vtap_compile_env env = {.ports = e->hp,
				       .n_ports = e->n_hp,
				       .sink_ifindex = e->sinks,
				       .policy_id = ids,
				       .sink_down = e->down,
				       .group_id = e->groups,
				       .bare_slot = e->bare};
	struct vtap_errors errs = {0};
	int ret = vtap_compile(set, &env, img, &errs);

	if (ret) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("%s", errs.msgs[i]);
		snprintf(d->rec.last_error, sizeof(d->rec.last_error), "%s",
			 errs.n ? errs.msgs[0] : "compile failed");
		vtap_errors_free(&errs);
	}
	return ret;
}

/* What vtap attached may have been taken off behind its back (tc filter
 * del, another tool's teardown): forgotten, so it is attached again. */
static void forget_gone(struct vtapd *d)
{
	struct vtap_nft_guards *guards = NULL;
	size_t i;

	/* the guards, with one nft run for all ports, when there are any */
	for (i = 0; i < d->ports.n && !(d->ports.v[i].attached & VTAPD_ATT_GUARD); i++)
		;
	if (i < d->ports.n)
		guards = vtap_nft_guards_of(d->ld.pin_root);
	for (i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1) {
			if (!vtapd_hook_gone(p, bit, guards))
				continue;
			log_warn(
			    "vtap's filter on %s was removed by someone else; attaching it again",
			    p->name);
			vtapd_hook_forget(p, bit);
		}
	}
	free(guards);
}

/* Attach first: a tap without rules for its port copies nothing. want[i]
 * gets what port i keeps after the flip. */
static void attach_wanted(struct vtapd *d, const struct vtap_policy_set *set,
			  const struct vtap_image *img, unsigned int *want)
{
	for (size_t i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		want[i] = vtapd_hooks_wanted(&d->cfg, &d->sinks, img, set, p);
		/* a port no policy taps any more has no engine either */
		if (!(want[i] & VTAPD_ATT_TAPS))
			p->dpdk = false;
		/* XDP first: where it cannot go (another program is there, no
		 * native XDP) the port's out frames are tapped with TC; a port
		 * the DPDK engine serves gets no XDP either */
		if ((want[i] & VTAPD_ATT_XDP) &&
		    (vtapd_engine_is_dpdk(&d->cfg, p) ||
		     (!(p->attached & VTAPD_ATT_XDP) &&
		      vtapd_hook_attach(&d->ld, &d->cfg, p, VTAPD_ATT_XDP))))
			want[i] = (want[i] & ~VTAPD_ATT_XDP) | VTAPD_ATT_OUT;
		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1) {
			if (bit == VTAPD_ATT_XDP || !(want[i] & bit) || (p->attached & bit))
				continue;
			if (bit == VTAPD_ATT_OUT || bit == VTAPD_ATT_IN)
				vtapd_hook_attach_tap(&d->ld, &d->cfg, p, bit);
			else
				vtapd_hook_attach(&d->ld, &d->cfg, p, bit);
		}
	}
}

/* After the flip: what the set in effect does not need. */
static void detach_unwanted(struct vtapd *d, const unsigned int *want)
{
	for (size_t i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1)
			if (!(want[i] & bit) && (p->attached & bit))
				vtapd_hook_detach(&d->ld, p, bit);
	}
}

/* The bridge of a swap whose new names need the ids of policies it removes
 * (core/policy_ids.h): the running set without the leaving policies'
 * copies goes in first; once no program can still run the generation it
 * replaced, those ids are nobody's and can change hands. */
static int bridge(struct vtapd *d, const struct env *e_next)
{
	struct vtap_policy_set b = {0};
	struct vtap_image img;
	struct env e = {.hp = e_next->hp, .n_hp = e_next->n_hp};
	__u32 *ids = calloc(d->run.set.n_policies + 1, sizeof(*ids));
	int ret = -ENOMEM;

	if (!ids || vtap_policy_ids_bridge(&d->ids, &d->run.set, d->run.ids, &b, ids) ||
	    monitor_sinks(d, &b, SINKS_LIVE, false, &e))
		goto out;
	ret = compile(d, &b, ids, &e, &img);
	if (ret)
		goto out;
	ret = vtap_loader_apply(&d->ld, &img);
	vtap_image_free(&img);
	if (!ret)
		ret = vtap_loader_wait_readers(&d->ld);
	if (ret) {
		snprintf(d->rec.last_error, sizeof(d->rec.last_error),
			 "cannot put the bridge generation in effect: %s", strerror(-ret));
	} else {
		log_info("bridge generation in effect: %zu policies, the leaving ones silenced; "
			 "their ids change hands",
			 b.n_policies);
		/* copies made under the set before the bridge, with the ids as
		 * they were: to their sinks now */
		vtapd_ring_drain(&d->ring);
	}
out:
	free(e.sinks);
	free(e.down);
	free(e.groups);
	free(e.bare);
	vtap_policy_ids_bridge_free(&b);
	free(ids);
	return ret;
}

/* The ids the new set's names get start with zero counters and are pinned
 * as theirs (vtap_names), before the set is in effect. */
static void name_new_ids(struct vtapd *d)
{
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		enum vtap_id_step st = vtap_policy_ids_step(&d->ids, id);

		if (st != VTAP_ID_NEW && st != VTAP_ID_REUSED)
			continue;
		vtap_loader_zero_stats(&d->ld, id);
		vtap_loader_set_name(&d->ld, id, vtap_policy_ids_next_owner(&d->ids, id));
	}
}

/* Make way for the new ids: the bridge, or a grace period for retired
 * ids; then they are named. */
static int new_ids(struct vtapd *d, int id_steps, const struct env *e)
{
	int ret = 0;

	if (id_steps & VTAP_IDS_BRIDGE)
		ret = bridge(d, e);
	else if (id_steps & VTAP_IDS_WAIT)
		ret = vtap_loader_wait_readers(&d->ld);
	if (!ret)
		name_new_ids(d);
	return ret;
}

static int port_ifindex(void *arg, const char *name)
{
	struct vtapd_port *p = vtapd_port_by_name(arg, name);

	return p ? p->ifindex : 0;
}

static const char *refused(void *arg, const struct vtap_monitor *m)
{
	return vtapd_guard_refused(arg, m);
}

/* The capture path choices (vtap_cap_veth) of the ports this vtapd holds
 * a sink program on stay; the rest go. */
static void prune_cap_veth(struct vtapd *d)
{
	__u32 *keep = calloc(d->ports.n + 1, sizeof(*keep));
	size_t n = 0;

	if (!keep)
		return;
	for (size_t i = 0; i < d->ports.n; i++)
		if (d->ports.v[i].attached & VTAPD_ATT_SINK)
			keep[n++] = (__u32)d->ports.v[i].ifindex;
	if (vtap_loader_prune_cap_veth(&d->ld, keep, n) > 0)
		log_info("removed the capture path choices of ports that are no longer sinks");
	free(keep);
}

/* Which ovs sinks take the TC tap's copies through the ring
 * (vtap_cap_veth, <vtap/abi.h>; vtapd_sinks_ovs_ring says which). */
static void ovs_ring_paths(struct vtapd *d)
{
	for (size_t i = 0; i < d->sinks.n; i++) {
		const struct vtapd_sink *s = &d->sinks.v[i];
		unsigned int ifindex;
		int ret;

		if (s->type != VTAP_MONITOR_OVS || s->staged || !(ifindex = if_nametoindex(s->port)))
			continue;
		ret = vtap_loader_ovs_ring(&d->ld, ifindex,
					   vtapd_sinks_ovs_ring(&d->sinks, s));
		if (ret)
			log_warn("monitor %s: cannot set its copies' path on %s: %s", s->monitor,
				 s->port, strerror(-ret));
	}
}

/* The set is in effect: what it does not need goes. */
static void applied(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids,
		    const unsigned int *want)
{
	const struct vtapd_sinks_guard g = {refused, d};

	detach_unwanted(d, want);
	vtapd_groups_keep(&d->groups, set);
	vtap_receive_apply(&d->ld, set, port_ifindex, &d->ports);
	if (vtapd_sinks_applied(&d->sinks, set, ids, &g))
		d->dirty = true;
	prune_cap_veth(d);
	ovs_ring_paths(d);
	/* the apply waited until no program ran the generation before the
	 * last flip: the ids its policies left are free now */
	vtap_policy_ids_quiesce(&d->ids);
}

/* What each port had before this apply attached anything. */
struct had {
	int ifindex;
	unsigned int attached;
};

static struct had *hooks_before(const struct vtapd *d)
{
	struct had *h = calloc(d->ports.n + 1, sizeof(*h));

	for (size_t i = 0; h && i < d->ports.n; i++)
		h[i] = (struct had){d->ports.v[i].ifindex, d->ports.v[i].attached};
	return h;
}

/* The set did not go in: what this apply attached comes off again (a sink
 * program on a new monitor port would drop the port's own traffic). */
static void hooks_back(struct vtapd *d, const struct had *h, size_t n_had)
{
	static const unsigned int slot[2] = {VTAPD_ATT_IN, VTAPD_ATT_SINK};

	for (size_t i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];
		unsigned int before = 0;

		for (size_t k = 0; k < n_had; k++)
			if (h[k].ifindex == p->ifindex)
				before = h[k].attached;
		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1)
			if ((p->attached & bit) && !(before & bit))
				vtapd_hook_detach(&d->ld, p, bit);
		/* what one of them replaced in clsact egress's one slot (the
		 * in tap, the sink: hooks.c) goes back */
		for (size_t k = 0; k < 2; k++)
			if ((before & slot[k]) && !(p->attached & slot[k]))
				vtapd_hook_attach(&d->ld, &d->cfg, p, slot[k]);
	}
}

/* The sinks the set needs, made beside the running ones; the links they
 * made are known now, not when rtnetlink tells: this apply puts the sink
 * program on them. */
static void make_sinks(struct vtapd *d, const struct vtap_policy_set *set)
{
	const struct vtapd_sinks_guard g = {refused, d};

	vtapd_sinks_prepare(&d->sinks, set, &d->cfg.vxlan, &d->ids, &g);
	vtapd_ports_note(&d->ports, d->cfg.vxlan.dev);
	for (size_t i = 0; i < d->sinks.n; i++) {
		vtapd_ports_note(&d->ports, d->sinks.v[i].port);
		vtapd_ports_note(&d->ports, d->sinks.v[i].peer);
	}
}

/* Everything that can fail without changing anything comes first: the
 * monitor ports' checks and the compile, against where the sinks will
 * be. Then the sinks are made (staged), their ports' sink programs put
 * on, the rules pointed at them, the taps attached, the ids made way for,
 * the flip; only then does what the set replaced go. A failure after the
 * sinks were made takes back what this apply made and attached. */
int vtapd_apply_set(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids,
		    int id_steps)
{
	struct env e = {0};
	struct vtap_image img;
	unsigned int *want = NULL;
	struct had *had = NULL;
	size_t n_had = d->ports.n;
	double t0 = now_ms();
	int ret = -ENOMEM;

	/* copies made under the running set go where it sends them, before
	 * its sinks change; before the first set is in effect, the ring holds
	 * what the taps a previous vtapd kept copied meanwhile: they wait for
	 * this set's sinks */
	if (d->rec.applies)
		vtapd_ring_drain(&d->ring);
	/* until the routes are rebuilt below (every way out of here goes
	 * there), a capture closed or moved on the way must not read the
	 * ring with them (vtapd_ring_consume) */
	d->ring.hold = true;
	vtapd_guard_check(d, set);
	if (host_ports(d, set, &e) || monitor_sinks(d, set, SINKS_PLANNED, false, &e))
		goto out;
	ret = compile(d, set, ids, &e, &img);
	if (ret)
		goto out;
	ret = -ENOMEM;
	had = hooks_before(d);
	if (!had)
		goto freed;
	make_sinks(d, set);
	want = calloc(d->ports.n + 1, sizeof(*want));
	if (!want || monitor_sinks(d, set, SINKS_NEXT, true, &e))
		goto undo;
	set_rule_sinks(&img, set, &e);
	forget_gone(d);
	attach_wanted(d, set, &img, want);
	ret = new_ids(d, id_steps, &e);
	if (!ret) {
		/* vxlan tunnels of the new set before it is in effect: an id a
		 * removed policy had must not send a copy to that policy's
		 * remote */
		vtap_vxlan_tunnels_write(&d->ld, set, ids);
		vtapd_groups_tunnels(&d->ld, set, e.groups);
		vtap_loader_set_rates(&d->ld, set, ids);
		ret = vtap_loader_apply(&d->ld, &img);
		if (ret)
			snprintf(d->rec.last_error, sizeof(d->rec.last_error),
				 "cannot write the rule set into the maps: %s", strerror(-ret));
	}
	if (!ret) {
		applied(d, set, ids, want);
		d->rec.applies++;
		d->rec.last_apply_ms = now_ms() - t0;
		log_debug("rule set of %zu policies in effect (generation %d, %.2f ms)",
			  set->n_policies, vtap_loader_active_gen(&d->ld), d->rec.last_apply_ms);
	}
	/* the bridge may be in effect: the running set goes back in by a
	 * reconcile */
	if (ret && (id_steps & VTAP_IDS_BRIDGE))
		d->dirty = true;
undo:
	if (ret) {
		/* the hooks first: the staged sinks' veths still there */
		hooks_back(d, had, n_had);
		vtapd_sinks_rollback(&d->sinks, &d->cfg.vxlan, &d->run.set);
	}
freed:
	vtap_image_free(&img);
out:
	/* the ring's copies go to the sinks of the set in effect (the sinks
	 * may have moved in d->sinks) */
	if (ret) {
		vtapd_ring_route(&d->ring, &d->run.set, d->run.ids);
	} else {
		vtapd_ring_route(&d->ring, set, ids);
		if (d->rec.applies == 1)
			vtapd_ring_drain(&d->ring);
	}
	env_free(&e);
	free(want);
	free(had);
	/* a compile of thousands of rules leaves megabytes of freed heap that
	 * glibc keeps; vtapd idles between applies, so it goes back */
	malloc_trim(0);
	return ret;
}

int vtapd_reconcile(struct vtapd *d)
{
	d->dirty = false;
	return vtapd_apply_set(d, &d->run.set, d->run.ids, 0);
}

void vtapd_teardown(struct vtapd *d, bool unpin)
{
	/* taps off first, so no copy is on its way to a sink being closed */
	for (size_t i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1)
			if (p->attached & bit)
				vtapd_hook_detach(&d->ld, p, bit);
	}
	/* the guards of ports that are gone, and their table (an adopted
	 * guard's too, whatever --sink-hook is now) */
	{
		char table[VTAP_NFT_TABLE_MAX];

		vtap_nft_guard_table(d->ld.pin_root, table, sizeof(table));
		vtap_nft_guard_drop_table(table);
	}
	vtapd_ring_close(&d->ring);
	vtapd_sinks_close(&d->sinks, &d->cfg.vxlan, unpin);
	if (d->ld.tc)
		vtap_loader_close(&d->ld, unpin);
	if (unpin)
		log_info("removed the pins under %s", d->cfg.pin_root);
}
