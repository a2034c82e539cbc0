// SPDX-License-Identifier: GPL-2.0
/* One table per classifier field: for each value that matters (a port and
 * direction, a prefix, an L4 port interval, a protocol, a VLAN), the
 * interned bitmap of the rules it can still match. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "compile_internal.h"

/* ---- (port, direction) ---- */

int compile_ports(struct bm_builder *bb, const struct ranked *rk, size_t n,
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

/* ---- prefixes: the sorted list the address tables are built from ---- */

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

int compile_prefixes(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
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
		img->prefixes[side][i].parent = depth ? (int)stack_idx[depth - 1] : -1;
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

int compile_l4ports(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
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
			e[ne++] = (struct edge){pr[i].lo, (__u32)r, +1};
			e[ne++] = (struct edge){(__u32)pr[i].hi + 1, (__u32)r, -1};
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

int compile_values(struct bm_builder *bb, const struct ranked *rk, size_t n, int field,
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
