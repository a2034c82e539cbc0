/* SPDX-License-Identifier: GPL-2.0 */
/* The classifier, written once for the BPF taps and the native builds.
 *
 * Linear bit-vector search (as in bpf-iptables): every rule has a bit, bit
 * order = priority order. Per field one lookup yields a bitmap of the rules
 * the frame can still match; the AND of the field bitmaps holds the matching
 * rules and its lowest set bit wins. Each bitmap carries summary words (bit
 * w set when word w holds candidates), so the AND visits only words that can
 * hold a match: the cost does not grow with the number of rules, only with
 * the number of words where every field has a candidate.
 *
 * Rules that do not constrain a field sit in every bitmap of that field, so
 * with rules of several shapes interleaved every word has a candidate in
 * every field, and a summary of the whole bitmap prunes nothing. So the
 * summary is kept per shape (the set of fields a rule constrains; the
 * compiler gives the common shapes a slot each): a word is visited only if,
 * for one slot, every field's bitmap has a rule of that slot in it. Within
 * one shape no rule is a field's wildcard, so a field's bitmap restricted
 * to a shape holds only the rules that match the frame's value.
 *
 * The includer provides the storage (BPF maps, or the compiled image in
 * memory) by defining, before including this file:
 *   VTAP_BE                      the type of the backend handle
 *   vtap_be_gen(be, &gen)        -> const struct vtap_gen * of the active
 *                                   generation (sets gen), or NULL
 *   vtap_be_bitmap(be, idx)      -> const struct vtap_bitmap *, or NULL
 *   vtap_be_port(be, gen, ifindex, dir, &idx)  -> 0 found, <0 not
 *   vtap_be_pfx(be, gen, side, slot) -> const struct vtap_pfx_slot * of
 *                                   the address table of side (0 VM side,
 *                                   1 peer), or NULL
 *   vtap_be_array(be, field, gen, key, &idx)   -> 0 found, <0 not
 *                                   (field: PROTO, SPORT, DPORT, VLAN)
 * Indices are absolute pool indices. */
#ifndef VTAP_CLASSIFY_H
#define VTAP_CLASSIFY_H

#include "compat.h"
#include "limits.h"
#include "abi.h"
#include "map_types.h"
#include "parse.h"
#include "pfx.h"

/* The word AND in vtap_classify() names the seven fields one by one. */
_Static_assert(VTAP_F_MAX == 7, "vtap_classify ANDs exactly seven fields");

/* The pool index of the longest prefix of one address field holding the
 * address (hi, lo) of family fi (0 v4, 1 v6), or the field's root for the
 * family. A binary search over the lengths present, one hash probe per
 * length: an entry at a length (a prefix, or a marker the compiler put on
 * the search's way to a longer prefix) holds the longest prefix up to that
 * length, so the search goes on among the longer lengths; no entry, among
 * the shorter (Waldvogel et al., "Scalable High Speed IP Routing
 * Lookups", SIGCOMM 1997). The compiler lays the search out as a tree of
 * lengths, so each step's next length is one load whatever the outcome
 * (which also keeps the verifier's states few). At most VTAP_PFX_STEPS
 * probes of at most pfx_probes + 1 slots each, whatever the number of
 * prefixes. */
static __always_inline __u32 vtap_pfx_lookup(VTAP_BE be, const struct vtap_gen *g, __u32 gen,
					     int side, __u32 fi, __u64 hi, __u64 lo)
{
	__u32 family = fi ? VTAP_FAMILY_V6 : VTAP_FAMILY_V4;
	__u32 best = g->pfx_root[side][fi & 1];
	__u32 probes = g->pfx_probes[side];
	__u64 seed = g->pfx_seed[side];
	__u32 node = g->pfx_first[side][fi & 1];
	int step;

	for (step = 0; step < VTAP_PFX_STEPS; step++) {
		const struct vtap_pfx_node *t;
		__u32 lf, slot, p, next;
		__u64 mh, ml;

		if (node >= VTAP_PFX_LENS)
			break;
		VTAP_OPAQUE(node);
		t = &g->pfx_tree[side][fi & 1][node & (VTAP_PFX_LENS - 1)];
		lf = t->len | family << 8;
		vtap_pfx_mask(hi, lo, t->len, &mh, &ml);
		slot = vtap_pfx_hash(seed, mh, ml, lf);
		next = t->miss;
		for (p = 0; p < VTAP_PFX_PROBES; p++) {
			const struct vtap_pfx_slot *e =
			    vtap_be_pfx(be, gen, side, (slot + p) & (VTAP_PFX_SLOTS - 1));

			if (!e || !e->len_fam || p > probes)
				break;
			if (e->hi == mh && e->lo == ml && e->len_fam == lf) {
				best = e->idx;
				next = t->hit;
				break;
			}
		}
		node = next;
	}
	return best;
}

/* The field's bitmap index for this frame: its lookup, or the field's
 * wildcard when the frame does not carry the field. Returns -1 when a field
 * the frame carries has no entry (nothing can match). */
static __always_inline int vtap_field_idx(VTAP_BE be, const struct vtap_gen *g, __u32 gen,
					  int field, int present, __u32 key, __u32 *idx)
{
	if (!(g->field_mask & (1u << field))) {
		*idx = gen * VTAP_POOL_PER_GEN + VTAP_POOL_ALL;
		return 0;
	}
	if (!present) {
		*idx = g->any_idx[field];
		return 0;
	}
	return vtap_be_array(be, field, gen, key, idx);
}

/* The same for an address field (side 0: VTAP_F_SRC, 1: VTAP_F_DST). */
static __always_inline __u32 vtap_addr_idx(VTAP_BE be, const struct vtap_gen *g, __u32 gen,
					   int side, int present, __u32 fi, const __u8 *addr)
{
	int field = side ? VTAP_F_DST : VTAP_F_SRC;

	if (!(g->field_mask & (1u << field)))
		return gen * VTAP_POOL_PER_GEN + VTAP_POOL_ALL;
	if (!present)
		return g->any_idx[field];
	return vtap_pfx_lookup(be, g, gen, side, fi, vtap_be64(addr), vtap_be64(addr + 8));
}

/* Classify a parsed frame seen on (ifindex, dir). Returns the winning rule's
 * rank (its bit) and sets *gen_out, or VTAP_NO_MATCH. */
static __always_inline int vtap_classify(VTAP_BE be, const struct vtap_pkt *pkt, __u32 ifindex,
					 __u8 dir, __u32 *gen_out)
{
	const struct vtap_bitmap *b[VTAP_F_MAX];
	const struct vtap_gen *g;
	__u32 idx[VTAP_F_MAX];
	const __u8 *vm_addr, *peer_addr;
	__u16 vm_port, peer_port;
	int l3 = pkt->level >= VTAP_LEVEL_L3;
	int l4 = pkt->level >= VTAP_LEVEL_L4;
	__u32 fi = (pkt->flags & VTAP_PF_IPV6) ? 1 : 0;
	__u64 sum, slots;
	__u32 gen;
	int i, k;

	g = vtap_be_gen(be, &gen);
	if (!g || g->n_rules == 0)
		return VTAP_NO_MATCH;
	*gen_out = gen;

	/* Policies are written from the VM's side: for frames the VM
	 * receives, its own address and port are the destination's. */
	if (dir == VTAP_DIR_IN) {
		vm_addr = pkt->daddr;
		peer_addr = pkt->saddr;
		vm_port = pkt->dport;
		peer_port = pkt->sport;
	} else {
		vm_addr = pkt->saddr;
		peer_addr = pkt->daddr;
		vm_port = pkt->sport;
		peer_port = pkt->dport;
	}

	if (vtap_be_port(be, gen, ifindex, dir, &idx[VTAP_F_PORT]) < 0)
		return VTAP_NO_MATCH;
	idx[VTAP_F_SRC] = vtap_addr_idx(be, g, gen, 0, l3, fi, vm_addr);
	idx[VTAP_F_DST] = vtap_addr_idx(be, g, gen, 1, l3, fi, peer_addr);
	if (vtap_field_idx(be, g, gen, VTAP_F_PROTO, l3, pkt->proto, &idx[VTAP_F_PROTO]) < 0 ||
	    vtap_field_idx(be, g, gen, VTAP_F_SPORT, l4, vm_port, &idx[VTAP_F_SPORT]) < 0 ||
	    vtap_field_idx(be, g, gen, VTAP_F_DPORT, l4, peer_port, &idx[VTAP_F_DPORT]) < 0 ||
	    vtap_field_idx(be, g, gen, VTAP_F_VLAN, 1, pkt->vlan, &idx[VTAP_F_VLAN]) < 0)
		return VTAP_NO_MATCH;

	slots = ~0ULL;
	VTAP_UNROLL
	for (i = 0; i < VTAP_F_MAX; i++) {
		b[i] = vtap_be_bitmap(be, idx[i]);
		if (!b[i])
			return VTAP_NO_MATCH;
		slots &= b[i]->slots;
	}
	/* The words that can hold the match: per shape slot, those where
	 * every field still has a candidate of that slot. */
	sum = 0;
	VTAP_UNROLL
	for (k = 0; k < VTAP_SHAPE_SLOTS; k++)
		if (slots & (1ULL << k))
			sum |= b[0]->slot_words[k] & b[1]->slot_words[k] & b[2]->slot_words[k] &
			       b[3]->slot_words[k] & b[4]->slot_words[k] & b[5]->slot_words[k] &
			       b[6]->slot_words[k];

	for (k = 0; k < VTAP_BITMAP_WORDS; k++) {
		__u32 w;
		__u64 x;

		if (!sum)
			break;
		w = vtap_ctz64(sum) & (VTAP_BITMAP_WORDS - 1);
		x = b[0]->words[w] & b[1]->words[w] & b[2]->words[w] & b[3]->words[w] &
		    b[4]->words[w] & b[5]->words[w] & b[6]->words[w];
		if (x) {
			int rank = (int)(w * 64 + vtap_ctz64(x));

			return rank < (int)g->n_rules ? rank : VTAP_NO_MATCH;
		}
		sum &= sum - 1;
	}
	return VTAP_NO_MATCH;
}

#endif
