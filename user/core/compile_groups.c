// SPDX-License-Identifier: GPL-2.0
/* The compiler's part for monitor groups (include/vtap/group.h): each group
 * monitor of the set becomes a struct vtap_group of the image, its members'
 * sinks as the compile environment has them (a member whose port is down or
 * absent, or whose sink is not set up, has sink 0: not usable now). */
#include <string.h>
#include "compile_internal.h"

enum vtap_sink_kind vtap_sink_kind_of(enum vtap_monitor_type t)
{
	switch (t) {
	case VTAP_MONITOR_OVS:
		return VTAP_SINK_VLAN;
	case VTAP_MONITOR_CAPTURE:
		return VTAP_SINK_CAPTURE;
	case VTAP_MONITOR_VXLAN:
		return VTAP_SINK_VXLAN;
	default:
		return VTAP_SINK_PLAIN;
	}
}

/* FNV-1a of a member's name: its seed, the same whatever its place in the
 * list, so reordering members moves no flow. */
static __u64 name_seed(const char *s)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Each member's sink as env has it: 0 (not usable now) when its port is
 * down or absent, or its sink is not set up. */
static void member_sinks(struct vtap_group *g, const struct vtap_policy_set *set,
			 const struct vtap_monitor *mon, const struct vtap_compile_env *env)
{
	for (size_t i = 0; i < mon->n_members; i++) {
		int k = mon->member_idx[i];

		g->m[i].sink_ifindex = 0;
		if (k < 0)
			continue;
		g->m[i].sink_kind = (__u16)vtap_sink_kind_of(set->monitors[k].type);
		g->m[i].sink_slot = 0;
		if (env->bare_slot && env->bare_slot[k] >= 0) {
			g->m[i].sink_kind = VTAP_SINK_BARE;
			g->m[i].sink_slot = (__u16)env->bare_slot[k];
		}
		if (env->sink_ifindex && !(env->sink_down && env->sink_down[k]))
			g->m[i].sink_ifindex = env->sink_ifindex[k];
	}
}

int compile_groups(const struct vtap_policy_set *set, const struct vtap_compile_env *env,
		   struct vtap_image *img, int *group_of, struct vtap_errors *errs)
{
	__u32 next = 0;

	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		struct vtap_group *g;
		__u32 gi;

		group_of[m] = -1;
		if (mon->type != VTAP_MONITOR_GROUP)
			continue;
		gi = env->group_id ? env->group_id[m] : next++;
		if (gi >= VTAP_MAX_GROUPS) {
			vtap_errors_add(errs, &mon->loc, "group %s: more than %d groups", mon->name,
					VTAP_MAX_GROUPS);
			return -1;
		}
		group_of[m] = (int)gi;
		g = &img->groups[gi];
		memset(g, 0, sizeof(*g));
		g->n = (__u32)mon->n_members;
		for (size_t i = 0; i < mon->n_members; i++)
			g->m[i].seed = name_seed(mon->members[i]);
		member_sinks(g, set, mon, env);
		if (gi + 1 > img->n_groups)
			img->n_groups = gi + 1;
	}
	return 0;
}

void vtap_image_member_sinks(struct vtap_image *img, const struct vtap_policy_set *set,
			     const struct vtap_compile_env *env)
{
	__u32 next = 0;

	for (size_t m = 0; m < set->n_monitors; m++) {
		__u32 gi;

		if (set->monitors[m].type != VTAP_MONITOR_GROUP)
			continue;
		gi = env->group_id ? env->group_id[m] : next++;
		if (gi < VTAP_MAX_GROUPS)
			member_sinks(&img->groups[gi], set, &set->monitors[m], env);
	}
}
