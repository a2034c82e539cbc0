// SPDX-License-Identifier: GPL-2.0
/* The XDP tap: frames a VM sends (direction out) on its host-side port,
 * before any skb exists. The same parse/classify/count path as the TC tap
 * (vtap_tap.h); copies go to the ring buffer vtapd drains (vtap_ring.h),
 * since XDP cannot clone a frame to a device. The original always goes on.
 *
 * xdp.frags: the program takes multi-buffer frames, so attaching it does
 * not cap the VM side's MTU near 3.5 KB (a veth refuses a peer MTU larger
 * than one page unless the program has frags support). Headers are parsed
 * in the first buffer; the copy reads across buffers (bpf_xdp_load_bytes). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vtap_ring.h"

SEC("xdp.frags")
int vtap_xdp_out(struct xdp_md *xdp)
{
	struct vtap_global_counters *gc = vtap_global_stats();
	struct vtap_counters *c = NULL;
	const struct vtap_rule *r;
	struct vtap_ctx ctx;
	struct vtap_pkt pkt;

	ctx.data = (void *)(long)xdp->data;
	ctx.data_end = (void *)(long)xdp->data_end;
	vtap_parse(ctx.data, ctx.data_end, &pkt);
	/* XDP sees the frame as sent: a VLAN tag is still in the data (the
	 * stack has not taken it out yet), where the parser finds it */
	ctx.len = (__u32)bpf_xdp_get_buff_len(xdp);
	ctx.ifindex = xdp->ingress_ifindex;
	ctx.dir = VTAP_DIR_OUT;

	r = vtap_tap(&ctx, &pkt, gc, &c);
	if (r)
		vtap_ring_copy(xdp, true, &ctx, r, c);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
