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
#include "abi.h"
#include "map_types.h"
#include "parse.h"
#include "headers_len.h"
#include "rate.h"

/* The copy of the frame (data..end its linear bytes, len in all, parsed
 * into pkt) that rule r asks for. Returns 1 when it is to be sent, 0 when
 * the step decided against it (counted in c: rate_limited). */
static __always_inline int vtap_copy_plan(VTAP_TAP_BE be, const void *data, const void *end,
					  const struct vtap_pkt *pkt, __u32 len,
					  const struct vtap_rule *r, struct vtap_counters *c,
					  struct vtap_copy *cp)
{
	if (r->flags & VTAP_RULE_RATE) {
		struct vtap_rate *rt = vtap_tap_be_rate(be, r->policy_id);

		if (rt && !vtap_rate_admit(rt, vtap_tap_be_now(be), len)) {
			c->rate_limited++;
			return 0;
		}
	}
	cp->sink_ifindex = r->sink_ifindex;
	cp->sink_kind = r->sink_kind;
	cp->policy_id = r->policy_id;
	cp->snaplen = r->snaplen;
	if (r->flags & VTAP_RULE_HEADERS)
		cp->snaplen = vtap_headers_len(data, end, pkt, len);
	return 1;
}

#endif
