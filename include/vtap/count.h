/* SPDX-License-Identifier: GPL-2.0 */
/* A tap's per-frame step after the parse: the verdict, the counters and the
 * 1-in-N sample, written once for the BPF taps (bpf/vtap_tap.h) and the
 * native tap of vtap-dpdk (user/core/tap.c), so the counters mean the same
 * on both paths.
 *
 * The includer provides the verdict and the storage by defining, before
 * including this file:
 *   VTAP_TAP_BE                          the type of its handle
 *   vtap_tap_be_verdict(be, pkt, ifindex, dir, gc, &gen)
 *                                        -> the winning rule's rank, or
 *                                           VTAP_NO_MATCH; sets gen, the
 *                                           generation the rank belongs to
 *   vtap_tap_be_rule(be, gen, rank)      -> const struct vtap_rule *, or NULL
 *   vtap_tap_be_counters(be, policy_id)  -> struct vtap_counters *, or NULL
 * The global counters gc may be NULL (a BPF map lookup can fail). */
#ifndef VTAP_COUNT_H
#define VTAP_COUNT_H

#include "compat.h"
#include "abi.h"
#include "map_types.h"
#include "parse.h"

/* Count the frame (parsed into pkt, len bytes in all, seen on ifindex in
 * direction dir) and decide on its copy. Returns the rule whose copy is to
 * be sent, with that rule's counters in *cnt_out, or NULL when nothing is to
 * be copied (no match, a skip rule, sampled out). Everything but the copy
 * is counted here; the caller counts the copy's outcome in *cnt_out.
 * *gen_out: the generation the rule belongs to. */
static __always_inline const struct vtap_rule *
vtap_tap_count(VTAP_TAP_BE be, const struct vtap_pkt *pkt, __u32 ifindex, __u8 dir, __u32 len,
	       struct vtap_global_counters *gc, struct vtap_counters **cnt_out, __u32 *gen_out)
{
	const struct vtap_rule *r;
	struct vtap_counters *c;
	__u32 gen = 0;
	int rank;

	if (gc) {
		gc->seen++;
		if (pkt->flags & VTAP_PF_MALFORMED)
			gc->unparsed++;
	}
	rank = vtap_tap_be_verdict(be, pkt, ifindex, dir, gc, &gen);
	if (rank < 0) {
		if (gc)
			gc->no_match++;
		return NULL;
	}
	r = vtap_tap_be_rule(be, gen, rank);
	if (!r)
		return NULL;
	c = vtap_tap_be_counters(be, r->policy_id);
	if (!c)
		return NULL;
	c->matched_pkts++;
	c->matched_bytes += len;
	if (r->action != VTAP_ACT_MIRROR)
		return NULL;
	/* 1 in N, the first match copied: matched_pkts counts this frame */
	if (r->sample > 1 && (c->matched_pkts - 1) % r->sample) {
		c->sampled_out++;
		return NULL;
	}
	*cnt_out = c;
	*gen_out = gen;
	return r;
}

#endif
