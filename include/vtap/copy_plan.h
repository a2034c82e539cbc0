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
#include "dedup.h"
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
 * a frame this monitor got already (dedup.h); does it fit the rate cap
 * (rate.h) — a frame sent already costs no token, and a copy over the cap
 * leaves no fingerprint, so the frame's other tap may still copy it; its
 * length. */
static __always_inline int vtap_copy_plan(VTAP_TAP_BE be, const struct vtap_frame *f,
					  const struct vtap_pkt *pkt, const struct vtap_rule *r,
					  __u32 gen, struct vtap_counters *c, struct vtap_copy *cp)
{
	struct vtap_member_counters *mc = 0;
	struct vtap_dedup_bucket *db = 0;
	__u64 key = 0, now = 0;
	int way = 0, rehashed = 0;

	cp->sink_ifindex = r->sink_ifindex;
	cp->sink_kind = r->sink_kind;
	cp->policy_id = r->policy_id;
	cp->session = r->policy_id;
	if (r->flags & VTAP_RULE_GROUP) {
		const struct vtap_group *g = vtap_tap_be_group(be, gen, r->group);
		int first = -1, k = g ? vtap_group_pick(g, vtap_flow_hash_sym(pkt), &first) : -1;

		cp->sink_ifindex = 0;
		if (g && k >= 0) {
			const struct vtap_group_member *m = &g->m[k & (VTAP_GROUP_MAX - 1)];

			cp->sink_ifindex = m->sink_ifindex;
			cp->sink_kind = m->sink_kind;
			/* a vxlan member's tunnel: one per (group, member) */
			if (m->sink_kind == VTAP_SINK_VXLAN)
				cp->session = VTAP_MAX_RULES + (r->group & (VTAP_MAX_GROUPS - 1)) *
								   VTAP_GROUP_MAX +
					      (__u32)k;
			mc = vtap_tap_be_member(be, r->group, (__u32)k);
			rehashed = k != first;
		}
	}
	if (r->flags & (VTAP_RULE_DEDUP | VTAP_RULE_RATE))
		now = vtap_tap_be_now(be);
	if (r->flags & VTAP_RULE_DEDUP) {
		key = vtap_dedup_key(vtap_frame_fp(f->data, f->end, pkt, f->len), cp->sink_ifindex,
				     cp->sink_kind,
				     cp->sink_kind == VTAP_SINK_PLAIN ? 0 : cp->session);
		db = vtap_tap_be_dedup(be, (__u32)key & (VTAP_DEDUP_BUCKETS - 1));
		if (db && vtap_dedup_seen(db, key, now, f->ifindex, f->dir, &way)) {
			c->deduplicated++;
			return 0;
		}
	}
	if (r->flags & VTAP_RULE_RATE) {
		struct vtap_rate *rt = vtap_tap_be_rate(be, r->policy_id);

		if (rt && !vtap_rate_admit(rt, now, f->len)) {
			c->rate_limited++;
			return 0;
		}
	}
	if (db)
		vtap_dedup_note(db, way, key, now, f->ifindex, f->dir);
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
