/* SPDX-License-Identifier: GPL-2.0 */
/* The context layer, cilium's way: the tap (vtap_tap.h) and its ring copy
 * (vtap_ring.h) are written once against struct vtap_buff, the hook's own
 * context, and compiled per program for its hook. A TC program includes
 * vtap_ctx_skb.h (struct __sk_buff), an XDP program vtap_ctx_xdp.h (struct
 * xdp_md), before any other vtap header. Each hook header defines:
 *   struct vtap_buff                       the hook's context type
 *   vtap_buff_data(b), vtap_buff_data_end(b)  the linear part's bounds
 *   vtap_buff_len(b)                       the whole frame's length
 *   vtap_buff_ifindex(b)                   the port the frame is seen on
 *   vtap_buff_load_bytes(b, off, to, n)    n bytes of the frame from off,
 *                                          linear or not (0 or -errno)
 *   vtap_buff_tag_outside(b)               bytes of a VLAN tag held outside
 *                                          the frame's data (TC: 4 or 0)
 *   vtap_buff_gso_size(b)                  a GSO super-frame's segment size
 *                                          (TC), else 0
 * then includes this file, and after it defines
 *   vtap_buff_parse(ctx, pkt, gc)          the parse of ctx's linear part,
 *                                          with what only the hook knows:
 *                                          where the stack keeps a VLAN tag,
 *                                          whether headers can be made linear
 * Nothing is decided at run time: each program has one hook. */
#ifndef VTAP_BPF_CTX_H
#define VTAP_BPF_CTX_H

#ifndef VTAP_CTX_HOOK
#error "include vtap_ctx_skb.h or vtap_ctx_xdp.h first: the context layer is chosen per program"
#endif

#include <vtap/parse.h>
#include <vtap/map_types.h>

/* One frame as the hook-independent code sees it. */
struct vtap_ctx {
	struct vtap_buff *buf; /* the hook's context */
	void *data;	       /* the frame's linear part, as parsed */
	void *data_end;
	__u32 len; /* whole frame, including what is not linear */
	__u32 ifindex;
	__u8 dir; /* VTAP_DIR_IN or VTAP_DIR_OUT: the program's hook says */
};

static __always_inline void vtap_buff_parse(struct vtap_ctx *ctx, struct vtap_pkt *pkt,
					    struct vtap_global_counters *gc);

/* The frame of buf, seen in direction dir (the program's hook says),
 * parsed into pkt: what the tap and the ring copy work on. */
static __always_inline void vtap_ctx_frame(struct vtap_ctx *ctx, struct vtap_buff *buf, __u8 dir,
					   struct vtap_pkt *pkt, struct vtap_global_counters *gc)
{
	ctx->buf = buf;
	ctx->dir = dir;
	ctx->data = vtap_buff_data(buf);
	ctx->data_end = vtap_buff_data_end(buf);
	vtap_buff_parse(ctx, pkt, gc);
	/* read after the parse, which then has the registers to itself */
	ctx->len = vtap_buff_len(buf);
	ctx->ifindex = vtap_buff_ifindex(buf);
}

/* The packet pointers again, after a helper that may move the frame's data
 * (the verifier forgets the old ones). */
static __always_inline void vtap_ctx_reload(struct vtap_ctx *ctx)
{
	ctx->data = vtap_buff_data(ctx->buf);
	ctx->data_end = vtap_buff_data_end(ctx->buf);
}

static __always_inline long vtap_ctx_load_bytes(const struct vtap_ctx *ctx, __u32 off, void *to,
						__u32 len)
{
	return vtap_buff_load_bytes(ctx->buf, off, to, len);
}

#endif
