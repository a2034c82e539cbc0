/* SPDX-License-Identifier: GPL-2.0 */
/* The verdict cache in front of the classifier, for the BPF taps.
 *
 * The classifier costs seven field lookups and a bit-vector search per frame
 * (100-190 ns with 4096 rules here). But a frame's verdict depends only on
 * the fields the classifier reads (struct vtap_flow_key), and the frames of
 * one flow repeat them: the first frame is classified, the others find its
 * verdict here.
 *
 * Direct-mapped and per CPU (as Open vSwitch's exact-match cache): a slot is
 * one hash of the key away, read and written without locks or helper calls
 * (a tap runs in softirq or with bottom halves off, so nothing else runs the
 * cache on its CPU meanwhile; the sink program it nests through
 * bpf_clone_redirect never touches the cache); a miss overwrites the slot. The key carries the epoch (vtap_cfg.active_gen), so
 * a reload needs no flush: verdicts of older epochs simply stop matching.
 * Frames of new flows pay the hash and the key compare (about 10 ns) on top
 * of the search; docs/benchmarks.md measures both sides. */
#ifndef VTAP_BPF_FLOW_CACHE_H
#define VTAP_BPF_FLOW_CACHE_H

#include "vtap_maps.h"
#include <vtap/parse.h>

_Static_assert((VTAP_FLOW_CACHE_SLOTS & (VTAP_FLOW_CACHE_SLOTS - 1)) == 0,
	       "the slot index is a mask of the hash");

/* The key of a parsed frame: every field vtap_classify() reads. Fields a
 * level does not carry are zero in the key as the parser leaves them. */
static __always_inline void vtap_flow_key_make(struct vtap_flow_key *k, const struct vtap_pkt *pkt,
					       __u32 epoch, __u32 ifindex, __u8 dir)
{
	k->epoch = epoch;
	k->ifindex = ifindex;
	k->dir = dir;
	k->level = pkt->level;
	k->v6 = !!(pkt->flags & VTAP_PF_IPV6);
	k->proto = pkt->proto;
	k->sport = pkt->sport;
	k->dport = pkt->dport;
	k->vlan = pkt->vlan;
	k->valid = 1;
	k->pad = 0;
	__builtin_memcpy(k->saddr, pkt->saddr, 16);
	__builtin_memcpy(k->daddr, pkt->daddr, 16);
}

/* Multiply-xor over the seven words. A product's low bits depend only on
 * the factors' low bits, so only the top bits mix the whole key: the slot
 * index is taken from them, and the check word from a second round that
 * folds the top half down (each of its bits then depends on every key bit;
 * see vtap_flow_get). */
static __always_inline __u64 vtap_flow_hash(const struct vtap_flow_key *k)
{
	const __u64 *w = (const __u64 *)k;
	__u64 h = 0;
	int i;

	VTAP_UNROLL
	for (i = 0; i < (int)VTAP_FLOW_KEY_WORDS; i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	return h;
}

static __always_inline __u32 vtap_flow_check(__u64 h, int rank)
{
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	return (__u32)(h >> 32) ^ (__u32)rank;
}

static __always_inline int vtap_flow_key_eq(const struct vtap_flow_key *a,
					    const struct vtap_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 d = 0;
	int i;

	VTAP_UNROLL
	for (i = 0; i < (int)VTAP_FLOW_KEY_WORDS; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* The frame's slot (this CPU's), or NULL; *h = the key's hash. */
static __always_inline struct vtap_flow_slot *vtap_flow_slot(const struct vtap_flow_key *k,
							     __u64 *h)
{
	__u32 i;

	*h = vtap_flow_hash(k);
	i = (__u32)(*h >> 40) & (VTAP_FLOW_CACHE_SLOTS - 1);
	return bpf_map_lookup_elem(&VTAP_MAP_FCACHE, &i);
}

/* The slot's rank if it holds k's verdict. The check word ties the rank to
 * the key it was stored with: a slot two writers interleaved on (possible
 * only where BPF programs are preemptible, PREEMPT_RT) fails it and counts
 * as a miss instead of answering with another key's verdict. */
static __always_inline int vtap_flow_get(const struct vtap_flow_slot *s,
					 const struct vtap_flow_key *k, __u64 h, int *rank)
{
	int r = s->rank;

	if (!vtap_flow_key_eq(&s->key, k) || s->check != vtap_flow_check(h, r))
		return 0;
	*rank = r;
	return 1;
}

static __always_inline void vtap_flow_put(struct vtap_flow_slot *s, const struct vtap_flow_key *k,
					  __u64 h, int rank)
{
	s->key = *k;
	s->rank = rank;
	s->check = vtap_flow_check(h, rank);
}

#endif
