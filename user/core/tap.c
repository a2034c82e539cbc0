// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's tap without DPDK: see tap.h. The count/sample step is
 * <vtap/count.h>, the one the BPF taps use, so the counters mean the same
 * on both paths; here over the compiled image and vdp_stats. */
#include <time.h>
#include <vtap/parse.h>
#include <vtap/admit.h>
#include <vtap/group.h>
#include "tap.h"

/* The count step's backend: the image's rules, the process's counters. */
struct vdp_tap_be {
	const struct vtap_image *img;
	struct vdp_stats *st;
};

#define VTAP_TAP_BE const struct vdp_tap_be *

/* The image has one generation: gen stays 0. */
static inline int vtap_tap_be_verdict(const struct vdp_tap_be *be, const struct vtap_pkt *pkt,
				      __u32 ifindex, __u8 dir, struct vtap_global_counters *gc,
				      __u32 *gen)
{
	int rank = vtap_image_classify(be->img, pkt, ifindex, dir);

	(void)gc; /* no cache to count */
	(void)gen;
	return rank < VTAP_MAX_RULES ? rank : VTAP_NO_MATCH;
}

static inline const struct vtap_rule *vtap_tap_be_rule(const struct vdp_tap_be *be, __u32 gen,
						       int rank)
{
	(void)gen;
	return &be->img->rules[rank];
}

static inline struct vtap_counters *vtap_tap_be_counters(const struct vdp_tap_be *be,
							 __u32 policy_id)
{
	return &be->st->pol[policy_id & (VTAP_MAX_RULES - 1)];
}

static inline __u64 vtap_tap_be_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* The copy step's backend: vtap_admit over the process's rate states and
 * fingerprints (with the clock); the groups of the image and their
 * members' counters. */
static inline int vtap_tap_be_admit(const struct vdp_tap_be *be, __u32 flags, __u32 policy_id,
				    __u64 key, __u32 where, __u32 len)
{
	struct vtap_dedup_bucket *db = 0;
	struct vtap_rate *rt = 0;
	__u64 now = vtap_tap_be_now();

	if (flags & VTAP_RULE_DEDUP)
		db = &be->st->dedup[key & (VTAP_DEDUP_BUCKETS - 1)];
	if (flags & VTAP_RULE_RATE)
		rt = &be->st->rate[policy_id & (VTAP_MAX_RULES - 1)];
	return vtap_admit(db, rt, key, where, vtap_dedup_time(now), now, len);
}

/* The image has one generation: gen is 0. */
static inline const struct vtap_group *vtap_tap_be_group(const struct vdp_tap_be *be, __u32 gen,
							 __u32 group)
{
	(void)gen;
	return &be->img->groups[group & (VTAP_MAX_GROUPS - 1)];
}

static inline int vtap_tap_be_group_pick(const struct vdp_tap_be *be, __u32 gen, __u32 group,
					 __u64 h)
{
	return vtap_group_pick_packed(vtap_tap_be_group(be, gen, group), h);
}

static inline struct vtap_member_counters *vtap_tap_be_member(const struct vdp_tap_be *be,
							      __u32 group, __u32 member)
{
	return &be->st->members[group & (VTAP_MAX_GROUPS - 1)][member & (VTAP_GROUP_MAX - 1)];
}

#include <vtap/count.h>
#include <vtap/copy_plan.h>

const struct vtap_rule *vdp_tap(const struct vtap_image *img, struct vdp_stats *st,
				const void *data, uint32_t len_linear, uint32_t len,
				uint32_t ifindex, uint8_t dir, struct vtap_copy *cp)
{
	const struct vdp_tap_be be = {.img = img, .st = st};
	const struct vtap_frame f = {.data = data,
				     .end = (const uint8_t *)data + len_linear,
				     .len = len,
				     .ifindex = ifindex,
				     .dir = dir};
	const struct vtap_rule *r;
	struct vtap_counters *c;
	struct vtap_pkt pkt;
	__u32 gen = 0;

	vtap_parse(data, f.end, &pkt);
	r = vtap_tap_count(&be, &pkt, ifindex, dir, len, &st->g, &c, &gen);
	if (r && !vtap_copy_plan(&be, &f, &pkt, r, gen, c, cp))
		return NULL;
	return r;
}
