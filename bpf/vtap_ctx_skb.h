/* SPDX-License-Identifier: GPL-2.0 */
/* The context layer (vtap_ctx.h) for TC programs: struct __sk_buff. */
#ifndef VTAP_BPF_CTX_SKB_H
#define VTAP_BPF_CTX_SKB_H

#ifdef VTAP_CTX_HOOK
#error "one context layer per program: vtap_ctx_xdp.h is already included"
#endif
#define VTAP_CTX_HOOK VTAP_CTX_SKB
#define VTAP_CTX_SKB  1

#define vtap_buff __sk_buff

static __always_inline void *vtap_buff_data(const struct __sk_buff *skb)
{
	return (void *)(long)skb->data;
}

static __always_inline void *vtap_buff_data_end(const struct __sk_buff *skb)
{
	return (void *)(long)skb->data_end;
}

static __always_inline __u32 vtap_buff_len(const struct __sk_buff *skb)
{
	return skb->len;
}

static __always_inline __u32 vtap_buff_ifindex(const struct __sk_buff *skb)
{
	return skb->ifindex;
}

static __always_inline long vtap_buff_load_bytes(struct __sk_buff *skb, __u32 off, void *to,
						 __u32 len)
{
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* The bytes of a VLAN tag the stack holds outside the frame (skb->vlan_tci):
 * 4 when it does, else 0. */
static __always_inline __u32 vtap_buff_tag_outside(const struct __sk_buff *skb)
{
	return skb->vlan_present ? 4 : 0;
}

/* A GSO super-frame's segment size (the payload bytes of each wire-sized
 * segment it stands for), 0 for a frame as the wire carries it. */
static __always_inline __u32 vtap_buff_gso_size(const struct __sk_buff *skb)
{
	return skb->gso_size;
}

#include "vtap_ctx.h"

/* Bytes made linear before parsing: Ethernet, two VLAN tags, IPv6 and some
 * extension headers, and the L4 ports. Deeper headers classify as L3 only. */
#define VTAP_PULL_LEN 192

static __always_inline void vtap_buff_parse(struct vtap_ctx *ctx, struct vtap_pkt *pkt,
					    struct vtap_global_counters *gc)
{
	struct __sk_buff *skb = ctx->buf;

	vtap_parse(ctx->data, ctx->data_end, pkt);
	/* Headers cut by the end of the linear part, not of the frame: make
	 * them linear and parse again. Only then: pulling reallocates the
	 * head of a cloned skb (every TCP segment), which most frames, whose
	 * headers are linear, must not pay for. */
	if ((pkt->flags & VTAP_PF_MALFORMED) && ctx->data_end - ctx->data < skb->len) {
		__u32 want = skb->len < VTAP_PULL_LEN ? skb->len : VTAP_PULL_LEN;

		if (bpf_skb_pull_data(skb, want)) {
			if (gc)
				gc->pull_fail++;
		} else {
			vtap_ctx_reload(ctx);
			vtap_parse(ctx->data, ctx->data_end, pkt);
		}
	}
	/* The stack took the outer VLAN tag out of the frame (receive path,
	 * or TX offload on the way out): it is in the skb, and a tag still in
	 * the data is the inner one. */
	if (skb->vlan_present)
		pkt->vlan = skb->vlan_tci & 0x0fff;
}

#endif
