// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's policies: the policy directory, compiled by the compiler
 * vtapd uses, into an image the lcore classifies with; a new image is
 * swapped in with one pointer store, the old one freed after the lcore has
 * finished the round that may still use it (RCU: a quiescent state per
 * round, no lock on the fast path). */
#include <stdio.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/log.h"
#include "core/rate_cfg.h"
#include "vdp.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Wait until the lcore has completed a round that began after the swap. */
static void grace_period(struct vdp *v)
{
	uint64_t e = __atomic_load_n(&v->epoch, __ATOMIC_ACQUIRE);

	while (__atomic_load_n(&v->running, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&v->epoch, __ATOMIC_ACQUIRE) < e + 2)
		usleep(50);
}

/* Which --monitor ports' interfaces are down now (bit k: v->mon[k]): a
 * group passes over them. Ports without a host interface (vhost-user) are
 * never down here. */
uint32_t vdp_monitors_down(const struct vdp *v)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t down = 0;

	for (int k = 0; fd >= 0 && k < v->n_mon; k++) {
		struct ifreq ifr = {0};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", v->mon[k].port.name);
		if (!ioctl(fd, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP))
			down |= 1u << k;
	}
	if (fd >= 0)
		close(fd);
	return down;
}

/* A group's index is its place among the set's groups: a place that holds
 * another group's name, or a member list that changed (a member's counters
 * are by its place in the list), starts its members' counters at zero. */
static void group_counters(struct vdp *v, const struct vtap_policy_set *set)
{
	size_t g = 0;

	for (size_t m = 0; m < set->n_monitors && g < VTAP_MAX_GROUPS; m++) {
		if (set->monitors[m].type != VTAP_MONITOR_GROUP)
			continue;
		if (strcmp(v->group_names[g], set->monitors[m].name) ||
		    v->group_members[g] != vtap_group_members_hash(&set->monitors[m])) {
			memset(v->stats->members[g], 0, sizeof(v->stats->members[g]));
			snprintf(v->group_names[g], VTAP_NAME_MAX, "%s", set->monitors[m].name);
			v->group_members[g] = vtap_group_members_hash(&set->monitors[m]);
		}
		g++;
	}
}

/* The compile environment: the VM-side ports by their host names, and each
 * monitor's port when vtap-dpdk has it: local monitors by their port's
 * interface, IPv4 vxlan monitors on the --vxlan port (their tunnels by
 * policy id); ovs and capture monitors have no sink here and their copies
 * count as failures. */
static int compile(struct vdp *v, const struct vtap_policy_set *set, const __u32 *ids,
		   struct vdp_rules *rl, struct vtap_errors *errs)
{
	struct vtap_host_port hp[VDP_MAX_PAIRS];
	__u32 *sinks = calloc(set->n_monitors + 1, sizeof(*sinks));
	bool *down = calloc(set->n_monitors + 1, sizeof(*down));
	struct vtap_compile_env env = {.ports = hp,
				       .n_ports = (size_t)v->n_pairs,
				       .sink_ifindex = sinks,
				       .policy_id = ids,
				       .sink_down = down};
	uint32_t mon_down = vdp_monitors_down(v);
	int ret;

	if (!sinks || !down) {
		free(sinks);
		free(down);
		return -1;
	}
	v->mon_down = mon_down;
	for (int i = 0; i < v->n_pairs; i++) {
		snprintf(hp[i].name, sizeof(hp[i].name), "%s", v->vm[i].name);
		hp[i].ifindex = v->vm[i].ifindex;
	}
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];

		for (int k = 0; k < v->n_mon; k++) {
			bool ours = v->mon[k].vxlan ? mon->type == VTAP_MONITOR_VXLAN &&
							  mon->remote_family == AF_INET
						    : mon->type == VTAP_MONITOR_LOCAL &&
							  !strcmp(mon->port, v->mon[k].port.name);

			if (ours) {
				sinks[m] = v->mon[k].port.ifindex;
				down[m] = (mon_down >> k) & 1;
			}
		}
		if (!sinks[m] && mon->type != VTAP_MONITOR_GROUP)
			log_warn("monitor %s (%s %s) is not a --monitor port of vtap-dpdk: its "
				 "copies count as copy failures",
				 mon->name, vtap_monitor_type_name(mon->type),
				 mon->type == VTAP_MONITOR_VXLAN ? "(no --vxlan port, or not IPv4)"
								 : mon->port);
	}
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];
		const struct vtap_monitor *mon =
		    p->monitor_idx >= 0 ? &set->monitors[p->monitor_idx] : NULL;

		if (mon && mon->type == VTAP_MONITOR_VXLAN && mon->remote_family == AF_INET) {
			memcpy(&rl->tun[ids[i]].remote, mon->remote, 4);
			rl->tun[ids[i]].vni = mon->vni;
		}
	}
	/* a group's vxlan members: a tunnel each, by (group, member); a
	 * group's index is its place among the set's groups (compile) */
	for (size_t m = 0, g = 0; m < set->n_monitors && g < VTAP_MAX_GROUPS; m++) {
		const struct vtap_monitor *grp = &set->monitors[m];

		if (grp->type != VTAP_MONITOR_GROUP)
			continue;
		for (size_t i = 0; i < grp->n_members && i < VTAP_GROUP_MAX; i++) {
			const struct vtap_monitor *mb =
			    grp->member_idx[i] >= 0 ? &set->monitors[grp->member_idx[i]] : NULL;
			struct vdp_tunnel *t = &rl->tun[VTAP_MAX_RULES + g * VTAP_GROUP_MAX + i];

			if (mb && mb->type == VTAP_MONITOR_VXLAN && mb->remote_family == AF_INET) {
				memcpy(&t->remote, mb->remote, 4);
				t->vni = mb->vni;
			}
		}
		g++;
	}
	ret = vtap_compile(set, &env, &rl->img, errs);
	free(sinks);
	free(down);
	return ret;
}

static void errors_out(struct vtap_errors *errs, struct sbuf *o, char *last, size_t n)
{
	for (size_t i = 0; i < errs->n; i++) {
		log_err("%s", errs->msgs[i]);
		if (o)
			sbuf_printf(o, "%s\n", errs->msgs[i]);
	}
	snprintf(last, n, "%s", errs->n ? errs->msgs[0] : "policies rejected");
}

/* Publish rl, wait until no round can still use the rules it replaces,
 * and free those. */
static void swap_in(struct vdp *v, struct vdp_rules *rl)
{
	struct vdp_rules *old = __atomic_exchange_n(&v->rules, rl, __ATOMIC_SEQ_CST);

	grace_period(v);
	if (old) {
		vtap_image_free(&old->img);
		free(old);
	}
}

/* The bridge of a swap whose new names need the ids of the policies it
 * removes (core/policy_ids.h): the running set without the leaving
 * policies' copies, in effect before those ids change hands. */
static int bridge(struct vdp *v, struct vtap_errors *errs)
{
	struct vtap_policy_set b;
	__u32 *ids = calloc(v->set.n_policies + 1, sizeof(*ids));
	struct vdp_rules *rl = calloc(1, sizeof(*rl));
	int ret = -1;

	if (ids && rl && !vtap_policy_ids_bridge(v->ids, &v->set, v->set_ids, &b, ids)) {
		ret = compile(v, &b, ids, rl, errs);
		vtap_policy_ids_bridge_free(&b);
	}
	if (!ret) {
		swap_in(v, rl);
		rl = NULL;
	}
	free(rl);
	free(ids);
	return ret;
}

int vdp_reload(struct vdp *v, struct sbuf *o)
{
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	struct vdp_rules *rl = calloc(1, sizeof(*rl));
	__u32 *ids = NULL;
	double t0 = now_ms();
	int steps;

	if (!rl)
		goto fail;
	if (vtap_policy_load_dir(v->policy_dir, &set, &errs))
		goto fail;
	ids = calloc(set.n_policies + 1, sizeof(*ids));
	if (!ids)
		goto fail;
	steps = vtap_policy_ids_assign(v->ids, &set, ids, &errs);
	if (steps < 0)
		goto fail;
	if (compile(v, &set, ids, rl, &errs)) {
		vtap_policy_ids_abort(v->ids);
		goto fail;
	}
	if ((steps & VTAP_IDS_BRIDGE) && bridge(v, &errs)) {
		vtap_policy_ids_abort(v->ids);
		vtap_image_free(&rl->img);
		goto fail;
	}
	if (steps & VTAP_IDS_WAIT)
		grace_period(v);
	/* no round counts into the new names' ids now: they start at zero */
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		enum vtap_id_step st = vtap_policy_ids_step(v->ids, id);

		if (st == VTAP_ID_NEW || st == VTAP_ID_REUSED)
			memset(&v->stats->pol[id], 0, sizeof(v->stats->pol[0]));
	}
	group_counters(v, &set);
	/* rate caps before the rules that use them; an unchanged one keeps its
	 * buckets (the lcore may be charging them: only a change rewrites) */
	for (size_t i = 0; i < set.n_policies; i++) {
		struct vtap_rate want, *have = &v->stats->rate[ids[i] & (VTAP_MAX_RULES - 1)];

		vtap_rate_config(&set.policies[i].rate, &want);
		if (!vtap_rate_same_config(&want, have))
			*have = want;
	}
	swap_in(v, rl);
	/* after the grace period of the swap no round uses the ids of the
	 * policies that left */
	vtap_policy_ids_commit(v->ids);
	vtap_policy_ids_quiesce(v->ids);
	vtap_policy_set_free(&v->set);
	free(v->set_ids);
	v->set = set;
	v->set_ids = ids;
	v->reloads_ok++;
	v->last_error[0] = 0;
	v->last_apply_ms = now_ms() - t0;
	log_info("%zu policies in effect (%.2f ms)", set.n_policies, v->last_apply_ms);
	return 0;
fail:
	if (!errs.n)
		vtap_errors_add(&errs, NULL, "out of memory");
	errors_out(&errs, o, v->last_error, sizeof(v->last_error));
	vtap_errors_free(&errs);
	vtap_policy_set_free(&set);
	free(ids);
	free(rl);
	v->reloads_failed++;
	return -1;
}

void vdp_rules_free(struct vdp *v)
{
	struct vdp_rules *rl = __atomic_exchange_n(&v->rules, NULL, __ATOMIC_SEQ_CST);

	if (rl) {
		vtap_image_free(&rl->img);
		free(rl);
	}
	vtap_policy_set_free(&v->set);
	free(v->set_ids);
	v->set_ids = NULL;
}
