/* SPDX-License-Identifier: GPL-2.0 */
/* The hook-independent half of a tap: parse, classify, count, sample. The
 * TC program (and the XDP one) pass a context of packet pointers, length,
 * port and direction, and do only the copy themselves — one code path for
 * both hooks, as cilium does with its context layer. */
#ifndef VTAP_BPF_TAP_H
#define VTAP_BPF_TAP_H

#include "vtap_maps.h"
#include "vtap_flow_cache.h"
#include <vtap/classify.h>

struct vtap_ctx {
	void *data; /* the frame's linear part, as parsed */
	void *data_end;
	__u32 len; /* whole frame, including what is not linear */
	__u32 ifindex;
	__u8 dir;
};

static __always_inline struct vtap_global_counters *vtap_global_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&VTAP_MAP_GSTATS, &zero);
}

/* The classifier as a global function: the verifier checks it once, with
 * any packet, instead of once per path through the parser (which multiplies
 * the states of its 64-word search beyond the verifier's budget). epoch is
 * vtap_cfg.active_gen as the caller read it. */
__noinline int vtap_classify_frame(const struct vtap_pkt *pkt, __u32 ifindex, __u32 dir,
				   __u32 epoch, __u32 *gen)
{
	if (!pkt || !gen)
		return VTAP_NO_MATCH;
	return vtap_classify(epoch, pkt, ifindex, (__u8)dir, gen);
}

/* The winning rule's rank for the frame, or VTAP_NO_MATCH: from the flow
 * cache when an earlier frame with the same classifier inputs was
 * classified under the same epoch, else from the classifier (and cached).
 * Sets *gen to the generation the rank belongs to. */
static __always_inline int vtap_verdict(const struct vtap_ctx *ctx, const struct vtap_pkt *pkt,
					struct vtap_global_counters *gc, __u32 *gen)
{
	const struct vtap_cfg *cfg = vtap_cfg_get();
	struct vtap_flow_slot *slot;
	struct vtap_flow_key key;
	__u32 epoch;
	__u64 h;
	int rank;

	if (!cfg)
		return VTAP_NO_MATCH;
	epoch = *(volatile const __u32 *)&cfg->active_gen; /* one load, used throughout */
	*gen = epoch & 1;
	if (cfg->flags & VTAP_CFG_NO_FLOW_CACHE)
		return vtap_classify_frame(pkt, ctx->ifindex, ctx->dir, epoch, gen);

	vtap_flow_key_make(&key, pkt, epoch, ctx->ifindex, ctx->dir);
	slot = vtap_flow_slot(&key, &h);
	if (slot && vtap_flow_get(slot, &key, h, &rank) &&
	    !(cfg->flags & VTAP_CFG_FLOW_CACHE_MISS)) {
		if (gc)
			gc->cache_hits++;
		return rank;
	}
	rank = vtap_classify_frame(pkt, ctx->ifindex, ctx->dir, epoch, gen);
	if (gc)
		gc->cache_misses++;
	if (slot)
		vtap_flow_put(slot, &key, h, rank);
	return rank;
}

/* Given the frame parsed by the hook (which knows how to make headers
 * linear and where the stack keeps a VLAN tag), returns the rule whose copy
 * is to be sent (and its counters), or NULL when the frame is not to be
 * copied. Everything is counted here. */
static __always_inline const struct vtap_rule *vtap_tap(const struct vtap_ctx *ctx,
						       const struct vtap_pkt *pkt,
						       struct vtap_global_counters *gc,
						       struct vtap_counters **cnt_out)
{
	const struct vtap_rule *r;
	struct vtap_counters *c;
	__u32 gen = 0, key;
	int rank;

	if (gc) {
		gc->seen++;
		if (pkt->flags & VTAP_PF_MALFORMED)
			gc->unparsed++;
	}
	rank = vtap_verdict(ctx, pkt, gc, &gen);
	if (rank < 0) {
		if (gc)
			gc->no_match++;
		return NULL;
	}
	key = gen * VTAP_MAX_RULES + ((__u32)rank & (VTAP_MAX_RULES - 1));
	r = bpf_map_lookup_elem(&VTAP_MAP_RULES, &key);
	if (!r)
		return NULL;
	key = r->policy_id & (VTAP_MAX_RULES - 1);
	c = bpf_map_lookup_elem(&VTAP_MAP_STATS, &key);
	if (!c)
		return NULL;
	c->matched_pkts++;
	c->matched_bytes += ctx->len;
	if (r->action != VTAP_ACT_MIRROR)
		return NULL;
	if (r->sample > 1 && (c->matched_pkts - 1) % r->sample) {
		c->sampled_out++;
		return NULL;
	}
	*cnt_out = c;
	return r;
}

#endif
