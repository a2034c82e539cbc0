// SPDX-License-Identifier: GPL-2.0
/* Policy ids kept by name across swaps: see policy_ids.h, and
 * docs/architecture.md ("Policy ids across a swap") for why a swap that
 * needs the ids of the policies it removes goes through a bridge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_ids.h"

enum { ID_FREE = 0, ID_LIVE, ID_RETIRED };

void vtap_policy_ids_init(struct vtap_policy_ids *t)
{
	memset(t, 0, sizeof(*t));
	t->drain = VTAP_POLICY_ID_NONE;
}

static int cmp_owner(const void *a, const void *b, void *arg)
{
	const struct vtap_policy_ids *t = arg;

	return strcmp(t->owner[*(const __u32 *)a], t->owner[*(const __u32 *)b]);
}

static void reindex(struct vtap_policy_ids *t)
{
	t->n_live = 0;
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++)
		if (t->state[id] == ID_LIVE)
			t->by_name[t->n_live++] = id;
	qsort_r(t->by_name, t->n_live, sizeof(t->by_name[0]), cmp_owner, t);
	t->stale = false;
}

static __u32 live_id_of(const struct vtap_policy_ids *t, const char *name)
{
	size_t lo = 0, hi = t->n_live;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->owner[t->by_name[mid]], name);

		if (!c)
			return t->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return VTAP_POLICY_ID_NONE;
}

/* Sorted once, at the next assign: a restart adopts up to 4096 owners. A
 * name pinned twice keeps one id; the other is left out at that assign. */
int vtap_policy_ids_adopt(struct vtap_policy_ids *t, __u32 id, const char *name)
{
	if (id >= VTAP_MAX_RULES || !name[0])
		return -1;
	snprintf(t->owner[id], sizeof(t->owner[id]), "%s", name);
	t->state[id] = ID_LIVE;
	t->stale = true;
	return 0;
}

void vtap_policy_ids_abort(struct vtap_policy_ids *t)
{
	memset(t->step, 0, sizeof(t->step));
	memset(t->next_name, 0, sizeof(t->next_name));
	t->drain = VTAP_POLICY_ID_NONE;
}

/* The next id at or after *cursor in state `state` that this swap has not
 * given a step yet; VTAP_POLICY_ID_NONE when there is none. */
static __u32 take(struct vtap_policy_ids *t, __u32 *cursor, int state, enum vtap_id_step step)
{
	for (; *cursor < VTAP_MAX_RULES; (*cursor)++)
		if (t->state[*cursor] == state && t->step[*cursor] == step)
			return (*cursor)++;
	return VTAP_POLICY_ID_NONE;
}

int vtap_policy_ids_assign(struct vtap_policy_ids *t, const struct vtap_policy_set *next,
			   __u32 *ids, struct vtap_errors *errs)
{
	__u32 free_at = 0, retired_at = 0, leaving_at = 0, drain_at = 0;
	int ret = 0;

	vtap_policy_ids_abort(t);
	if (t->stale)
		reindex(t);
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++)
		if (t->state[id] == ID_LIVE)
			t->step[id] = VTAP_ID_LEAVING;
	for (size_t i = 0; i < next->n_policies; i++) {
		ids[i] = live_id_of(t, next->policies[i].name);
		if (ids[i] != VTAP_POLICY_ID_NONE)
			t->step[ids[i]] = VTAP_ID_KEPT;
	}
	/* new names: a free id; else a retired one, whose counters a
	 * generation still in flight may write until a grace period has
	 * passed; else the id of a policy this swap removes, which the running
	 * generation counts into until the bridge has replaced it */
	for (size_t i = 0; i < next->n_policies; i++) {
		const struct vtap_policy *p = &next->policies[i];
		__u32 id;

		if (ids[i] != VTAP_POLICY_ID_NONE)
			continue;
		if ((id = take(t, &free_at, ID_FREE, VTAP_ID_UNUSED)) != VTAP_POLICY_ID_NONE) {
			t->step[id] = VTAP_ID_NEW;
		} else if ((id = take(t, &retired_at, ID_RETIRED, VTAP_ID_UNUSED)) !=
			   VTAP_POLICY_ID_NONE) {
			t->step[id] = VTAP_ID_NEW;
			ret |= VTAP_IDS_WAIT;
		} else if ((id = take(t, &leaving_at, ID_LIVE, VTAP_ID_LEAVING)) !=
			   VTAP_POLICY_ID_NONE) {
			t->step[id] = VTAP_ID_REUSED;
			ret |= VTAP_IDS_BRIDGE;
		} else {
			vtap_errors_add(errs, &p->loc,
					"policy %s: no policy id left: the %d ids are all held by "
					"the %zu policies of the new set",
					p->name, VTAP_MAX_RULES, next->n_policies);
			vtap_policy_ids_abort(t);
			return -1;
		}
		t->next_name[id] = p->name;
		ids[i] = id;
	}
	/* a leaving id the next set does not need takes the bridge's counts */
	if (ret & VTAP_IDS_BRIDGE) {
		t->drain = take(t, &drain_at, ID_LIVE, VTAP_ID_LEAVING);
		if (t->drain != VTAP_POLICY_ID_NONE)
			t->step[t->drain] = VTAP_ID_DRAIN;
	}
	return ret;
}

enum vtap_id_step vtap_policy_ids_step(const struct vtap_policy_ids *t, __u32 id)
{
	return id < VTAP_MAX_RULES ? (enum vtap_id_step)t->step[id] : VTAP_ID_UNUSED;
}

const char *vtap_policy_ids_owner(const struct vtap_policy_ids *t, __u32 id)
{
	return id < VTAP_MAX_RULES && t->state[id] == ID_LIVE ? t->owner[id] : NULL;
}

const char *vtap_policy_ids_next_owner(const struct vtap_policy_ids *t, __u32 id)
{
	if (id >= VTAP_MAX_RULES)
		return NULL;
	if (t->step[id] == VTAP_ID_NEW || t->step[id] == VTAP_ID_REUSED)
		return t->next_name[id];
	return t->step[id] == VTAP_ID_KEPT ? t->owner[id] : NULL;
}

int vtap_policy_ids_bridge(const struct vtap_policy_ids *t, const struct vtap_policy_set *running,
			   const __u32 *running_ids, struct vtap_policy_set *out, __u32 *out_ids)
{
	const struct vtap_policy *first_leaving = NULL;

	*out = *running;
	out->n_policies = 0;
	out->policies = calloc(running->n_policies + 1, sizeof(*out->policies));
	if (!out->policies)
		return -1;
	for (size_t i = 0; i < running->n_policies; i++) {
		const struct vtap_policy *p = &running->policies[i];

		if (t->step[running_ids[i]] != VTAP_ID_KEPT &&
		    (!first_leaving || vtap_policy_order_cmp(p, first_leaving) < 0))
			first_leaving = p;
	}
	for (size_t i = 0; i < running->n_policies; i++) {
		const struct vtap_policy *p = &running->policies[i];
		struct vtap_policy *b = &out->policies[out->n_policies];
		bool kept = t->step[running_ids[i]] == VTAP_ID_KEPT;

		if (t->drain == VTAP_POLICY_ID_NONE) {
			/* no id to count the silenced rules into: the running
			 * policies no leaving one can shadow, the others pause */
			if (!kept || (first_leaving && vtap_policy_order_cmp(p, first_leaving) > 0))
				continue;
			*b = *p;
			out_ids[out->n_policies++] = running_ids[i];
			continue;
		}
		*b = *p;
		out_ids[out->n_policies++] = kept ? running_ids[i] : t->drain;
		if (!kept) {
			b->action = VTAP_ACTION_SKIP;
			b->monitor_idx = -1;
			b->monitor[0] = 0;
		}
	}
	return 0;
}

void vtap_policy_ids_bridge_free(struct vtap_policy_set *out)
{
	free(out->policies);
	memset(out, 0, sizeof(*out));
}

void vtap_policy_ids_commit(struct vtap_policy_ids *t)
{
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		switch (t->step[id]) {
		case VTAP_ID_NEW:
		case VTAP_ID_REUSED:
			snprintf(t->owner[id], sizeof(t->owner[id]), "%s", t->next_name[id]);
			t->state[id] = ID_LIVE;
			break;
		case VTAP_ID_LEAVING:
		case VTAP_ID_DRAIN:
			t->owner[id][0] = 0;
			t->state[id] = ID_RETIRED;
			break;
		default:
			break;
		}
	}
	vtap_policy_ids_abort(t);
	reindex(t);
}

void vtap_policy_ids_quiesce(struct vtap_policy_ids *t)
{
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++)
		if (t->state[id] == ID_RETIRED)
			t->state[id] = ID_FREE;
}
