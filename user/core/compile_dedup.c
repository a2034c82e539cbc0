// SPDX-License-Identifier: GPL-2.0
/* Which rules need the one-copy-per-frame check (dedup.h). A copy is
 * deduplicated only against a copy of the same frame to the same monitor
 * tapped at another (port, direction): a monitor whose dedup rules tap one
 * (port, direction) of this host between them can never receive a frame
 * twice, so its rules skip the check: no fingerprint, no clock, no bucket
 * (about 40 ns of a 1 us copy, docs/architecture.md). Recomputed with
 * every compile, which every port that comes or goes causes, so a second
 * tap point turns the check back on in the same image that taps it. A
 * frame in flight across that image's flip, tapped first by the old image
 * (no fingerprint left) and again by the new one, reaches the monitor
 * twice; so may one across the flip that takes a tap point away (docs/
 * policy.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_internal.h"

/* the tap points of one monitor: the first seen, and whether another */
struct dedup_domain {
	__u64 first; /* ifindex << 8 | dir; 0: none yet */
	int multi;
};

static void note_point(struct dedup_domain *d, __u64 point)
{
	if (!d->first)
		d->first = point;
	else if (d->first != point)
		d->multi = 1;
}

/* The check knows a local monitor by its port, not its name (a local
 * port gets every policy's copies alike, dedup.h): local monitors on one
 * port are one domain, the first of them. canon[m]: monitor m's domain. */
static void domains_canon(const struct vtap_policy_set *set, int *canon)
{
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];

		canon[m] = (int)m;
		for (size_t i = 0; mon->type == VTAP_MONITOR_LOCAL && i < m; i++) {
			if (set->monitors[i].type == VTAP_MONITOR_LOCAL &&
			    !strcmp(set->monitors[i].port, mon->port)) {
				canon[m] = canon[i];
				break;
			}
		}
	}
}

/* the domains whose copies rule r's copies may meet: its monitor's, or its
 * group's members' (a member may be a rule's monitor directly too) */
static size_t domains_of(const struct vtap_policy_set *set, const int *canon, int m, int *out)
{
	const struct vtap_monitor *mon = &set->monitors[m];
	size_t k, n = 0;

	if (mon->type != VTAP_MONITOR_GROUP) {
		out[0] = canon[m];
		return 1;
	}
	for (k = 0; k < mon->n_members; k++)
		if (mon->member_idx[k] >= 0)
			out[n++] = canon[mon->member_idx[k]];
	return n;
}

static int needs_dedup(const struct vtap_rule *rule, const struct vtap_policy *p)
{
	return (rule->flags & VTAP_RULE_DEDUP) && rule->action == VTAP_ACT_MIRROR &&
	       p->monitor_idx >= 0;
}

int compile_dedup(const struct vtap_policy_set *set, const struct ranked *rk, size_t n,
		  struct vtap_image *img)
{
	struct dedup_domain *dom = calloc(set->n_monitors + 1, sizeof(*dom));
	int *canon = calloc(set->n_monitors + 1, sizeof(*canon));
	int doms[VTAP_GROUP_MAX], ret = -ENOMEM;

	if (!dom || !canon)
		goto out;
	domains_canon(set, canon);
	for (__u32 i = 0; i < img->n_ports; i++) {
		const struct vtap_bitmap *b = &img->pool[img->ports[i].idx];
		__u64 point = (__u64)img->ports[i].ifindex << 8 | img->ports[i].dir;

		for (size_t r = 0; r < n; r++) {
			if (!(b->words[r / 64] >> (r % 64) & 1) ||
			    !needs_dedup(&img->rules[r], rk[r].p))
				continue;
			for (size_t k = domains_of(set, canon, rk[r].p->monitor_idx, doms); k--;)
				note_point(&dom[doms[k]], point);
		}
	}
	for (size_t r = 0; r < n; r++) {
		int multi = 0;

		if (!needs_dedup(&img->rules[r], rk[r].p))
			continue;
		for (size_t k = domains_of(set, canon, rk[r].p->monitor_idx, doms); k--;)
			multi |= dom[doms[k]].multi;
		if (!multi)
			img->rules[r].flags &= ~VTAP_RULE_DEDUP;
	}
	ret = 0;
out:
	free(dom);
	free(canon);
	return ret;
}
