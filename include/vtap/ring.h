/* SPDX-License-Identifier: GPL-2.0 */
/* Copies through a BPF ring buffer (BPF_MAP_TYPE_RINGBUF): what the XDP tap
 * writes for each copy and vtapd reads in batches. Shared by the BPF side
 * (bpf/vtap_ring.h) and user space (user/ring.c). */
#ifndef VTAP_RING_H
#define VTAP_RING_H

#include <vtap/types.h>

/* Pinned like the other maps, so a tap left attached by `vtapd --keep`
 * keeps writing where the next vtapd reads. */
#define VTAP_MAP_RING vtap_ring

/* Default and bounds of the ring's size (bytes, a power of two, at least a
 * page): 4 MiB holds about 40000 copies of 64-byte frames. */
#define VTAP_RING_SIZE_DEFAULT (4u << 20)
#define VTAP_RING_SIZE_MIN     4096u
#define VTAP_RING_SIZE_MAX     (1u << 30)

/* Longest copy a record carries: a 9000-byte jumbo frame with tags fits.
 * Longer frames (GSO-sized, XDP frags) are cut, and the record keeps
 * their original length (pcapng shows it). A power of two: the BPF side
 * bounds the copy length with it. */
#define VTAP_RING_COPY_MAX 16384u

/* One copy: this header, then cap_len bytes of the frame. */
struct vtap_ring_rec {
	__u64 tai_ns;	    /* bpf_ktime_get_tai_ns() when copied */
	__u32 policy_id;    /* the session */
	__u32 orig_len;	    /* the frame's whole length */
	__u32 cap_len;	    /* bytes that follow: min(orig_len, snaplen, COPY_MAX) */
	__u32 ifindex;	    /* port the frame was seen on */
	__u32 sink_ifindex; /* the rule's sink (vtapd finds the monitor by policy id) */
	__u8 sink_kind;	    /* enum vtap_sink_kind */
	__u8 dir;	    /* VTAP_DIR_OUT or VTAP_DIR_IN */
	__u16 pad;
};

#endif
