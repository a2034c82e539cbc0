/* SPDX-License-Identifier: GPL-2.0 */
/* The copy half of a tap for user-space sinks: the frame (up to its
 * snaplen) into the BPF ring buffer vtapd drains (map vtap_ring, records of
 * <vtap/abi.h>). Hook-independent like vtap_tap.h: the bytes are read
 * through the context layer (vtap_ctx.h), across XDP frags or skb paged
 * data alike. */
#ifndef VTAP_BPF_RING_H
#define VTAP_BPF_RING_H

#include <vtap/abi.h>
#include "vtap_plan.h"

struct vtap_ring_buf {
	struct vtap_ring_rec rec;
	__u8 data[VTAP_RING_COPY_MAX];
};

/* A record is assembled here, then output in one piece: a ring
 * reservation must have a constant size, and reserving the largest copy
 * for every 64-byte frame would fill the ring 200 times faster. Nothing
 * outside a program reads it, but it is pinned by name all the same, so
 * the TC and XDP objects share one (16 KiB per possible CPU) instead of
 * holding one each. Sharing it is safe as sharing it among one object's
 * programs already is: it is used from the lookup to bpf_ringbuf_output
 * only, with no helper between that runs another program, and the
 * programs that use it (XDP, TC ingress and egress) run in softirq or with
 * bottom halves off, so two never interleave on one CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_ring_buf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vtap_rscratch SEC(".maps");

/* Copy the frame into the ring as cp says (vtap_plan) and count it in c: a
 * copy, or a copy failure (ring full counted apart, so an overflow is never
 * silent). */
static __always_inline void vtap_ring_copy(const struct vtap_ctx *ctx, const struct vtap_copy *r,
					   struct vtap_counters *c)
{
	struct vtap_ring_buf *b;
	__u32 zero = 0, n = ctx->len;
	__u64 len;

	if (r->snaplen && n > r->snaplen)
		n = r->snaplen;
	if (n > VTAP_RING_COPY_MAX)
		n = VTAP_RING_COPY_MAX;
	b = bpf_map_lookup_elem(&vtap_rscratch, &zero);
	/* no sink: the monitor is not set up (or gone), as on the TC path */
	if (!b || !r->sink_ifindex || n < VTAP_ETH_HLEN) {
		c->copy_fail++;
		return;
	}
	b->rec.tai_ns = bpf_ktime_get_tai_ns();
	b->rec.policy_id = r->policy_id;
	b->rec.orig_len = ctx->len;
	b->rec.cap_len = n;
	b->rec.ifindex = ctx->ifindex;
	b->rec.sink_ifindex = r->sink_ifindex;
	b->rec.sink_kind = (__u8)r->sink_kind;
	b->rec.dir = ctx->dir;
	b->rec.pad = 0;
	len = n;
	/* the length the helper gets, bounded where the verifier sees it:
	 * the compiler's clamp above may be on another register */
	asm volatile("%[len] &= %[mask]"
		     : [len] "+r"(len)
		     : [mask] "i"(2 * VTAP_RING_COPY_MAX - 1));
	if (len < VTAP_ETH_HLEN || len > VTAP_RING_COPY_MAX) {
		c->copy_fail++;
		return;
	}
	if (vtap_ctx_load_bytes(ctx, 0, b->data, (__u32)len)) {
		c->copy_fail++;
		return;
	}
	if (bpf_ringbuf_output(&VTAP_MAP_RING, b, sizeof(b->rec) + len, 0)) {
		c->ring_full++;
		c->copy_fail++;
		return;
	}
	c->copies++;
	c->copy_bytes += ctx->len;
}

#endif
