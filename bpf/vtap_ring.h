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
	__u8 data[VTAP_RING_PIECE];
};

/* A record up to VTAP_RING_PIECE bytes is assembled here, then output in
 * one piece: a plain reservation must have a constant size, and reserving
 * the largest copy for every 64-byte frame would fill the ring 200 times
 * faster. Nothing outside a program reads it, but it is pinned by name all
 * the same, so the TC and XDP objects share one (16 KiB per possible CPU)
 * instead of holding one each. Sharing it is safe as sharing it among one
 * object's programs already is: it is used from the lookup to
 * bpf_ringbuf_output only, with no helper between that runs another
 * program, and the programs that use it (XDP, TC ingress and egress) run
 * in softirq or with bottom halves off, so two never interleave on one
 * CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_ring_buf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vtap_rscratch SEC(".maps");

/* How a record's output went */
enum vtap_ring_out { VTAP_RING_OUT = 0, VTAP_RING_NO_ROOM, VTAP_RING_NO_READ };

/* The header of a record of n bytes of ctx's frame, copied as r says. */
static __always_inline void vtap_ring_head(struct vtap_ring_rec *h, const struct vtap_ctx *ctx,
					   const struct vtap_copy *r, __u32 n)
{
	h->tai_ns = bpf_ktime_get_tai_ns();
	h->policy_id = r->policy_id;
	h->orig_len = ctx->len;
	h->cap_len = n;
	h->ifindex = ctx->ifindex;
	h->sink_ifindex = r->sink_ifindex;
	h->sink_kind = (__u8)r->sink_kind;
	h->dir = ctx->dir;
	h->gso_size = (__u16)vtap_buff_gso_size(ctx->buf);
}

/* Does a record of n bytes of frame fit the ring (vtapd --ring-size)
 * along with the others? A reservation succeeds only while what vtapd has
 * not read yet and the record together fit the ring: one as long as the
 * ring only when it is empty. vtapd reads before a quarter of the ring
 * fills (user/sinks/pace.h), so a record of a quarter at most. */
static __always_inline bool vtap_ring_fits(__u32 n)
{
	return VTAP_RING_REC_BYTES(n) <= bpf_ringbuf_query(&VTAP_MAP_RING, BPF_RB_RING_SIZE) / 4;
}

/* A copy of n bytes, VTAP_RING_PIECE < n <= VTAP_RING_COPY_MAX (a GSO
 * super-frame): reserved in the ring at its size (a dynptr reservation may
 * have any size) and read straight into it, one piece of constant size at
 * a time, the last piece ending at n (it may read again bytes the one
 * before read: no tail of odd size to bound). One copy of the bytes, none
 * through the scratch buffer. */
static __always_inline enum vtap_ring_out vtap_ring_copy_long(const struct vtap_ctx *ctx,
							      const struct vtap_copy *r, __u32 n)
{
	struct vtap_ring_rec *h;
	struct bpf_dynptr d;
	__u32 off = 0;
	__u8 *p;

	if (bpf_ringbuf_reserve_dynptr(&VTAP_MAP_RING, sizeof(*h) + n, 0, &d)) {
		bpf_ringbuf_discard_dynptr(&d, 0); /* the verifier wants it released */
		return VTAP_RING_NO_ROOM;
	}
	h = bpf_dynptr_data(&d, 0, sizeof(*h));
	if (!h)
		goto fail;
	vtap_ring_head(h, ctx, r, n);
	for (__u32 i = 0; i < (VTAP_RING_COPY_MAX + VTAP_RING_PIECE - 1) / VTAP_RING_PIECE; i++) {
		if (off + VTAP_RING_PIECE > n)
			off = n - VTAP_RING_PIECE;
		p = bpf_dynptr_data(&d, sizeof(*h) + off, VTAP_RING_PIECE);
		if (!p || vtap_ctx_load_bytes(ctx, off, p, VTAP_RING_PIECE))
			goto fail;
		off += VTAP_RING_PIECE;
		if (off >= n) {
			bpf_ringbuf_submit_dynptr(&d, 0);
			return VTAP_RING_OUT;
		}
	}
fail:
	bpf_ringbuf_discard_dynptr(&d, 0);
	return VTAP_RING_NO_READ;
}

/* Copy the frame into the ring as cp says (vtap_plan) and count it in c: a
 * copy, or a copy failure (ring full counted apart, so an overflow is never
 * silent). */
static __always_inline void vtap_ring_copy(const struct vtap_ctx *ctx, const struct vtap_copy *r,
					   struct vtap_counters *c)
{
	struct vtap_ring_buf *b;
	__u32 zero = 0, n = ctx->len;
	enum vtap_ring_out err;
	__u64 len;

	if (r->snaplen && n > r->snaplen)
		n = r->snaplen;
	if (n > VTAP_RING_COPY_MAX)
		n = VTAP_RING_COPY_MAX;
	/* an ovs monitor's copy leaves by AF_XDP TX in one UMEM frame of 4
	 * KiB (user/sinks/xsk_tx.c): reserving more would only waste ring.
	 * Not a GSO super-frame's, which vtapd cuts into segments */
	if (r->sink_kind == VTAP_SINK_VLAN && n > VTAP_RING_PIECE && !vtap_buff_gso_size(ctx->buf))
		n = VTAP_RING_PIECE;
	/* no sink: the monitor is not set up (or gone), as on the TC path */
	if (!r->sink_ifindex || n < VTAP_ETH_HLEN) {
		c->copy_fail++;
		return;
	}
	if (n > VTAP_RING_PIECE) {
		err = vtap_ring_copy_long(ctx, r, n);
		goto counted;
	}
	b = bpf_map_lookup_elem(&vtap_rscratch, &zero);
	if (!b) {
		c->copy_fail++;
		return;
	}
	vtap_ring_head(&b->rec, ctx, r, n);
	len = n;
	/* the length the helper gets, bounded where the verifier sees it:
	 * the compiler's clamp above may be on another register */
	asm volatile("%[len] &= %[mask]" : [len] "+r"(len) : [mask] "i"(2 * VTAP_RING_PIECE - 1));
	if (len < VTAP_ETH_HLEN || len > VTAP_RING_PIECE) {
		c->copy_fail++;
		return;
	}
	err = VTAP_RING_NO_READ;
	if (!vtap_ctx_load_bytes(ctx, 0, b->data, (__u32)len))
		err = bpf_ringbuf_output(&VTAP_MAP_RING, b, sizeof(b->rec) + len, 0)
			  ? VTAP_RING_NO_ROOM
			  : VTAP_RING_OUT;
counted:
	if (err != VTAP_RING_OUT) {
		if (err == VTAP_RING_NO_ROOM)
			c->ring_full++;
		c->copy_fail++;
		return;
	}
	c->copies++;
	c->copy_bytes += ctx->len;
}

#endif
