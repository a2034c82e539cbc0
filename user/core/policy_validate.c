// SPDX-License-Identifier: GPL-2.0
/* Checks over the merged set of every document: the policy limit, names
 * unique across documents (a duplicate names both places), monitor
 * references, and loops (a monitor port that a policy would tap: sinks are
 * never sources). */
#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "text.h"

struct named {
	const char *name;
	size_t idx;
};

static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorted (name, index) pairs for the entries that have a name. */
static struct named *index_names(const void *base, size_t n, size_t stride, size_t name_off,
				 size_t *count)
{
	struct named *idx = calloc(n ? n : 1, sizeof(*idx));
	size_t k = 0;

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *name = (const char *)base + i * stride + name_off;

		if (name[0])
			idx[k++] = (struct named){name, i};
	}
	qsort(idx, k, sizeof(*idx), cmp_named);
	*count = k;
	return idx;
}

static void report_dups(const struct named *idx, size_t k, const void *base, size_t stride,
			size_t loc_off, const char *what, struct vtap_errors *errs)
{
	for (size_t i = 1; i < k; i++) {
		size_t first = i - 1;
		const struct vtap_loc *fl, *l;

		if (strcmp(idx[i].name, idx[first].name))
			continue;
		while (first > 0 && !strcmp(idx[first - 1].name, idx[i].name))
			first--;
		fl = (const void *)((const char *)base + idx[first].idx * stride + loc_off);
		l = (const void *)((const char *)base + idx[i].idx * stride + loc_off);
		vtap_errors_add(errs, l, "duplicate %s name '%s' (first defined at %s:%u:%u)", what,
				idx[i].name, fl->file, fl->line, fl->col);
	}
}

/* The first definition of name (lowest index), or NULL. */
static const struct named *find_first(const struct named *idx, size_t k, const char *name)
{
	size_t lo = 0, hi = k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(idx[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k && !strcmp(idx[lo].name, name) ? &idx[lo] : NULL;
}

static void check_loops(struct vtap_policy_set *set, struct vtap_errors *errs)
{
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];

		for (size_t j = 0; j < p->n_ports; j++) {
			for (size_t m = 0; m < set->n_monitors; m++) {
				const struct vtap_monitor *mon = &set->monitors[m];

				if (!mon->port[0] || fnmatch(p->ports[j], mon->port, 0) != 0)
					continue;
				if ((int)m == p->monitor_idx)
					vtap_errors_add(errs, &p->port_locs[j],
							"policy %s: monitor %s's port %s is one of "
							"its own sources (would loop)",
							p->name, mon->name, mon->port);
				else
					vtap_errors_add(
					    errs, &p->port_locs[j],
					    "policy %s: source port '%s' matches monitor %s's port "
					    "%s (monitor ports are never tapped)",
					    p->name, vtap_quote(p->ports[j]).s, mon->name,
					    mon->port);
			}
		}
	}
}

/* A capture or ovs monitor reads its port's peer alone (one AF_XDP socket
 * per queue, one OVS port per interface): no other monitor may name the
 * port. Local monitors may share one. */
static void check_sink_ports(const struct vtap_policy_set *set, struct vtap_errors *errs)
{
	for (size_t i = 0; i < set->n_monitors; i++) {
		const struct vtap_monitor *m = &set->monitors[i];

		for (size_t j = 0; m->port[0] && j < i; j++) {
			const struct vtap_monitor *o = &set->monitors[j];
			const struct vtap_loc *fl = o->port_loc.line ? &o->port_loc : &o->loc;

			if (strcmp(o->port, m->port) ||
			    (!vtap_monitor_reads_port(m) && !vtap_monitor_reads_port(o)))
				continue;
			vtap_errors_add(errs, m->port_loc.line ? &m->port_loc : &m->loc,
					"monitor %s: port %s is monitor %s's too (at %s:%u:%u); a "
					"capture or ovs monitor's port is its alone",
					m->name, m->port, o->name, fl->file, fl->line, fl->col);
			break;
		}
	}
}

void vtap_policy_validate_set(struct vtap_policy_set *set, bool refs, struct vtap_errors *errs)
{
	struct named *mons = NULL, *pols = NULL;
	size_t n_mons = 0, n_pols = 0;

	if (set->n_policies > VTAP_POLICY_MAX)
		vtap_errors_add(errs, &set->policies[VTAP_POLICY_MAX].loc,
				"too many policies (limit %u)", VTAP_POLICY_MAX);

	mons = index_names(set->monitors, set->n_monitors, sizeof(*set->monitors),
			   offsetof(struct vtap_monitor, name), &n_mons);
	pols = index_names(set->policies, set->n_policies, sizeof(*set->policies),
			   offsetof(struct vtap_policy, name), &n_pols);
	if (!mons || !pols) {
		vtap_errors_add(errs, NULL, "out of memory");
		goto out;
	}
	report_dups(mons, n_mons, set->monitors, sizeof(*set->monitors),
		    offsetof(struct vtap_monitor, loc), "monitor", errs);
	report_dups(pols, n_pols, set->policies, sizeof(*set->policies),
		    offsetof(struct vtap_policy, loc), "policy", errs);

	for (size_t i = 0; i < set->n_policies; i++) {
		struct vtap_policy *p = &set->policies[i];
		const struct named *hit;

		p->monitor_idx = -1;
		if (p->action != VTAP_ACTION_MIRROR || !p->monitor[0])
			continue;
		hit = find_first(mons, n_mons, p->monitor);
		if (hit)
			p->monitor_idx = (int)hit->idx;
		else if (refs)
			vtap_errors_add(errs, &p->monitor_loc, "policy %s: unknown monitor '%s'",
					p->name, p->monitor);
	}
	vtap_policy_resolve_groups(set, refs, errs);
	check_loops(set, errs);
	check_sink_ports(set, errs);
	/* a VNI is delivered to one port */
	for (size_t i = 0; i < set->n_receives; i++)
		for (size_t j = 0; j < i; j++)
			if (set->receives[i].vni == set->receives[j].vni) {
				const struct vtap_loc *fl = &set->receives[j].loc;

				vtap_errors_add(errs, &set->receives[i].loc,
						"duplicate receive vni %u (first at %s:%u:%u)",
						set->receives[i].vni, fl->file, fl->line, fl->col);
				break;
			}
	if (set->n_receives > VTAP_MAX_RECV)
		vtap_errors_add(errs, &set->receives[VTAP_MAX_RECV].loc,
				"too many receive entries (limit %d)", VTAP_MAX_RECV);
out:
	free(mons);
	free(pols);
}
