/* SPDX-License-Identifier: GPL-2.0 */
/* The copy step of <vtap/copy_plan.h> for the BPF taps, over the context
 * layer: after vtap_tap() chose to copy a frame, where the copy goes and how
 * long it is, for either hook. */
#ifndef VTAP_BPF_PLAN_H
#define VTAP_BPF_PLAN_H

#include <vtap/abi.h>
#include "vtap_tap.h"
#include <vtap/copy_plan.h>

static __always_inline int vtap_plan(const struct vtap_ctx *ctx, const struct vtap_pkt *pkt,
				     const struct vtap_rule *r, __u32 gen, struct vtap_counters *c,
				     struct vtap_copy *cp)
{
	/* the frame's pointers again: the verifier forgets packet pointers
	 * across the classifier's global function */
	struct vtap_frame f = {
		.data = vtap_buff_data(ctx->buf),
		.end = vtap_buff_data_end(ctx->buf),
		.len = ctx->len,
		.ifindex = ctx->ifindex,
		.dir = ctx->dir,
	};

	if (!vtap_copy_plan(vtap_cfg_get(), &f, pkt, r, gen, c, cp))
		return 0;
	/* A header-only copy of a frame whose outer VLAN tag the stack holds
	 * (TC) is cut by the sink after the sink has put the tag into the
	 * frame (capture and ovs sinks): the tag is a header too. */
	if ((r->flags & VTAP_RULE_HEADERS) &&
	    (cp->sink_kind == VTAP_SINK_VLAN || cp->sink_kind == VTAP_SINK_CAPTURE))
		cp->snaplen += vtap_buff_tag_outside(ctx->buf);
	return 1;
}

#endif
