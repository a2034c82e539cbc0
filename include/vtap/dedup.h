/* SPDX-License-Identifier: GPL-2.0 */
/* One copy per frame: a frame tapped leaving VM A (out) and again entering
 * VM B (in) on the same host reaches a monitor once. For the copy step
 * (copy_plan.h) of the BPF taps and of vtap-dpdk.
 *
 * A copy leaves a fingerprint in a table every CPU shares (vtap_dedup:
 * buckets of four slots, the oldest replaced): the frame's fingerprint
 * mixed with its monitor, where it was tapped (port, direction) and when.
 * Four ways, not one: between a frame's two taps other frames are tapped
 * (a veth runs XDP on a batch of up to 64 frames before the stack takes
 * any of them on), and in a direct-mapped table one of them would replace
 * its fingerprint now and then. A later copy with the same fingerprint,
 * tapped at another port or direction within VTAP_DEDUP_WINDOW_NS, is the
 * same frame seen again: not sent, counted `deduplicated`. The same bytes
 * at the same tap point are another frame (a VM may send a frame twice).
 * Nothing is written on the frame itself (skb->mark and skb->priority stay
 * the original's), so it works across hooks (XDP out, TC in), where no skb
 * metadata would survive, and in vtap-dpdk.
 *
 * The fingerprint covers what forwarding on the host does not change: the
 * L3 length; the IP header without TTL / hop limit and the IPv4 checksum
 * (a router between the VMs changes those), so its addresses, protocol,
 * IPv4 identification and fragment field, IPv6 flow label and payload
 * length; and the first 20 bytes of the L4 header (TCP: ports, sequence and
 * acknowledgement numbers, flags, window, checksum; UDP: ports, length,
 * checksum and 12 bytes of payload). A non-IP frame: its first 64 bytes
 * after the Ethernet header and tags. MAC addresses and VLAN tags are left
 * out: a router rewrites the first, and the taps see the second differently
 * (TC holds the outer tag outside the frame, XDP does not). */
#ifndef VTAP_DEDUP_H
#define VTAP_DEDUP_H

#include "compat.h"
#include "map_types.h"
#include "parse.h"
#include "headers_len.h"

/* How long a copy's fingerprint stands for "this frame was copied". The
 * eBPF taps of one frame run microseconds apart (in one softirq when the
 * host bridges or routes it), but vtap-dpdk's lcore sees the frame again
 * only after the kernel has carried it from one wire to the other, and a
 * busy host takes the lcore off its CPU for milliseconds. What the window
 * must keep apart is another frame with the same fingerprint seen first at
 * the other tap point: its IP identification, TCP sequence numbers and
 * checksum equal to an earlier frame's — a retransmission — which comes
 * after a retransmission timeout (200 ms at least, Linux). */
#define VTAP_DEDUP_WINDOW_NS 50000000ULL
#define VTAP_GOLDEN	     0x9e3779b97f4a7c15ULL

/* 8 (or 4) bytes at p as one word, in the host's order: the same bytes
 * give the same word on both sides of a comparison, which is all a
 * fingerprint needs. No alignment assumed. */
static __always_inline __u64 vtap_rd64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static __always_inline __u64 vtap_rd32(const __u8 *p)
{
	__u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static __always_inline __u64 vtap_fp_mix(__u64 h, __u64 w)
{
	return (h ^ w) * VTAP_GOLDEN;
}

/* The masks of the bytes a router changes, in a word read by vtap_rd64
 * (byte i of memory is bits 8i..8i+7 of the word):
 * IPv4 bytes 8..15 are TTL, protocol, checksum (2), source address (4);
 * IPv6 bytes 0..7 end with the hop limit. */
#define VTAP_FP_BYTE(i)	(((__u64)0xff) << (8 * (i)))
#define VTAP_FP_V4_MASK (~(VTAP_FP_BYTE(0) | VTAP_FP_BYTE(2) | VTAP_FP_BYTE(3)))
#define VTAP_FP_V6_MASK (~VTAP_FP_BYTE(7))
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the fingerprint's masks are written for little-endian words"
#endif

/* The fingerprint of a frame (its linear part data..data_end, len bytes in
 * all, parsed into pkt). Reads only what the parse found in the linear part
 * (the L4 header's first 20 bytes when there, else its first 8), so both
 * taps of one frame read the same bytes. */
static __always_inline __u64 vtap_frame_fp(const void *data_start, const void *data_end,
					   const struct vtap_pkt *pkt, __u32 len)
{
	const __u8 *data = (const __u8 *)data_start, *end = (const __u8 *)data_end;
	__u32 l2 = VTAP_ETH_HLEN + (__u32)pkt->n_vlans * VTAP_VLAN_HLEN;
	const __u8 *l3 = data + (l2 & VTAP_UL_OFF_MASK);
	const __u8 *l4 = data + (pkt->ul_off & VTAP_UL_OFF_MASK);
	__u64 h = (__u64)(len - l2) * VTAP_GOLDEN;
	int i;

	if (pkt->ul_off && (pkt->flags & VTAP_PF_IPV6)) {
		if (l3 + 40 > end)
			return h;
		h = vtap_fp_mix(h, vtap_rd64(l3) & VTAP_FP_V6_MASK);
		VTAP_UNROLL
		for (i = 1; i < 5; i++)
			h = vtap_fp_mix(h, vtap_rd64(l3 + 8 * i));
	} else if (pkt->ul_off) {
		if (l3 + 20 > end)
			return h;
		h = vtap_fp_mix(h, vtap_rd64(l3));
		h = vtap_fp_mix(h, vtap_rd64(l3 + 8) & VTAP_FP_V4_MASK);
		h = vtap_fp_mix(h, vtap_rd32(l3 + 16));
	} else {
		VTAP_UNROLL
		for (i = 0; i < 8; i++) {
			if (l3 + 8 * i + 8 > end)
				break;
			h = vtap_fp_mix(h, vtap_rd64(l3 + 8 * i));
		}
		return h ^ (h >> 31);
	}
	if (l4 + 20 <= end) {
		h = vtap_fp_mix(h, vtap_rd64(l4));
		h = vtap_fp_mix(h, vtap_rd64(l4 + 8));
		h = vtap_fp_mix(h, vtap_rd32(l4 + 16));
	} else if (l4 + 8 <= end) {
		h = vtap_fp_mix(h, vtap_rd64(l4));
	}
	return h ^ (h >> 31);
}

/* The fingerprint as one monitor sees it: the copies of one frame to two
 * monitors are two copies. session: what tells the monitor's sessions apart
 * (0 for a plain port: every policy's copies look alike there). */
static __always_inline __u64 vtap_dedup_key(__u64 fp, __u32 sink_ifindex, __u32 sink_kind,
					    __u32 session)
{
	__u64 m = ((__u64)sink_ifindex << 32 | (__u64)sink_kind << 24 | session) * VTAP_GOLDEN;

	return fp ^ (m ^ (m >> 29));
}

/* Whether bucket b says the frame (key) was copied already, from another
 * tap point, within the window; else which of its slots the copy is to
 * take (*take: the frame's own slot if there, else the oldest). */
static __always_inline int vtap_dedup_seen(const struct vtap_dedup_bucket *b, __u64 key,
					   __u64 now, __u32 ifindex, __u8 dir, int *take)
{
	__u64 oldest = ~0ULL;
	int i;

	*take = 0;
	VTAP_UNROLL
	for (i = 0; i < VTAP_DEDUP_WAYS; i++) {
		const struct vtap_dedup_slot *s = &b->s[i];

		if (s->key == key) {
			if (now - s->ts < VTAP_DEDUP_WINDOW_NS &&
			    (s->ifindex != ifindex || s->dir != dir))
				return 1;
			*take = i;
			return 0;
		}
		if (s->ts < oldest) {
			oldest = s->ts;
			*take = i;
		}
	}
	return 0;
}

static __always_inline void vtap_dedup_note(struct vtap_dedup_bucket *b, int slot, __u64 key,
					    __u64 now, __u32 ifindex, __u8 dir)
{
	struct vtap_dedup_slot *s = &b->s[slot & (VTAP_DEDUP_WAYS - 1)];

	s->key = key;
	s->ts = now;
	s->ifindex = ifindex;
	s->dir = dir;
}

#endif
