/* SPDX-License-Identifier: GPL-2.0 */
/* Monitor groups in vtapd (include/vtap/group.h is the datapath's part):
 * a stable index per group name, so its members' counters outlive reloads;
 * which ports' state moves a group's flows; the tunnels of vxlan members;
 * the members' counters in `vtapctl stats`. */
#ifndef VTAP_VTAPD_GROUPS_H
#define VTAP_VTAPD_GROUPS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/policy.h"
#include "ctl/views.h"
#include "kernel/loader.h"

struct vtapd_groups {
	char name[VTAP_MAX_GROUPS][VTAP_NAME_MAX]; /* "" = free index */
	uint64_t members[VTAP_MAX_GROUPS];	   /* its member list (names in order) */
};

/* The index of each group monitor of set into ids (per monitor; others
 * get VTAP_MAX_GROUPS): a group keeps its index while its name and member
 * list stay (a member's counters are by its place in the list); else it
 * takes a free one, its members' counters zeroed (or, none free, its old
 * one zeroed). Returns -1 when there is none. */
int vtapd_groups_ids(struct vtapd_groups *g, struct vtap_loader *ld,
		     const struct vtap_policy_set *set, __u32 *ids);
/* set is in effect: the indices of groups it no longer has (by name and
 * member list) are free. */
void vtapd_groups_keep(struct vtapd_groups *g, const struct vtap_policy_set *set);
/* Is port the port of a group's member (its going down moves flows)? */
bool vtapd_groups_member_port(const struct vtap_policy_set *set, const char *port);
/* vtap_tunnels of the vxlan members of set's groups (ids: as above). */
void vtapd_groups_tunnels(struct vtap_loader *ld, const struct vtap_policy_set *set,
			  const __u32 *ids);
/* The members' counters of set's groups, a `stats` section. */
void vtapd_groups_stats(struct vtapd_groups *g, struct vtap_loader *ld,
			const struct vtap_policy_set *set, struct vtap_stats_view *v);

#endif
