// SPDX-License-Identifier: GPL-2.0
/* The address tables (struct vtap_pfx_slot, include/vtap/classify.h): one
 * open-addressing hash table per address field holding its prefixes and
 * the markers of a binary search over the prefix lengths present.
 *
 * A lookup probes the middle length of the family's sorted lengths; a hit
 * sends it to the longer half, a miss to the shorter. For a prefix P of
 * length L[j], every length L[m] < L[j] the search visits on its way to j
 * gets a marker (P cut to L[m]) unless a prefix is already there, so an
 * address inside P is never sent below j. A marker holds the longest
 * prefix up to its own length containing it (P's nearest ancestor that
 * short, or the family's root), so an address that follows a marker and
 * then finds nothing longer still gets its longest match. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vtap/pfx.h>

#include "compile_internal.h"

/* The table may be filled to this many entries; beyond, the linear probes
 * grow long. */
#define PFX_FILL_MAX (VTAP_PFX_SLOTS * 7 / 8)
#define PFX_SEEDS    16 /* hash seeds tried before giving up */

struct pfx_fill {
	struct vtap_pfx_slot *t;
	__u64 seed;
	size_t n;	  /* entries */
	unsigned int max; /* the longest distance of an entry from its home slot */
};

static __u64 splitmix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static __u32 fam_index(__u8 family)
{
	return family == VTAP_FAMILY_V6;
}

static __u32 root_len(__u8 family)
{
	return family == VTAP_FAMILY_V6 ? 0 : 96;
}

/* Put (addr cut to len, family) -> idx unless the key is there already.
 * Returns 0, or -1 when the table is full or the entry lands too far from
 * its home slot for a lookup to find it. */
static int pfx_put(struct pfx_fill *f, const __u8 *addr, __u32 len, __u8 family, __u32 idx)
{
	__u32 lf = len | (__u32)family << 8, home, d;
	__u64 mh, ml;

	vtap_pfx_mask(vtap_be64(addr), vtap_be64(addr + 8), len, &mh, &ml);
	home = vtap_pfx_hash(f->seed, mh, ml, lf);
	for (d = 0; d < VTAP_PFX_SLOTS; d++) {
		struct vtap_pfx_slot *e = &f->t[(home + d) & (VTAP_PFX_SLOTS - 1)];

		if (!e->len_fam) {
			if (d >= VTAP_PFX_PROBES || f->n >= PFX_FILL_MAX)
				return -1;
			*e = (struct vtap_pfx_slot){
			    .hi = mh, .lo = ml, .idx = idx, .len_fam = (__u16)lf};
			f->n++;
			if (d > f->max)
				f->max = d;
			return 0;
		}
		if (e->hi == mh && e->lo == ml && e->len_fam == lf)
			return 0;
	}
	return -1;
}

/* The pool index of the longest prefix of length <= len holding prefix i
 * (i's ancestors; the family's root holds every address of its family). */
static __u32 ancestor_idx(const struct vtap_image_prefix *v, int i, __u32 len)
{
	while (v[i].parent >= 0 && v[i].plen > len)
		i = v[i].parent;
	return v[i].idx;
}

/* The binary search over lens[left..right] as a tree whose node i is
 * length i: the middle length, then the longer half on a hit, the shorter
 * on a miss. Returns the subtree's first node. */
static __u8 pfx_tree(struct vtap_pfx_node *t, const __u8 *lens, int left, int right)
{
	int mid = (left + right) / 2;

	if (left > right)
		return VTAP_PFX_NONE;
	t[mid] = (struct vtap_pfx_node){.len = lens[mid],
					.hit = pfx_tree(t, lens, mid + 1, right),
					.miss = pfx_tree(t, lens, left, mid - 1)};
	return (__u8)mid;
}

/* Every prefix, then every marker, with one seed. */
static int pfx_fill_all(struct pfx_fill *f, const struct vtap_image_prefix *v, size_t n,
			const struct vtap_gen *g, int side)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].plen != root_len(v[i].family) &&
		    pfx_put(f, v[i].addr, v[i].plen, v[i].family, v[i].idx))
			return -1;
	for (size_t i = 0; i < n; i++) {
		__u32 fi = fam_index(v[i].family);
		const struct vtap_pfx_node *t = g->pfx_tree[side][fi];
		__u32 node = g->pfx_first[side][fi];

		if (v[i].plen == root_len(v[i].family))
			continue;
		/* the lookup's path to the prefix's own length */
		while (node != VTAP_PFX_NONE && t[node].len != v[i].plen) {
			if (t[node].len > v[i].plen) {
				node = t[node].miss;
				continue;
			}
			if (pfx_put(f, v[i].addr, t[node].len, v[i].family,
				    ancestor_idx(v, (int)i, t[node].len)))
				return -1;
			node = t[node].hit;
		}
	}
	return 0;
}

int compile_pfx_table(struct bm_builder *bb, int side)
{
	struct vtap_image *img = bb->img;
	const struct vtap_image_prefix *v = img->prefixes[side];
	size_t n = img->n_prefixes[side];
	struct vtap_gen *g = &img->gen;
	char seen[2][129] = {{0}};
	struct pfx_fill f = {0};

	img->pfx[side] = calloc(VTAP_PFX_SLOTS, sizeof(*img->pfx[side]));
	if (!img->pfx[side])
		return -ENOMEM;
	/* the roots, and the distinct lengths of each family, ascending */
	for (size_t i = 0; i < n; i++) {
		__u32 fi = fam_index(v[i].family);

		if (v[i].plen == root_len(v[i].family))
			g->pfx_root[side][fi] = v[i].idx;
		else
			seen[fi][v[i].plen] = 1;
	}
	for (int fi = 0; fi < 2; fi++) {
		__u8 lens[VTAP_PFX_LENS];
		int nl = 0;

		for (int len = 1; len <= 128; len++)
			if (seen[fi][len])
				lens[nl++] = (__u8)len;
		g->pfx_first[side][fi] = pfx_tree(g->pfx_tree[side][fi], lens, 0, nl - 1);
	}
	for (int s = 0; s < PFX_SEEDS; s++) {
		f = (struct pfx_fill){.t = img->pfx[side],
				      .seed = splitmix64((__u64)(s * 2 + side))};
		memset(f.t, 0, VTAP_PFX_SLOTS * sizeof(*f.t));
		if (!pfx_fill_all(&f, v, n, g, side)) {
			g->pfx_seed[side] = f.seed;
			g->pfx_probes[side] = (__u8)f.max;
			return 0;
		}
		if (f.n >= PFX_FILL_MAX)
			break; /* full: another seed needs as many entries */
	}
	if (f.n >= PFX_FILL_MAX)
		vtap_errors_add(
		    bb->errs, NULL,
		    "policies' %s prefixes need more than %d address table entries (a "
		    "prefix, and a marker per shorter prefix length on its search path); "
		    "use fewer distinct prefixes or prefix lengths",
		    side ? "destination" : "source", PFX_FILL_MAX);
	else
		vtap_errors_add(
		    bb->errs, NULL,
		    "policies' %s prefixes cannot be placed in the address table (each "
		    "entry within %d slots of its hash, %d hash seeds tried); use fewer "
		    "distinct prefixes or prefix lengths",
		    side ? "destination" : "source", VTAP_PFX_PROBES, PFX_SEEDS);
	return -E2BIG;
}
