// SPDX-License-Identifier: GPL-2.0
/* The TC tap: clsact ingress (frames the VM sends, direction out) and egress
 * (frames it receives, direction in) of a VM's host-side port, and the sink
 * program on the egress of every local sink. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vtap_tap.h"

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Bytes made linear before parsing: Ethernet, two VLAN tags, IPv6 and some
 * extension headers, and the L4 ports. Deeper headers classify as L3 only. */
#define VTAP_PULL_LEN 192

static __always_inline int vtap_tc(struct __sk_buff *skb, __u8 dir)
{
	struct vtap_global_counters *gc = vtap_global_stats();
	struct vtap_counters *c = NULL;
	const struct vtap_rule *r;
	struct vtap_ctx ctx;
	struct vtap_pkt pkt;
	__u32 mark = skb->mark;
	long ret;

	if ((mark & VTAP_COPY_MAGIC_MASK) == VTAP_COPY_MAGIC) {
		if (gc)
			gc->copies_seen++; /* a copy is never copied again */
		return TC_ACT_UNSPEC;
	}
	ctx.data = (void *)(long)skb->data;
	ctx.data_end = (void *)(long)skb->data_end;
	vtap_parse(ctx.data, ctx.data_end, &pkt);
	/* Headers cut by the end of the linear part, not of the frame: make
	 * them linear and parse again. Only then: pulling reallocates the
	 * head of a cloned skb (every TCP segment), which most frames, whose
	 * headers are linear, must not pay for. */
	if ((pkt.flags & VTAP_PF_MALFORMED) && ctx.data_end - ctx.data < skb->len) {
		__u32 want = skb->len < VTAP_PULL_LEN ? skb->len : VTAP_PULL_LEN;

		if (bpf_skb_pull_data(skb, want)) {
			if (gc)
				gc->pull_fail++;
		} else {
			ctx.data = (void *)(long)skb->data;
			ctx.data_end = (void *)(long)skb->data_end;
			vtap_parse(ctx.data, ctx.data_end, &pkt);
		}
	}
	/* The stack took the outer VLAN tag out of the frame (receive path,
	 * or TX offload on the way out): it is in the skb, and a tag still in
	 * the data is the inner one. */
	if (skb->vlan_present)
		pkt.vlan = skb->vlan_tci & 0x0fff;
	ctx.len = skb->len;
	ctx.ifindex = skb->ifindex;
	ctx.dir = dir;

	r = vtap_tap(&ctx, &pkt, gc, &c);
	if (!r)
		return TC_ACT_UNSPEC;

	/* The clone carries the copy mark (and its snaplen, applied by the sink
	 * program); the original gets its own mark back. */
	skb->mark = VTAP_COPY_MAGIC | (r->snaplen & 0xffff);
	ret = bpf_clone_redirect(skb, r->sink_ifindex, 0);
	skb->mark = mark;
	if (ret) {
		c->copy_fail++;
	} else {
		c->copies++;
		c->copy_bytes += ctx.len;
	}
	/* Never disturb the original: let the next filter or the stack decide. */
	return TC_ACT_UNSPEC;
}

SEC("tc")
int vtap_tc_out(struct __sk_buff *skb)
{
	return vtap_tc(skb, VTAP_DIR_OUT);
}

SEC("tc")
int vtap_tc_in(struct __sk_buff *skb)
{
	return vtap_tc(skb, VTAP_DIR_IN);
}

/* Egress of a sink: only copies leave through it. Applies the snaplen the
 * tap put in the mark, clears the mark, counts. */
SEC("tc")
int vtap_sink(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct vtap_sink_counters *sc = bpf_map_lookup_elem(&VTAP_MAP_SINKS, &ifindex);
	__u32 mark = skb->mark;
	__u32 snap;

	if ((mark & VTAP_COPY_MAGIC_MASK) != VTAP_COPY_MAGIC) {
		if (sc)
			sc->foreign++;
		return TC_ACT_SHOT;
	}
	skb->mark = 0;
	snap = mark & 0xffff;
	if (snap && skb->len > snap) {
		if (bpf_skb_change_tail(skb, snap, 0)) {
			if (sc)
				sc->trunc_fail++;
		} else if (sc) {
			sc->truncated++;
		}
	}
	if (sc) {
		sc->delivered++;
		sc->delivered_bytes += skb->len;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
