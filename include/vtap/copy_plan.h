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
#include "admit.h"
#include "group.h"

/* The frame a copy step works on: its linear bytes (data..end, where the
 * parse found its headers), its whole length, where it was tapped. */
struct vtap_frame {
	const void *data;
	const void *end;
	__u32 len;
	__u32 ifindex;
	__u8 dir;
};

/* The copy of frame f (parsed into pkt) that rule r of generation gen asks
 * for. Returns 1 when it is to be sent, 0 when the step decided against it
 * (counted in c: deduplicated, rate_limited). In this order: where the copy
 * goes (a group's member: group.h; none usable: sink 0, a copy failure); is it
 * a frame this monitor got already, and does it fit the rate cap
 * (vtap_admit); its length. */
static __always_inline int vtap_copy_plan(VTAP_TAP_BE be, const struct vtap_frame *f,
					  const struct vtap_pkt *pkt, const struct vtap_rule *r,
					  __u32 gen, struct vtap_counters *c, struct vtap_copy *cp)
{
	struct vtap_member_counters *mc = 0;
	int rehashed = 0;

	cp->sink_ifindex = r->sink_ifindex;
	cp->sink_kind = r->sink_kind;
	cp->sink_slot = r->group; /* a group's rule sets it from its member */
	cp->policy_id = r->policy_id;
	cp->session = r->policy_id;
	if (r->flags & VTAP_RULE_GROUP) {
		const struct vtap_group *g = vtap_tap_be_group(be, gen, r->group);
		int pf =
		    g ? vtap_tap_be_group_pick(be, gen, r->group, vtap_flow_hash_sym(pkt)) : -1;

		cp->sink_ifindex = 0;
		if (g && pf >= 0) {
			int k = pf & (VTAP_GROUP_MAX - 1);
			const struct vtap_group_member *m = &g->m[k];

			cp->sink_ifindex = m->sink_ifindex;
			cp->sink_kind = m->sink_kind;
			cp->sink_slot = m->sink_slot;
			/* a vxlan member's tunnel: one per (group, member) */
			if (m->sink_kind == VTAP_SINK_VXLAN)
				cp->session = VTAP_MAX_RULES +
					      (r->group & (VTAP_MAX_GROUPS - 1)) * VTAP_GROUP_MAX +
					      (__u32)k;
			mc = vtap_tap_be_member(be, r->group, (__u32)k);
			rehashed = k != (pf >> 8 & (VTAP_GROUP_MAX - 1));
		}
	}
	if (r->flags & (VTAP_RULE_DEDUP | VTAP_RULE_RATE)) {
		/* a local monitor is one whether its port has a sink program
		 * or not (a port moving between them, one reload) */
		__u32 kind = cp->sink_kind == VTAP_SINK_BARE ? VTAP_SINK_PLAIN : cp->sink_kind;
		__u64 key = 0;

		if (r->flags & VTAP_RULE_DEDUP)
			key = vtap_dedup_key(vtap_frame_fp(f->data, f->end, pkt, f->len),
					     cp->sink_ifindex, kind,
					     kind == VTAP_SINK_PLAIN ? 0 : cp->session);
		switch (vtap_tap_be_admit(be, r->flags, r->policy_id, key,
					  vtap_dedup_where(f->ifindex, f->dir), f->len)) {
		case VTAP_ADMIT_DEDUP:
			c->deduplicated++;
			return 0;
		case VTAP_ADMIT_RATE:
			c->rate_limited++;
			return 0;
		}
	}
	if (mc) {
		mc->copies++;
		mc->rehashed += (__u64)rehashed;
	}
	cp->snaplen = r->snaplen;
	if (r->flags & VTAP_RULE_HEADERS)
		cp->snaplen = vtap_headers_len(f->data, f->end, pkt, f->len);
	return 1;
}

#endif
