// SPDX-License-Identifier: GPL-2.0
/* Policy set -> classifier image (see image.h and include/vtap/classify.h).
 *
 * Rules are ranked by (priority, name); rank = bit. For every field the
 * compiler finds the distinct values that matter (ports, prefixes, port
 * interval boundaries, protocols, VLANs) and the bitmap of rules each value
 * can still match; identical bitmaps are stored once in the pool. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "image.h"

struct bm_builder {
	struct vtap_image *img;
	/* the rules of each shape slot, word by word: what a bitmap's slot
	 * words are computed from */
	__u64 slot_rules[VTAP_SHAPE_SLOTS][VTAP_BITMAP_WORDS];
	/* open-addressing table of pool indices, for deduplication */
	__u32 *slots;
	size_t n_slots;
	struct vtap_errors *errs;
	int overflow;
};

static void bm_set(struct vtap_bitmap *b, unsigned int bit)
{
	b->words[bit / 64] |= 1ULL << (bit % 64);
}

static void bm_or(struct vtap_bitmap *d, const struct vtap_bitmap *s)
{
	for (int i = 0; i < VTAP_BITMAP_WORDS; i++)
		d->words[i] |= s->words[i];
}

static void bm_summarise(const struct bm_builder *bb, struct vtap_bitmap *b)
{
	b->slots = 0;
	for (int k = 0; k < VTAP_SHAPE_SLOTS; k++) {
		b->slot_words[k] = 0;
		for (int i = 0; i < VTAP_BITMAP_WORDS; i++)
			if (b->words[i] & bb->slot_rules[k][i])
				b->slot_words[k] |= 1ULL << i;
		if (b->slot_words[k])
			b->slots |= 1ULL << k;
	}
}

static uint64_t bm_hash(const struct vtap_bitmap *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < VTAP_BITMAP_WORDS; i++) {
		h ^= b->words[i];
		h *= 1099511628211ULL;
		h ^= h >> 29;
	}
	return h;
}

/* Store b (summarised here) once; returns its relative pool index. */
static __u32 bm_intern(struct bm_builder *bb, struct vtap_bitmap *b)
{
	struct vtap_image *img = bb->img;
	size_t mask = bb->n_slots - 1;
	size_t s;

	bm_summarise(bb, b);
	for (s = bm_hash(b) & mask;; s = (s + 1) & mask) {
		__u32 v = bb->slots[s];

		if (v == UINT32_MAX)
			break;
		if (!memcmp(&img->pool[v], b, sizeof(*b)))
			return v;
	}
	if (img->n_pool >= VTAP_POOL_PER_GEN) {
		if (!bb->overflow)
			vtap_errors_add(bb->errs, NULL,
					"policies need more than %d distinct rule bitmaps (the per-"
					"generation limit); use fewer distinct ports, prefixes or "
					"port ranges",
					VTAP_POOL_PER_GEN);
		bb->overflow = 1;
		return VTAP_POOL_ALL;
	}
	img->pool[img->n_pool] = *b;
	bb->slots[s] = img->n_pool;
	return img->n_pool++;
}

struct ranked {
	const struct vtap_policy *p;
	int index;
};

static int cmp_ranked(const void *a, const void *b)
{
	/* the one evaluation order, as the policy loader defines it */
	return vtap_policy_order_cmp(((const struct ranked *)a)->p, ((const struct ranked *)b)->p);
}

/* ---- (port, direction) ---- */

static int compile_ports(struct bm_builder *bb, const struct ranked *rk, size_t n,
			 const struct vtap_compile_env *env)
{
	struct vtap_image *img = bb->img;
	struct vtap_bitmap b;

	img->ports = calloc(env->n_ports * 2 + 1, sizeof(*img->ports));
	if (!img->ports)
		return -ENOMEM;
	for (size_t hp = 0; hp < env->n_ports; hp++) {
		for (__u8 dir = VTAP_DIR_IN; dir <= VTAP_DIR_OUT; dir++) {
			int any = 0;

			memset(&b, 0, sizeof(b));
			for (size_t r = 0; r < n; r++) {
				const struct vtap_policy *p = rk[r].p;

				if (!(p->direction & dir))
					continue;
				for (size_t g = 0; g < p->n_ports; g++) {
					if (!fnmatch(p->ports[g], env->ports[hp].name, 0)) {
						bm_set(&b, (unsigned int)r);
						any = 1;
						break;
					}
				}
			}
			if (!any)
				continue;
			if (img->n_ports >= VTAP_MAX_PORTS) {
				vtap_errors_add(bb->errs, NULL,
						"policies tap more than %d (port, direction) pairs",
						VTAP_MAX_PORTS);
				return -E2BIG;
			}
			img->ports[img->n_ports].ifindex = env->ports[hp].ifindex;
			img->ports[img->n_ports].dir = dir;
			img->ports[img->n_ports].idx = bm_intern(bb, &b);
			img->n_ports++;
		}
	}
	return 0;
}

/* ---- prefixes (LPM) ---- */

struct pfx {
	__u8 family; /* VTAP_FAMILY_V4/_V6: prefixes of two families never nest */
	struct vtap_cidr c;
	struct vtap_bitmap own; /* rules listing exactly this prefix */
};

static int cmp_pfx(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c = memcmp(x->c.addr, y->c.addr, 16);

	if (x->family != y->family)
		return (int)x->family - (int)y->family;
	if (c)
		return c;
	return (int)x->c.prefixlen - (int)y->c.prefixlen;
}

static int pfx_contains(const struct pfx *o, const struct pfx *in)
{
	const struct vtap_cidr *outer = &o->c, *inner = &in->c;
	unsigned int bits = outer->prefixlen, i;

	if (o->family != in->family || outer->prefixlen > inner->prefixlen)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (outer->addr[i] != inner->addr[i])
			return 0;
	if (bits % 8) {
		__u8 m = (__u8)(0xff << (8 - bits % 8));

		if ((outer->addr[i] & m) != (inner->addr[i] & m))
			return 0;
	}
	return 1;
}

static int compile_prefixes(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
			    const struct vtap_bitmap *wild)
{
	struct vtap_image *img = bb->img;
	size_t total = 2, np = 0, depth = 0, user;
	struct pfx *v;
	__u32 *stack_idx = NULL;
	struct vtap_bitmap *stack = NULL;
	int ret = -ENOMEM;

	for (size_t r = 0; r < n; r++)
		total += side ? rk[r].p->n_dst_cidrs : rk[r].p->n_src_cidrs;
	v = calloc(total, sizeof(*v));
	if (!v)
		return -ENOMEM;
	/* a root per family carries the wildcard rules, so every address finds
	 * an entry: ::/0 for IPv6, ::ffff:0:0/96 (0.0.0.0/0) for IPv4 */
	v[0].family = VTAP_FAMILY_V6;
	v[1].family = VTAP_FAMILY_V4;
	v[1].c.addr[10] = v[1].c.addr[11] = 0xff;
	v[1].c.prefixlen = 96;
	np = 2;
	for (size_t r = 0; r < n; r++) {
		const struct vtap_policy *p = rk[r].p;
		const struct vtap_cidr *cs = side ? p->dst_cidrs : p->src_cidrs;
		size_t nc = side ? p->n_dst_cidrs : p->n_src_cidrs;

		for (size_t i = 0; i < nc; i++) {
			v[np].c = cs[i];
			v[np].family = cs[i].family == AF_INET ? VTAP_FAMILY_V4 : VTAP_FAMILY_V6;
			bm_set(&v[np].own, (unsigned int)r);
			np++;
		}
	}
	qsort(v, np, sizeof(*v), cmp_pfx);
	/* merge duplicates */
	size_t m = 0;
	for (size_t i = 0; i < np; i++) {
		if (m && !cmp_pfx(&v[m - 1], &v[i]))
			bm_or(&v[m - 1].own, &v[i].own);
		else
			v[m++] = v[i];
	}
	np = m;
	/* the roots do not count against the operator's limit */
	user = np - 2;
	if (user > VTAP_MAX_PREFIXES) {
		vtap_errors_add(bb->errs, NULL, "policies use %zu distinct %s prefixes, limit %d",
				user, side ? "destination" : "source", VTAP_MAX_PREFIXES);
		ret = -E2BIG;
		goto out;
	}
	img->prefixes[side] = calloc(np, sizeof(*img->prefixes[side]));
	stack = calloc(np + 1, sizeof(*stack));
	stack_idx = calloc(np + 1, sizeof(*stack_idx));
	if (!img->prefixes[side] || !stack || !stack_idx)
		goto out;
	/* Sorted by (address, length), a prefix's ancestors are exactly the
	 * prefixes still on the stack that contain it. Its bitmap is its own
	 * rules OR its nearest ancestor's (which already holds all of theirs). */
	for (size_t i = 0; i < np; i++) {
		while (depth && !pfx_contains(&v[stack_idx[depth - 1]], &v[i]))
			depth--;
		stack[depth] = depth ? stack[depth - 1] : *wild;
		bm_or(&stack[depth], &v[i].own);
		stack_idx[depth] = (__u32)i;
		img->prefixes[side][i].family = v[i].family;
		memcpy(img->prefixes[side][i].addr, v[i].c.addr, 16);
		img->prefixes[side][i].plen = v[i].c.prefixlen;
		img->prefixes[side][i].idx = bm_intern(bb, &stack[depth]);
		depth++;
	}
	img->n_prefixes[side] = np;
	ret = 0;
out:
	free(v);
	free(stack);
	free(stack_idx);
	return ret;
}

/* ---- L4 port ranges: elementary intervals by a sweep ---- */

struct edge {
	__u32 pos; /* first port where the change applies */
	__u32 rank;
	int delta;
};

static int cmp_edge(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int compile_l4ports(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
			   const struct vtap_bitmap *wild, __u32 *table)
{
	size_t ne = 0, total = 0;
	struct edge *e;
	unsigned int *active;
	struct vtap_bitmap cur = *wild;
	__u32 pos = 0, idx;

	for (size_t r = 0; r < n; r++)
		total += side ? rk[r].p->n_dst_ports : rk[r].p->n_src_ports;
	e = calloc(2 * total + 1, sizeof(*e));
	active = calloc(n + 1, sizeof(*active));
	if (!e || !active) {
		free(e);
		free(active);
		return -ENOMEM;
	}
	for (size_t r = 0; r < n; r++) {
		const struct vtap_policy *p = rk[r].p;
		const struct vtap_port_range *pr = side ? p->dst_ports : p->src_ports;
		size_t np = side ? p->n_dst_ports : p->n_src_ports;

		for (size_t i = 0; i < np; i++) {
			e[ne++] = (struct edge){ pr[i].lo, (__u32)r, +1 };
			e[ne++] = (struct edge){ (__u32)pr[i].hi + 1, (__u32)r, -1 };
		}
	}
	qsort(e, ne, sizeof(*e), cmp_edge);
	idx = bm_intern(bb, &cur);
	for (size_t i = 0; i <= ne; i++) {
		__u32 next = i < ne ? e[i].pos : VTAP_PORT_SPACE;

		if (next > pos) {
			for (__u32 p = pos; p < next && p < VTAP_PORT_SPACE; p++)
				table[p] = idx;
			pos = next;
		}
		if (i == ne)
			break;
		/* apply every edge at this position, then intern once */
		for (; i < ne && e[i].pos == pos; i++) {
			__u32 r = e[i].rank;

			active[r] += (unsigned int)e[i].delta;
			if (active[r])
				cur.words[r / 64] |= 1ULL << (r % 64);
			else
				cur.words[r / 64] &= ~(1ULL << (r % 64));
		}
		i--;
		if (pos < VTAP_PORT_SPACE)
			idx = bm_intern(bb, &cur);
	}
	free(e);
	free(active);
	return 0;
}

/* ---- small value spaces: protocol, VLAN ---- */

static size_t n_values(const struct vtap_policy *p, int field)
{
	return field == VTAP_F_PROTO ? (p->protocol >= 0) : p->n_vlans;
}

static size_t value_at(const struct vtap_policy *p, int field, size_t i)
{
	return field == VTAP_F_PROTO ? (size_t)p->protocol : (size_t)p->vlans[i];
}

static int compile_values(struct bm_builder *bb, const struct ranked *rk, size_t n, int field,
			  const struct vtap_bitmap *wild, __u32 *table, size_t space)
{
	struct vtap_bitmap *b = calloc(space, sizeof(*b));
	char *used = calloc(space, 1);
	struct vtap_bitmap w = *wild;
	__u32 wild_idx = bm_intern(bb, &w);

	if (!b || !used) {
		free(b);
		free(used);
		return -ENOMEM;
	}
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; i < n_values(rk[r].p, field); i++) {
			size_t val = value_at(rk[r].p, field, i);

			if (val >= space)
				continue;
			if (!used[val])
				b[val] = *wild;
			used[val] = 1;
			bm_set(&b[val], (unsigned int)r);
		}
	}
	for (size_t v = 0; v < space; v++)
		table[v] = used[v] ? bm_intern(bb, &b[v]) : wild_idx;
	free(b);
	free(used);
	return 0;
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
	int ret = -ENOMEM;

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
	img->sport = calloc(VTAP_PORT_SPACE, sizeof(__u32));
	img->dport = calloc(VTAP_PORT_SPACE, sizeof(__u32));
	bb.n_slots = 2 * VTAP_POOL_PER_GEN;
	bb.slots = malloc(bb.n_slots * sizeof(*bb.slots));
	rk = calloc(n + 1, sizeof(*rk));
	if (!img->pool || !img->sport || !img->dport || !bb.slots || !rk)
		goto out;
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
		rule->sink_ifindex = (p->monitor_idx >= 0 && env->sink_ifindex)
					     ? env->sink_ifindex[p->monitor_idx]
					     : 0;
		rule->sink_kind = VTAP_SINK_PLAIN;
		if (p->monitor_idx >= 0) {
			enum vtap_monitor_type t = set->monitors[p->monitor_idx].type;

			if (t == VTAP_MONITOR_OVS)
				rule->sink_kind = VTAP_SINK_VLAN;
			else if (t == VTAP_MONITOR_CAPTURE)
				rule->sink_kind = VTAP_SINK_CAPTURE;
			else if (t == VTAP_MONITOR_VXLAN)
				rule->sink_kind = VTAP_SINK_VXLAN;
		}
		img->rank_policy[r] = rk[r].index;
	}
	ret = 0;
out:
	free(bb.slots);
	free(rk);
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
	free(img->sport);
	free(img->dport);
	memset(img, 0, sizeof(*img));
}
