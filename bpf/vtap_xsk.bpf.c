// SPDX-License-Identifier: GPL-2.0
/* XDP on the peer of a capture (or OVS-DPDK) sink veth: every frame that
 * arrives is a copy sent by the sink program; hand it to the AF_XDP socket
 * bound to its receive queue. Counted: received, redirected, and dropped
 * for want of a socket (vtapd not reading: stopped, or restarting). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <vtap/abi.h>
#include <vtap/map_types.h>

#define VTAP_XSK_MAX_QUEUES 64

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, VTAP_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} vtap_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_xsk_counters);
} vtap_xsk_stats SEC(".maps");

SEC("xdp")
int vtap_xsk(struct xdp_md *ctx)
{
	__u32 zero = 0, q = ctx->rx_queue_index;
	struct vtap_xsk_counters *c = bpf_map_lookup_elem(&vtap_xsk_stats, &zero);
	long act;

	struct vtap_xsk_meta *meta;
	void *data;

	if (c)
		c->received++;
	/* the arrival time goes with the frame, in its metadata: vtapd reads
	 * frames in batches, later */
	if (!bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta))) {
		meta = (void *)(long)ctx->data_meta;
		data = (void *)(long)ctx->data;
		if ((void *)(meta + 1) <= data)
			meta->tai_ns = bpf_ktime_get_tai_ns();
	}
	/* XDP_ABORTED as the fallback would hide the drop in a tracepoint:
	 * the lookup says whether a socket is there, and the drop is ours */
	if (!bpf_map_lookup_elem(&vtap_xsks, &q)) {
		if (c)
			c->no_socket++;
		return XDP_DROP;
	}
	act = bpf_redirect_map(&vtap_xsks, q, XDP_DROP);
	if (c) {
		if (act == XDP_REDIRECT)
			c->redirected++;
		else
			c->no_socket++;
	}
	return (int)act;
}

char LICENSE[] SEC("license") = "GPL";
