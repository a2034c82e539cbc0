/* SPDX-License-Identifier: GPL-2.0 */
/* The hook-independent half of a tap: the verdict (flow cache, then the
 * classifier) and the count/sample step of <vtap/count.h>, over the maps.
 * The hook's program parses the frame through the context layer
 * (vtap_ctx.h) and does only the copy itself. */
#ifndef VTAP_BPF_TAP_H
#define VTAP_BPF_TAP_H

#include "vtap_ctx.h"
#include "vtap_classify_be.h"
#include "vtap_flow_cache.h"
#include <vtap/admit.h>
#include <vtap/group.h>

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

/* The count step's backend (<vtap/count.h>) over the maps; the handle is
 * vtap_cfg[0]. */
#define VTAP_TAP_BE const struct vtap_cfg *

/* The winning rule's rank for the frame, or VTAP_NO_MATCH: from the flow
 * cache when an earlier frame with the same classifier inputs was
 * classified under the same epoch, else from the classifier (and cached).
 * Sets *gen to the generation the rank belongs to. */
static __always_inline int vtap_tap_be_verdict(const struct vtap_cfg *cfg,
					       const struct vtap_pkt *pkt, __u32 ifindex, __u8 dir,
					       struct vtap_global_counters *gc, __u32 *gen)
{
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
		return vtap_classify_frame(pkt, ifindex, dir, epoch, gen);

	vtap_flow_key_make(&key, pkt, epoch, ifindex, dir);
	slot = vtap_flow_slot(&key, &h);
	if (slot && vtap_flow_get(slot, &key, h, &rank) &&
	    !(cfg->flags & VTAP_CFG_FLOW_CACHE_MISS)) {
		if (gc)
			gc->cache_hits++;
		return rank;
	}
	rank = vtap_classify_frame(pkt, ifindex, dir, epoch, gen);
	if (gc)
		gc->cache_misses++;
	if (slot)
		vtap_flow_put(slot, &key, h, rank);
	return rank;
}

static __always_inline const struct vtap_rule *vtap_tap_be_rule(const struct vtap_cfg *cfg,
								__u32 gen, int rank)
{
	__u32 key = gen * VTAP_MAX_RULES + ((__u32)rank & (VTAP_MAX_RULES - 1));

	return bpf_map_lookup_elem(&VTAP_MAP_RULES, &key);
}

static __always_inline struct vtap_counters *vtap_tap_be_counters(const struct vtap_cfg *cfg,
								  __u32 policy_id)
{
	__u32 key = policy_id & (VTAP_MAX_RULES - 1);

	return bpf_map_lookup_elem(&VTAP_MAP_STATS, &key);
}

/* The copy step's backend (<vtap/copy_plan.h>): the policy's rate state
 * and the fingerprints of copies, both shared by all CPUs, with the clock;
 * the monitor groups of a generation and their members' counters. */
/* vtap_admit (<vtap/copy_plan.h>) over the maps, a global function: the
 * verifier checks the search of a bucket's slots and the rate step once,
 * not once per path of the parser and the copy step before it (inlined,
 * they took the TC tap past the verifier's million instructions). Five
 * arguments at most: the rule's flags share a word with its policy id. */
__noinline int vtap_admit_fn(__u32 flags_policy, __u64 key, __u32 where, __u32 len)
{
	__u32 policy_id = flags_policy & (VTAP_MAX_RULES - 1), flags = flags_policy >> 16;
	__u32 bucket = (__u32)key & (VTAP_DEDUP_BUCKETS - 1);
	struct vtap_dedup_bucket *db = 0;
	struct vtap_rate *rt = 0;
	__u32 t = 0;
	__u64 now = 0;

	/* the dedup window needs the coarse clock only (admit.h) */
	if (flags & VTAP_RULE_DEDUP) {
		db = bpf_map_lookup_elem(&VTAP_MAP_DEDUP, &bucket);
		t = vtap_dedup_time(bpf_ktime_get_coarse_ns());
	}
	if (flags & VTAP_RULE_RATE) {
		rt = bpf_map_lookup_elem(&VTAP_MAP_RATE, &policy_id);
		now = bpf_ktime_get_ns();
	}
	return vtap_admit(db, rt, key, where, t, now, len);
}

static __always_inline int vtap_tap_be_admit(const struct vtap_cfg *cfg, __u32 flags,
					     __u32 policy_id, __u64 key, __u32 where, __u32 len)
{
	return vtap_admit_fn((flags & 0xffff) << 16 | (policy_id & (VTAP_MAX_RULES - 1)), key,
			     where, len);
}

static __always_inline const struct vtap_group *vtap_tap_be_group(const struct vtap_cfg *cfg,
								  __u32 gen, __u32 group)
{
	__u32 key = (gen & 1) * VTAP_MAX_GROUPS + (group & (VTAP_MAX_GROUPS - 1));

	return bpf_map_lookup_elem(&VTAP_MAP_GROUPS, &key);
}

/* vtap_group_pick over the map, a global function for the reason
 * vtap_admit_fn is one: the verifier checks the search over a group's 16
 * members once, not once per path that reaches it, and the paths after it
 * do not multiply by the member chosen. */
__noinline int vtap_group_pick_fn(__u32 gen, __u32 group, __u64 h)
{
	const struct vtap_group *g = vtap_tap_be_group(0, gen, group);

	return g ? vtap_group_pick_packed(g, h) : -1;
}

static __always_inline int vtap_tap_be_group_pick(const struct vtap_cfg *cfg, __u32 gen,
						  __u32 group, __u64 h)
{
	return vtap_group_pick_fn(gen, group, h);
}

static __always_inline struct vtap_member_counters *vtap_tap_be_member(const struct vtap_cfg *cfg,
								       __u32 group, __u32 member)
{
	__u32 key =
	    (group & (VTAP_MAX_GROUPS - 1)) * VTAP_GROUP_MAX + (member & (VTAP_GROUP_MAX - 1));

	return bpf_map_lookup_elem(&VTAP_MAP_MEMBERS, &key);
}

#include <vtap/count.h>

/* The frame ctx, parsed into pkt by the hook (vtap_ctx_parse): returns the
 * rule whose copy is to be sent (and its counters, and the generation it
 * belongs to), or NULL when the frame is not to be copied. Everything but
 * the copy is counted here. */
static __always_inline const struct vtap_rule *vtap_tap(const struct vtap_ctx *ctx,
							const struct vtap_pkt *pkt,
							struct vtap_global_counters *gc,
							struct vtap_counters **cnt_out, __u32 *gen)
{
	return vtap_tap_count(vtap_cfg_get(), pkt, ctx->ifindex, ctx->dir, ctx->len, gc, cnt_out,
			      gen);
}

#endif
