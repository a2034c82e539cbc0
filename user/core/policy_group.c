// SPDX-License-Identifier: GPL-2.0
/* Monitor groups (type: group): a group's own keys when it is read, and its
 * members resolved once the whole set is known (include/vtap/group.h says
 * how a copy picks a member). */
#include <stdio.h>
#include <string.h>

#include "policy_parse.h"

void parse_group(const struct pctx *c, const struct vtap_ynode *map, struct vtap_monitor *m)
{
	struct vtap_ynode *const *items, *one[1];
	const struct vtap_ynode *v;
	size_t k;

	if ((v = node_get(map, "hash", NULL))) {
		const char *s = field_str(c, v, "hash");

		if (s && strcmp(s, "symmetric"))
			ERR(c, v, "unknown hash '%s' (expected symmetric)", Q(s));
	}
	v = node_get(map, "members", NULL);
	if (!v) {
		ERR(c, map, "monitor: missing required key 'members' (a group monitor needs them)");
		return;
	}
	if (!field_list(c, v, "members", &items, &k, one))
		return;
	if (k > VTAP_GROUP_MAX) {
		ERR(c, v, "a group has at most %d members, got %zu", VTAP_GROUP_MAX, k);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		char name[VTAP_NAME_MAX];

		if (!field_name(c, items[i], "member", name))
			continue;
		for (size_t j = 0; j < m->n_members; j++)
			if (!strcmp(m->members[j], name))
				ERR(c, items[i], "member %s is already in the group (line %u column %u)",
				    name, m->member_locs[j].line, m->member_locs[j].col);
		snprintf(m->members[m->n_members], VTAP_NAME_MAX, "%s", name);
		m->member_locs[m->n_members++] = at(c, items[i]);
	}
}

void vtap_policy_resolve_groups(struct vtap_policy_set *set, bool refs, struct vtap_errors *errs)
{
	for (size_t g = 0; g < set->n_monitors; g++) {
		struct vtap_monitor *m = &set->monitors[g];

		if (m->type != VTAP_MONITOR_GROUP)
			continue;
		for (size_t i = 0; i < m->n_members; i++) {
			int found = -1;

			for (size_t j = 0; j < set->n_monitors && found < 0; j++)
				if (!strcmp(set->monitors[j].name, m->members[i]))
					found = (int)j;
			m->member_idx[i] = found;
			if (found < 0 && refs)
				vtap_errors_add(errs, &m->member_locs[i],
						"group %s: unknown monitor '%s'", m->name,
						m->members[i]);
			else if (found >= 0 && set->monitors[found].type == VTAP_MONITOR_GROUP)
				vtap_errors_add(errs, &m->member_locs[i],
						"group %s: member %s is a group (groups do not nest)",
						m->name, m->members[i]);
		}
	}
}

bool vtap_policy_sends_to(const struct vtap_policy_set *set, const struct vtap_policy *p, int m)
{
	const struct vtap_monitor *mon;

	if (p->action != VTAP_ACTION_MIRROR || p->monitor_idx < 0)
		return false;
	if (p->monitor_idx == m)
		return true;
	mon = &set->monitors[p->monitor_idx];
	for (size_t i = 0; mon->type == VTAP_MONITOR_GROUP && i < mon->n_members; i++)
		if (mon->member_idx[i] == m)
			return true;
	return false;
}

bool vtap_monitor_cuts(const struct vtap_policy_set *set, int m)
{
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];

		if ((p->snaplen || p->snap_headers) && vtap_policy_sends_to(set, p, m))
			return true;
	}
	return false;
}

uint64_t vtap_group_members_hash(const struct vtap_monitor *grp)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a, a 0 after each name */

	for (size_t k = 0; k < grp->n_members; k++)
		for (const char *c = grp->members[k];; c++) {
			h = (h ^ (uint8_t)*c) * 1099511628211ull;
			if (!*c)
				break;
		}
	return h;
}
