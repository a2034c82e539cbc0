/* SPDX-License-Identifier: GPL-2.0 */
/* One copy per frame: a frame tapped leaving VM A (out) and again entering
 * VM B (in) on the same host reaches a monitor once. For the copy step
 * (copy_plan.h) of the BPF taps and of vtap-dpdk.
 *
 * A copy leaves a fingerprint in a table every CPU shares (vtap_dedup:
 * buckets of four 16-byte slots, one cache line, the oldest replaced): the
 * frame's fingerprint mixed with its monitor, where it was tapped (port,
 * direction) and when (vtap_dedup_time: about a microsecond, 32 bits).
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
#include "abi.h"
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
#define VTAP_FP_BYTE(i) (((__u64)0xff) << (8 * (i)))
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

/* A slot's time: nanoseconds >> 10 (1.024 us), 32 bits, so it wraps every
 * 2^42 ns (73.3 minutes). Ages are differences modulo 2^32, so a wrap
 * between two copies changes nothing; only an age of 73 minutes or more
 * reads as that age minus a multiple of 73 minutes. That could make a
 * false match only if a slot with the same 64-bit key (the same frame
 * fingerprint for the same monitor) was written at another tap point k *
 * 73.3 minutes (k >= 1) earlier, to within the 50 ms window, and stayed in
 * its bucket untouched all that time: a bucket that four other copies
 * reached in those 73 minutes has replaced it. A frame with the same
 * fingerprint (the same IP identification, TCP sequence numbers and
 * checksum) that long after, at exactly that distance, with its bucket
 * idle meanwhile, is not traffic that happens; were it to, one copy would
 * be counted `deduplicated` instead of sent. The other effect of a wrap
 * is on which slot a new copy takes: a slot idle for more than 36 minutes
 * can look younger than the others (an age of 2^31 units or more reads as
 * a slot another CPU wrote after we read the clock: the youngest, as the
 * 64-bit times had it) and one of them is replaced instead, which at worst
 * lets a frame's second copy through (as any replacement can). The
 * window is compared in the same units (48828, so 49.99987 ms, and ages are
 * whole units: a copy's age is read to within one unit, 1 us, of its
 * nanoseconds, on the clock the caller read: the BPF taps read the kernel's
 * coarse clock, one timer tick per step (admit.h), vtap-dpdk the precise
 * one). */
#define VTAP_DEDUP_TIME_SHIFT 10
#define VTAP_DEDUP_WINDOW_T   ((__u32)(VTAP_DEDUP_WINDOW_NS >> VTAP_DEDUP_TIME_SHIFT))

static __always_inline __u32 vtap_dedup_time(__u64 now_ns)
{
	return (__u32)(now_ns >> VTAP_DEDUP_TIME_SHIFT);
}

/* Where a copy was tapped, in one word: the port's ifindex (a Linux ifindex
 * is at most 2^31 - 1, the kernel allocates them below that; vtap-dpdk's
 * ports are 0x40000000 + n or an ifindex) and, in the top bit, the
 * direction's low bit (a frame has exactly one direction: in, 1, or out, 2). */
static __always_inline __u32 vtap_dedup_where(__u32 ifindex, __u8 dir)
{
	return (ifindex & 0x7fffffffu) | ((__u32)dir & 1) << 31;
}

/* Whether bucket b says the frame (key) was copied already, from another
 * tap point, within the window; else which of its slots the copy is to
 * take (*take): the frame's own if there, else the first empty one (key
 * 0; the first from the key's starting slot, below), else the oldest: the
 * one whose time is furthest before now, read as a signed 32-bit
 * difference (a slot another CPU wrote after we read the clock is "after
 * now", the youngest, as it was with 64-bit times). now:
 * vtap_dedup_time(); where: vtap_dedup_where(). */
static __always_inline int vtap_dedup_seen(const struct vtap_dedup_bucket *b, __u64 key, __u32 now,
					   __u32 where, int *take)
{
	__s32 oldest = 0x7fffffff, rel;
	/* Where the search starts: bits of the key the bucket index does not
	 * use. Slots of equal age (written in one tick of the BPF taps' coarse
	 * clock) go to the first of them from there, so a busy bucket replaces
	 * its four slots about evenly, not its first one over and over. */
	int i, j, first = (int)(key >> 40) & (VTAP_DEDUP_WAYS - 1);

	*take = first;
	VTAP_UNROLL
	for (i = 0; i < VTAP_DEDUP_WAYS; i++) {
		const struct vtap_dedup_slot *s;

		j = (first + i) & (VTAP_DEDUP_WAYS - 1);
		s = &b->s[j];
		if (s->key == key) {
			if (now - s->t < VTAP_DEDUP_WINDOW_T && s->where != where)
				return 1;
			*take = j;
			return 0;
		}
		rel = s->key ? (__s32)(s->t - now) : (__s32)0x80000000; /* empty: the oldest */
		if (rel < oldest) {
			oldest = rel;
			*take = j;
		}
	}
	return 0;
}

static __always_inline void vtap_dedup_note(struct vtap_dedup_bucket *b, int slot, __u64 key,
					    __u32 now, __u32 where)
{
	struct vtap_dedup_slot *s = &b->s[slot & (VTAP_DEDUP_WAYS - 1)];

	s->key = key;
	s->t = now;
	s->where = where;
}

#endif
