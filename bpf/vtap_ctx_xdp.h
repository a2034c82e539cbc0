/* SPDX-License-Identifier: GPL-2.0 */
/* The context layer (vtap_ctx.h) for XDP programs: struct xdp_md, with
 * frags (multi-buffer frames: the first buffer is the linear part). */
#ifndef VTAP_BPF_CTX_XDP_H
#define VTAP_BPF_CTX_XDP_H

#ifdef VTAP_CTX_HOOK
#error "one context layer per program: vtap_ctx_skb.h is already included"
#endif
#define VTAP_CTX_HOOK VTAP_CTX_XDP
#define VTAP_CTX_XDP  2

#define vtap_buff xdp_md

static __always_inline void *vtap_buff_data(const struct xdp_md *xdp)
{
	return (void *)(long)xdp->data;
}

static __always_inline void *vtap_buff_data_end(const struct xdp_md *xdp)
{
	return (void *)(long)xdp->data_end;
}

/* every buffer of a multi-buffer frame */
static __always_inline __u32 vtap_buff_len(struct xdp_md *xdp)
{
	return (__u32)bpf_xdp_get_buff_len(xdp);
}

static __always_inline __u32 vtap_buff_ifindex(const struct xdp_md *xdp)
{
	return xdp->ingress_ifindex;
}

/* reads across buffers */
static __always_inline long vtap_buff_load_bytes(struct xdp_md *xdp, __u32 off, void *to, __u32 len)
{
	return bpf_xdp_load_bytes(xdp, off, to, len);
}

/* XDP sees every tag in the frame. */
static __always_inline __u32 vtap_buff_tag_outside(const struct xdp_md *xdp)
{
	(void)xdp;
	return 0;
}

/* XDP sees frames as the wire carries them: no GSO. */
static __always_inline __u32 vtap_buff_gso_size(const struct xdp_md *xdp)
{
	(void)xdp;
	return 0;
}

#include "vtap_ctx.h"

/* Headers are parsed in the first buffer (nothing to pull at XDP). XDP sees
 * the frame as sent: a VLAN tag is still in the data (the stack has not
 * taken it out yet), where the parser finds it. */
static __always_inline void vtap_buff_parse(struct vtap_ctx *ctx, struct vtap_pkt *pkt,
					    struct vtap_global_counters *gc)
{
	(void)gc;
	vtap_parse(ctx->data, ctx->data_end, pkt);
}

#endif
