/* SPDX-License-Identifier: GPL-2.0 */
/* The step between the count step's decision to copy (count.h) and the
 * copy itself: where the copy goes and how long it is. Written once for the
 * BPF taps (bpf/vtap_plan.h) and the native tap (user/core/tap.c), after
 * <vtap/count.h> and its backend.
 *
 * Only frames the count step chose to copy get here, so nothing in this
 * file costs a frame that is not copied. */
#ifndef VTAP_COPY_PLAN_H
#define VTAP_COPY_PLAN_H

#include "compat.h"
#include "map_types.h"
#include "parse.h"
#include "headers_len.h"

/* One copy, as the hook sends it. */
struct vtap_copy {
	__u32 sink_ifindex; /* 0: no sink (counted as a copy failure) */
	__u32 sink_kind;    /* enum vtap_sink_kind */
	__u32 snaplen;	    /* bytes to keep; 0 = the whole frame */
	__u32 policy_id;    /* the session: counters, tags, ring records */
};

/* The copy of the frame (data..end its linear bytes, len in all, parsed
 * into pkt) that rule r asks for. Returns 1 when it is to be sent, 0 when
 * the step decided against it (counted in c). */
static __always_inline int vtap_copy_plan(const void *data, const void *end,
					  const struct vtap_pkt *pkt, __u32 len,
					  const struct vtap_rule *r, struct vtap_counters *c,
					  struct vtap_copy *cp)
{
	(void)c;
	cp->sink_ifindex = r->sink_ifindex;
	cp->sink_kind = r->sink_kind;
	cp->policy_id = r->policy_id;
	cp->snaplen = r->snaplen;
	if (r->flags & VTAP_RULE_HEADERS)
		cp->snaplen = vtap_headers_len(data, end, pkt, len);
	return 1;
}

#endif
