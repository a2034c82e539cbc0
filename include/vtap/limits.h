/* SPDX-License-Identifier: GPL-2.0 */
/* Sizes and limits the BPF programs and user space must agree on: map
 * sizes, the classifier's spaces, the ring's bounds. Numbers only, so any
 * file may include it. */
#ifndef VTAP_LIMITS_H
#define VTAP_LIMITS_H

/* A rule is one policy; its bit position is its priority rank. */
#define VTAP_MAX_RULES	  4096
#define VTAP_BITMAP_WORDS (VTAP_MAX_RULES / 64)
/* Bitmaps per generation; the pool holds two generations. Index 0 of each
 * half is the all-ones bitmap used for fields no rule constrains. */
#define VTAP_POOL_PER_GEN 8192
#define VTAP_POOL_SIZE	  (2 * VTAP_POOL_PER_GEN)
#define VTAP_POOL_ALL	  0    /* offset of the all-ones bitmap in a half */
#define VTAP_MAX_PORTS	  1024 /* (ifindex, direction) entries per generation */
#define VTAP_MAX_PREFIXES 8192 /* distinct prefixes per field and generation */
#define VTAP_MAX_SINKS	  256
/* local monitor ports without a sink program (vtapd --sink-hook nft),
 * each a slot of vtap_bare; a rule names its slot in 8 bits */
#define VTAP_BARE_SLOTS	 256
#define VTAP_MAX_RECV	 1024 /* VNIs of a receive section */
#define VTAP_PORT_SPACE	 65536
#define VTAP_PROTO_SPACE 256
#define VTAP_VLAN_SPACE	 4096 /* vid 0 = untagged */

/* Rule shapes (the set of fields after (port, direction) a rule
 * constrains): the compiler gives the most common shapes a summary slot
 * each; the last slot takes all the others (map_types.h, struct
 * vtap_bitmap). */
#define VTAP_SHAPE_SLOTS 8

/* Monitor groups (include/vtap/group.h): members of a group, groups of a
 * rule set. A vxlan member's copies need a tunnel of their own: vtap_tunnels
 * holds one per policy id, then one per (group, member). */
#define VTAP_GROUP_MAX	16
#define VTAP_MAX_GROUPS 64
#define VTAP_TUNNELS	(VTAP_MAX_RULES + VTAP_MAX_GROUPS * VTAP_GROUP_MAX)

/* One copy per frame (include/vtap/dedup.h): buckets of four fingerprint
 * slots, for all CPUs (64 bytes, one cache line, each). */
#define VTAP_DEDUP_BUCKETS 4096

/* The address tables (vtap_pfx; include/vtap/classify.h): per address
 * field and generation an open-addressing hash table of the prefixes and
 * the markers of a binary search over the prefix lengths present. A lookup
 * reads at most VTAP_PFX_PROBES consecutive slots per length and probes at
 * most VTAP_PFX_STEPS lengths (8 halvings cover the 128 lengths of a
 * family). */
#define VTAP_PFX_BITS	14
#define VTAP_PFX_SLOTS	(1 << VTAP_PFX_BITS)
#define VTAP_PFX_PROBES 16
#define VTAP_PFX_STEPS	8
#define VTAP_PFX_LENS	128 /* distinct lengths a family can have (1..128) */

/* The verdict cache (bpf/vtap_flow_cache.h): slots per CPU. */
#define VTAP_FLOW_CACHE_SLOTS 4096

/* The copies' ring buffer (abi.h, struct vtap_ring_rec): default and
 * bounds of its size (bytes, a power of two, at least a page); 2 MiB holds
 * about 20000 copies of 64-byte frames, 10 ms at 2 M copies/s: vtapd reads
 * it at least every millisecond while copies flow, and drains several
 * million records a second (docs/benchmarks.md). 2 MiB, not 4, keeps
 * vtapd's BPF maps under issue 18's 16 MiB at the default limits;
 * --ring-size raises it. */
#define VTAP_RING_SIZE_DEFAULT (2u << 20)
#define VTAP_RING_SIZE_MIN     4096u
#define VTAP_RING_SIZE_MAX     (1u << 30)
/* A copy up to this long is assembled in a per-CPU scratch buffer and
 * output in one piece (a 9000-byte jumbo frame with tags fits); a longer
 * one is reserved in the ring at its size and read into it in pieces of
 * this many bytes (bpf/vtap_ring.h). A power of two: the BPF side bounds
 * the one-piece copy's length with it. */
#define VTAP_RING_PIECE 16384u
/* Longest copy a record carries: an IP packet of 64 KiB with its Ethernet
 * header and two tags, so a GSO super-frame (a TSO VM's TCP) fits whole.
 * Longer frames (BIG TCP, XDP frags) are cut, and the record keeps their
 * original length (pcapng shows it); a TC tap sends such a GSO frame's
 * copy to a capture through the sink veth instead, which segments it
 * (bpf/vtap_tc.bpf.c). */
#define VTAP_RING_COPY_MAX (65536u + 64u)
/* Ring bytes of a record of n bytes of frame: the ring's own 8-byte
 * header, struct vtap_ring_rec, the bytes, rounded up to 8 (the kernel's
 * BPF_RINGBUF_HDR_SZ and its rounding). A record longer than the ring can
 * never be reserved. */
#define VTAP_RING_REC_BYTES(n) ((8u + 32u + (n) + 7u) & ~7u)

#endif
