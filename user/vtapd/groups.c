// SPDX-License-Identifier: GPL-2.0
/* See groups.h. */
#include <stdio.h>
#include <string.h>
#include "groups.h"
#include "core/log.h"

/* Is index i grp's (its name and member list)? */
static bool holds(const struct vtapd_groups *g, __u32 i, const struct vtap_monitor *grp)
{
	return !strcmp(g->name[i], grp->name) && g->members[i] == vtap_group_members_hash(grp);
}

int vtapd_groups_ids(struct vtapd_groups *g, struct vtap_loader *ld,
		     const struct vtap_policy_set *set, __u32 *ids)
{
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *grp = &set->monitors[m];
		__u32 i, free_i = VTAP_MAX_GROUPS, named = VTAP_MAX_GROUPS;

		ids[m] = VTAP_MAX_GROUPS;
		if (grp->type != VTAP_MONITOR_GROUP)
			continue;
		for (i = 0; i < VTAP_MAX_GROUPS && !holds(g, i, grp); i++) {
			if (!g->name[i][0] && free_i == VTAP_MAX_GROUPS)
				free_i = i;
			if (!strcmp(g->name[i], grp->name))
				named = i;
		}
		if (i == VTAP_MAX_GROUPS) {
			/* a new group, or its members changed: counters from
			 * 0 in an index of its own, the old one counting the
			 * set in effect until the flip; none free: the old one */
			i = free_i != VTAP_MAX_GROUPS ? free_i : named;
			if (i == VTAP_MAX_GROUPS) {
				log_err("group %s: no free group index (limit %d)", grp->name,
					VTAP_MAX_GROUPS);
				return -1;
			}
			snprintf(g->name[i], VTAP_NAME_MAX, "%s", grp->name);
			g->members[i] = vtap_group_members_hash(grp);
			if (vtap_loader_zero_group(ld, i))
				log_warn("group %s: cannot zero its members' counters", grp->name);
		}
		ids[m] = i;
	}
	return 0;
}

void vtapd_groups_keep(struct vtapd_groups *g, const struct vtap_policy_set *set)
{
	for (__u32 i = 0; i < VTAP_MAX_GROUPS; i++) {
		bool kept = false;

		for (size_t m = 0; m < set->n_monitors && !kept; m++)
			kept = set->monitors[m].type == VTAP_MONITOR_GROUP &&
			       holds(g, i, &set->monitors[m]);
		if (!kept)
			g->name[i][0] = 0;
	}
}

bool vtapd_groups_member_port(const struct vtap_policy_set *set, const char *port)
{
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *grp = &set->monitors[m];

		for (size_t i = 0; grp->type == VTAP_MONITOR_GROUP && i < grp->n_members; i++) {
			int k = grp->member_idx[i];

			if (k >= 0 && !strcmp(set->monitors[k].port, port))
				return true;
		}
	}
	return false;
}

void vtapd_groups_tunnels(struct vtap_loader *ld, const struct vtap_policy_set *set,
			  const __u32 *ids)
{
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *grp = &set->monitors[m];

		for (size_t i = 0; grp->type == VTAP_MONITOR_GROUP && ids[m] < VTAP_MAX_GROUPS &&
				   i < grp->n_members;
		     i++) {
			const struct vtap_monitor *mb =
			    grp->member_idx[i] >= 0 ? &set->monitors[grp->member_idx[i]] : NULL;
			struct vtap_tunnel t = {0};

			if (!mb || mb->type != VTAP_MONITOR_VXLAN)
				continue;
			t.vni = mb->vni;
			t.family = (__u8)mb->remote_family;
			memcpy(t.remote, mb->remote, sizeof(t.remote));
			if (vtap_loader_set_tunnel(ld, VTAP_MAX_RULES + ids[m] * VTAP_GROUP_MAX +
							       (__u32)i,
						   &t))
				log_warn("group %s: cannot set member %s's tunnel", grp->name,
					 mb->name);
		}
	}
}

void vtapd_groups_stats(struct vtapd_groups *g, struct vtap_loader *ld,
			const struct vtap_policy_set *set, struct vtap_stats_view *v)
{
	vtap_stats_groups(v);
	for (__u32 i = 0; i < VTAP_MAX_GROUPS; i++) {
		const struct vtap_monitor *grp = NULL;

		for (size_t m = 0; m < set->n_monitors && !grp; m++)
			if (set->monitors[m].type == VTAP_MONITOR_GROUP &&
			    holds(g, i, &set->monitors[m]))
				grp = &set->monitors[m];
		for (size_t k = 0; grp && k < grp->n_members; k++) {
			struct vtap_member_counters c;

			if (!vtap_loader_read_member(ld, i, (__u32)k, &c))
				vtap_stats_member(v, grp->name, grp->members[k], &c);
		}
	}
}
