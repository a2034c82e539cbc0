// SPDX-License-Identifier: GPL-2.0
/* Benchmark only (tests/bench/bench_classify_parts.c): the classifier's
 * steps one at a time over vtap's own pinned maps, each repeated
 * PARTS_REPEAT times per run so BPF_PROG_TEST_RUN's per-run overhead
 * divides away. The frame's classifier inputs come from `parts_pkt`
 * (written by the benchmark); the frame handed to the test run is unused.
 * Never attached by vtapd. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vtap_classify_be.h"

#define PARTS_REPEAT 8

struct vtap_pkt parts_pkt;
__u32 parts_epoch;
__u32 parts_ifindex;
__u32 parts_sink; /* results land here, so no step is optimised away */

static __always_inline const struct vtap_gen *parts_gen(__u32 *gen)
{
	return vtap_be_gen(parts_epoch, gen);
}

/* the address table of side (0 VM side = source, 1 peer = destination) */
static __always_inline int parts_addr(int side)
{
	const __u8 *a = side ? parts_pkt.daddr : parts_pkt.saddr;
	__u32 fi = parts_pkt.flags & VTAP_PF_IPV6 ? 1 : 0, gen, acc = 0;
	const struct vtap_gen *g = parts_gen(&gen);
	int i;

	if (!g)
		return -1;
	for (i = 0; i < PARTS_REPEAT; i++)
		acc += vtap_pfx_lookup(parts_epoch, g, gen, side, fi, vtap_be64(a),
				       vtap_be64(a + 8));
	parts_sink = acc;
	return -1;
}

SEC("tc")
int parts_src(struct __sk_buff *skb)
{
	return parts_addr(0);
}

SEC("tc")
int parts_dst(struct __sk_buff *skb)
{
	return parts_addr(1);
}

/* the (port, direction) hash lookup */
SEC("tc")
int parts_port(struct __sk_buff *skb)
{
	__u32 gen, idx, acc = 0;
	int i;

	if (!parts_gen(&gen))
		return -1;
	for (i = 0; i < PARTS_REPEAT; i++)
		if (!vtap_be_port(parts_epoch, gen, parts_ifindex, VTAP_DIR_OUT, &idx))
			acc += idx;
	parts_sink = acc;
	return -1;
}

/* the whole classifier, once per run: lookups, summaries, word ANDs */
SEC("tc")
int parts_classify(struct __sk_buff *skb)
{
	__u32 gen;

	parts_sink = (__u32)vtap_classify(parts_epoch, &parts_pkt, parts_ifindex, VTAP_DIR_OUT,
					  &gen);
	return -1;
}

char LICENSE[] SEC("license") = "GPL";
