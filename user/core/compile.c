// SPDX-License-Identifier: GPL-2.0
/* Policy set -> classifier image (see image.h and include/vtap/classify.h).
 *
 * Rules are ranked by (priority, name); rank = bit. For every field the
 * compiler finds the distinct values that matter (ports, prefixes, port
 * interval boundaries, protocols, VLANs) and the bitmap of rules each value
 * can still match; identical bitmaps are stored once in the pool. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile_internal.h"

static int cmp_ranked(const void *a, const void *b)
{
	/* the one evaluation order, as the policy loader defines it */
	return vtap_policy_order_cmp(((const struct ranked *)a)->p, ((const struct ranked *)b)->p);
}

/* Whether p constrains field f (other than (port, direction)). */
static int constrains(const struct vtap_policy *p, int field)
{
	switch (field) {
	case VTAP_F_SRC:
		return p->n_src_cidrs > 0;
	case VTAP_F_DST:
		return p->n_dst_cidrs > 0;
	case VTAP_F_PROTO:
		return p->protocol >= 0;
	case VTAP_F_SPORT:
		return p->n_src_ports > 0;
	case VTAP_F_DPORT:
		return p->n_dst_ports > 0;
	case VTAP_F_VLAN:
		return p->n_vlans > 0;
	}
	return 0;
}

/* The wildcard bitmap of a field: rules that do not constrain it. */
static int wildcard(const struct ranked *rk, size_t n, int field, struct vtap_bitmap *w)
{
	int constrained = 0;

	memset(w, 0, sizeof(*w));
	for (size_t r = 0; r < n; r++) {
		if (constrains(rk[r].p, field))
			constrained = 1;
		else
			bm_set(w, (unsigned int)r);
	}
	return constrained;
}

/* Rules grouped by shape (the fields they constrain), a slot per shape for
 * the VTAP_SHAPE_SLOTS - 1 most common ones, the rest sharing the last.
 * Within a shape no rule is a wildcard of the shape's fields, so a field's
 * bitmap restricted to one shape holds only the rules that match the
 * frame's value: AND per slot, the words left are few (see
 * include/vtap/classify.h). */
static int cmp_count_desc(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : (x[1] > y[1]) - (x[1] < y[1]);
}

static int compile_shapes(struct bm_builder *bb, const struct ranked *rk, size_t n)
{
	size_t count[VTAP_SHAPES][2] = { { 0 } }; /* {rules, shape} */
	unsigned int *shape = malloc((n + 1) * sizeof(*shape));
	int slot_of[VTAP_SHAPES];

	if (!shape)
		return -ENOMEM;
	for (int s = 0; s < VTAP_SHAPES; s++)
		count[s][1] = (size_t)s;
	for (size_t r = 0; r < n; r++) {
		unsigned int s = 0;

		for (int f = VTAP_F_SRC; f < VTAP_F_MAX; f++)
			if (constrains(rk[r].p, f))
				s |= 1u << (f - VTAP_F_SRC);
		shape[r] = s;
		count[s][0]++;
	}
	qsort(count, VTAP_SHAPES, sizeof(count[0]), cmp_count_desc);
	for (int i = 0; i < VTAP_SHAPES; i++)
		slot_of[count[i][1]] = i < VTAP_SHAPE_SLOTS ? i : VTAP_SHAPE_SLOTS - 1;
	for (size_t r = 0; r < n; r++)
		bb->slot_rules[slot_of[shape[r]]][r / 64] |= 1ULL << (r % 64);
	free(shape);
	return 0;
}

int vtap_compile(const struct vtap_policy_set *set, const struct vtap_compile_env *env,
		 struct vtap_image *img, struct vtap_errors *errs)
{
	struct bm_builder bb = { .img = img, .errs = errs };
	struct vtap_bitmap all, wild[VTAP_F_MAX];
	struct ranked *rk = NULL;
	size_t n = set->n_policies;
	int *group_of = NULL, ret = -ENOMEM;

	memset(img, 0, sizeof(*img));
	if (n > VTAP_MAX_RULES) {
		vtap_errors_add(errs, NULL, "%zu policies, limit %d", n, VTAP_MAX_RULES);
		return -E2BIG;
	}
	if (env->sink_ifindex) {
		size_t sinks = 0;

		/* distinct devices: every vxlan monitor shares one */
		for (size_t m = 0; m < set->n_monitors; m++) {
			bool seen = !env->sink_ifindex[m];

			for (size_t k = 0; k < m && !seen; k++)
				seen = env->sink_ifindex[k] == env->sink_ifindex[m];
			sinks += !seen;
		}
		if (sinks > VTAP_MAX_SINKS) {
			vtap_errors_add(errs, NULL, "%zu monitor ports, limit %d", sinks,
					VTAP_MAX_SINKS);
			return -E2BIG;
		}
	}
	img->pool = calloc(VTAP_POOL_PER_GEN, sizeof(*img->pool));
	img->sport = calloc(VTAP_PORT_SPACE, sizeof(*img->sport));
	img->dport = calloc(VTAP_PORT_SPACE, sizeof(*img->dport));
	bb.n_slots = 2 * VTAP_POOL_PER_GEN;
	bb.slots = malloc(bb.n_slots * sizeof(*bb.slots));
	rk = calloc(n + 1, sizeof(*rk));
	group_of = calloc(set->n_monitors + 1, sizeof(*group_of));
	if (!img->pool || !img->sport || !img->dport || !bb.slots || !rk || !group_of)
		goto out;
	if (compile_groups(set, env, img, group_of, errs)) {
		ret = -E2BIG;
		goto out;
	}
	memset(bb.slots, 0xff, bb.n_slots * sizeof(*bb.slots));

	for (size_t i = 0; i < n; i++)
		rk[i] = (struct ranked){ &set->policies[i], (int)i };
	qsort(rk, n, sizeof(*rk), cmp_ranked);
	if (compile_shapes(&bb, rk, n))
		goto out;

	/* pool[0]: all ones, for fields no rule constrains */
	memset(&all, 0xff, sizeof(all));
	if (bm_intern(&bb, &all) != VTAP_POOL_ALL)
		goto out;

	img->gen.n_rules = (__u32)n;
	img->gen.field_mask = 1u << VTAP_F_PORT;
	for (int f = VTAP_F_SRC; f < VTAP_F_MAX; f++) {
		if (wildcard(rk, n, f, &wild[f]))
			img->gen.field_mask |= 1u << f;
		img->gen.any_idx[f] = bm_intern(&bb, &wild[f]);
	}
	img->gen.any_idx[VTAP_F_PORT] = VTAP_POOL_ALL;

	ret = compile_ports(&bb, rk, n, env);
	if (!ret)
		ret = compile_prefixes(&bb, rk, n, 0, &wild[VTAP_F_SRC]);
	if (!ret)
		ret = compile_prefixes(&bb, rk, n, 1, &wild[VTAP_F_DST]);
	if (!ret)
		ret = compile_pfx_table(&bb, 0);
	if (!ret)
		ret = compile_pfx_table(&bb, 1);
	if (!ret)
		ret = compile_l4ports(&bb, rk, n, 0, &wild[VTAP_F_SPORT], img->sport);
	if (!ret)
		ret = compile_l4ports(&bb, rk, n, 1, &wild[VTAP_F_DPORT], img->dport);
	if (ret)
		goto out;
	ret = compile_values(&bb, rk, n, VTAP_F_PROTO, &wild[VTAP_F_PROTO], img->proto,
			     VTAP_PROTO_SPACE);
	if (!ret)
		ret = compile_values(&bb, rk, n, VTAP_F_VLAN, &wild[VTAP_F_VLAN], img->vlan,
				     VTAP_VLAN_SPACE);
	if (ret)
		goto out;
	if (bb.overflow) {
		ret = -E2BIG;
		goto out;
	}

	for (size_t r = 0; r < n; r++) {
		const struct vtap_policy *p = rk[r].p;
		struct vtap_rule *rule = &img->rules[r];

		rule->policy_id = env->policy_id ? env->policy_id[rk[r].index] : (__u32)rk[r].index;
		rule->action = p->action == VTAP_ACTION_SKIP ? VTAP_ACT_SKIP : VTAP_ACT_MIRROR;
		rule->sample = p->sample;
		rule->snaplen = p->snaplen;
		if (p->snap_headers)
			rule->flags |= VTAP_RULE_HEADERS;
		if (p->rate.pps || p->rate.bytes_per_sec)
			rule->flags |= VTAP_RULE_RATE;
		if (p->dedup)
			rule->flags |= VTAP_RULE_DEDUP;
		rule->sink_ifindex = (p->monitor_idx >= 0 && env->sink_ifindex)
					     ? env->sink_ifindex[p->monitor_idx]
					     : 0;
		rule->sink_kind = VTAP_SINK_PLAIN;
		if (p->monitor_idx >= 0)
			rule->sink_kind = vtap_sink_kind_of(set->monitors[p->monitor_idx].type);
		if (p->monitor_idx >= 0 && env->bare_slot && env->bare_slot[p->monitor_idx] >= 0) {
			rule->sink_kind = VTAP_SINK_BARE;
			rule->group = (__u8)env->bare_slot[p->monitor_idx];
		}
		if (p->monitor_idx >= 0 && group_of[p->monitor_idx] >= 0) {
			rule->flags |= VTAP_RULE_GROUP;
			rule->group = (__u32)group_of[p->monitor_idx];
			rule->sink_ifindex = 0; /* a member's, per frame */
		}
		img->rank_policy[r] = rk[r].index;
	}
	ret = compile_dedup(set, rk, n, img);
out:
	free(bb.slots);
	free(rk);
	free(group_of);
	if (ret)
		vtap_image_free(img);
	return ret;
}

void vtap_image_free(struct vtap_image *img)
{
	free(img->pool);
	free(img->ports);
	free(img->prefixes[0]);
	free(img->prefixes[1]);
	free(img->pfx[0]);
	free(img->pfx[1]);
	free(img->sport);
	free(img->dport);
	memset(img, 0, sizeof(*img));
}
