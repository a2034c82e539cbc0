// SPDX-License-Identifier: GPL-2.0
/* The XDP tap: frames a VM sends (direction out) on its host-side port,
 * before any skb exists. The same parse/classify/count path as the TC tap
 * (vtap_tap.h, through the XDP context layer vtap_ctx_xdp.h); copies go to
 * the ring buffer vtapd drains (vtap_ring.h), since XDP cannot clone a
 * frame to a device. The original always goes on.
 *
 * xdp.frags: the program takes multi-buffer frames, so attaching it does
 * not cap the VM side's MTU near 3.5 KB (a veth refuses a peer MTU larger
 * than one page unless the program has frags support). Headers are parsed
 * in the first buffer; the copy reads across buffers (vtap_ctx_xdp.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vtap_ctx_xdp.h"
#include "vtap_ring.h"
#include "vtap_plan.h"

SEC("xdp.frags")
int vtap_xdp_out(struct xdp_md *xdp)
{
	struct vtap_global_counters *gc = vtap_global_stats();
	struct vtap_counters *c = NULL;
	const struct vtap_rule *r;
	struct vtap_copy cp;
	__u32 gen = 0;
	struct vtap_ctx ctx;
	struct vtap_pkt pkt;

	vtap_ctx_frame(&ctx, xdp, VTAP_DIR_OUT, &pkt, gc);
	r = vtap_tap(&ctx, &pkt, gc, &c, &gen);
	if (r && vtap_plan(&ctx, &pkt, r, gen, c, &cp))
		vtap_ring_copy(&ctx, &cp, c);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
