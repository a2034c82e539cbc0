/* SPDX-License-Identifier: GPL-2.0 */
/* The hook-independent half of vtap-dpdk's tap, without DPDK: parse
 * (include/vtap/parse.h), classify (the native backend of
 * include/vtap/classify.h over a compiled image), count and sample with the
 * step the BPF taps use (include/vtap/count.h). Kept free of DPDK so the
 * unit tests run the fixture table through this very entry point. */
#ifndef VTAP_USER_DPDK_TAP_H
#define VTAP_USER_DPDK_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vtap/abi.h>
#include "image.h"

/* Written by the one forwarding lcore only; read without locks by the
 * control thread (64-bit counters, aligned: never torn on 64-bit hosts). */
struct vdp_stats {
	struct vtap_counters pol[VTAP_MAX_RULES]; /* by policy id, as vtap_stats */
	struct vtap_global_counters g;		  /* copies_seen, pull_fail stay 0 */
	/* the rate caps by policy id, as vtap_rate: costs written by the
	 * control thread when a policy's rate changes, buckets by the lcore */
	struct vtap_rate rate[VTAP_MAX_RULES];
	/* fingerprints of recent copies (include/vtap/dedup.h) */
	struct vtap_dedup_bucket dedup[VTAP_DEDUP_BUCKETS];
	/* monitor groups' members, as vtap_members */
	struct vtap_member_counters members[VTAP_MAX_GROUPS][VTAP_GROUP_MAX];
};

/* Parse the frame (its first len_linear bytes are contiguous, len bytes in
 * all), classify it as seen on (ifindex, dir), count it; returns the rule
 * whose copy is to be sent, with the copy in *cp (sink, length: the copy
 * step of include/vtap/copy_plan.h), or NULL (no match, skip, sampled out,
 * or the copy step decided against it). The caller counts the copy
 * (copies/copy_bytes or copy_fail). */
const struct vtap_rule *vdp_tap(const struct vtap_image *img, struct vdp_stats *st,
				const void *data, uint32_t len_linear, uint32_t len,
				uint32_t ifindex, uint8_t dir, struct vtap_copy *cp);

#endif
