/* SPDX-License-Identifier: GPL-2.0 */
/* The keys and values of vtap's maps: one definition for the BPF programs
 * (bpf/vtap_maps.h) and user space (the loader, the compiler's image, the
 * counter views). Compiles with clang -target bpf (after vmlinux.h) and
 * natively. */
#ifndef VTAP_MAP_TYPES_H
#define VTAP_MAP_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "limits.h"

/* Classifier fields, in lookup order. */
enum vtap_field {
	VTAP_F_PORT = 0, /* (ifindex, direction) */
	VTAP_F_SRC,	 /* VM-side address */
	VTAP_F_DST,	 /* peer address */
	VTAP_F_PROTO,
	VTAP_F_SPORT, /* VM-side L4 port */
	VTAP_F_DPORT, /* peer L4 port */
	VTAP_F_VLAN,
	VTAP_F_MAX,
};

/* Rule shapes: which of the six fields after (port, direction) a rule
 * constrains, as a 6-bit number (bit f - 1 for field f). */
#define VTAP_SHAPES 64
_Static_assert(VTAP_SHAPES == 1 << (VTAP_F_MAX - 1), "a shape is one bit per field after the port");

/* vtap_pool[idx]: one rule bitmap: bit i = rule of rank i. Bit w of
 * slot_words[k]: words[w] holds a rule whose shape is in slot k; bit k of
 * slots: slot_words[k] != 0. The classifier ANDs these per slot, so it
 * visits only words where one shape has a candidate in every field
 * (include/vtap/classify.h). */
struct vtap_bitmap {
	__u64 slots;
	__u64 slot_words[VTAP_SHAPE_SLOTS];
	__u64 words[VTAP_BITMAP_WORDS];
};

/* Address families of the address tables: a family index (v4 0, v6 1)
 * and the family byte of an entry (IPv4 as IPv4-mapped IPv6, lengths
 * 96 + prefix, so the two families share one 128-bit space but never one
 * entry). */
#define VTAP_FAMILY_V4 4
#define VTAP_FAMILY_V6 6
#define VTAP_PFX_NONE  0xff /* no node */

/* Per-generation header, vtap_gens[gen]. */
struct vtap_gen {
	__u32 n_rules;
	/* bit f set: some rule constrains field f, so it must be looked up */
	__u32 field_mask;
	/* pool index (absolute) of each field's wildcard bitmap: the rules that
	 * do not constrain the field, used when a frame lacks the field
	 * (non-IP frame: no addresses; non-first fragment: no ports) */
	__u32 any_idx[VTAP_F_MAX];
	__u32 pad;
	/* The address tables, [side: 0 VM side (SRC), 1 peer (DST)][family:
	 * 0 v4, 1 v6]: the pool index (absolute) an address gets when no
	 * prefix of its family holds it (the rules without a CIDR on that side
	 * and those with /0); the hash seed of each side's table and the most
	 * slots any of its keys lies past its home slot (a lookup reads at
	 * most pfx_probes[side] + 1); the binary search over the distinct
	 * prefix lengths as a tree (struct vtap_pfx_node), entered at
	 * pfx_first (VTAP_PFX_NONE: no prefix of that family). */
	__u32 pfx_root[2][2];
	__u64 pfx_seed[2];
	__u8 pfx_probes[2];
	__u8 pfx_first[2][2];
	__u8 pad2[2];
	struct vtap_pfx_node {
		__u8 len; /* 1..128 in the 128-bit space (IPv4: 96 + prefix) */
		__u8 hit; /* the next node when an entry of this length holds the
			   * address (the longer lengths), else miss; or NONE */
		__u8 miss;
		__u8 pad;
	} pfx_tree[2][2][VTAP_PFX_LENS];
};

/* vtap_pfx[(gen * 2 + side) * VTAP_PFX_SLOTS + slot]: one entry of an
 * address table, a prefix or a marker of the binary search over lengths
 * (include/vtap/classify.h). The address is masked to len bits and held as
 * two host-order words of its big-endian bytes; idx is the pool index
 * (absolute) of the longest prefix of length <= len holding it: for a
 * prefix, its own bitmap (its rules and its ancestors'), for a marker its
 * nearest ancestor's. len_fam = len | family << 8; 0 = an empty slot. */
struct vtap_pfx_slot {
	__u64 hi;
	__u64 lo;
	__u32 idx;
	__u16 len_fam;
	__u16 pad;
};

/* vtap_cfg[0] */
struct vtap_cfg {
	/* The active generation is active_gen & 1. The loader adds one at
	 * every flip, so the whole value is an epoch: a verdict cached under
	 * one epoch is never used under another (see struct vtap_flow_key).
	 * One 32-bit store flips the generation and the epoch together. */
	__u32 active_gen;
	__u32 flags; /* VTAP_CFG_* */
};

#define VTAP_CFG_NO_FLOW_CACHE 0x1 /* classify every frame (vtapd --no-flow-cache) */
/* Look up and compare, then classify and store as if every lookup missed:
 * what the first frame of a flow costs (set by bench_classify only). */
#define VTAP_CFG_FLOW_CACHE_MISS 0x2

/* vtap_fcache[slot], per CPU: the verdict cache in front of the classifier
 * (bpf/vtap_flow_cache.h), direct-mapped. The key holds every input of
 * vtap_classify() and the epoch, so a hit returns exactly what the
 * classifier would: no invalidation is needed when the rules change. */
struct vtap_flow_key {
	__u32 epoch; /* vtap_cfg.active_gen the verdict was made under */
	__u32 ifindex;
	__u8 dir;
	__u8 level;
	__u8 v6; /* pkt->flags & VTAP_PF_IPV6 */
	__u8 proto;
	__u16 sport;
	__u16 dport;
	__u16 vlan;
	__u16 valid; /* 1 in every stored key: a zeroed slot matches nothing */
	__u32 pad;
	__u8 saddr[16];
	__u8 daddr[16];
} __attribute__((aligned(8)));

#define VTAP_FLOW_KEY_WORDS (sizeof(struct vtap_flow_key) / 8)
_Static_assert(sizeof(struct vtap_flow_key) == 56, "the flow key is seven 64-bit words");

struct vtap_flow_slot {
	struct vtap_flow_key key;
	__s32 rank;  /* the classifier's answer: a rank or VTAP_NO_MATCH */
	__u32 check; /* the key's hash, mixed, ^ rank (bpf/vtap_flow_cache.h) */
};

/* vtap_proto, vtap_sport, vtap_dport, vtap_vlan: the index arrays, key
 * gen * space + value -> the pool index (absolute) of that value's bitmap.
 * The kernel rounds an array's values up to 8 bytes, so a value holding one
 * index would be half padding: each 8-byte value holds the 16-bit indices
 * of VTAP_IDX_PER_VALUE consecutive keys (key k is idx[k % 4] of value
 * k / 4). In memory (mmap, the compiled image) that is a flat array of
 * __u16, one per key. */
#define VTAP_IDX_PER_VALUE 4
struct vtap_idx_value {
	__u16 idx[VTAP_IDX_PER_VALUE];
};
_Static_assert(VTAP_POOL_SIZE <= 65536, "a pool index fits an index array's 16 bits");
_Static_assert(VTAP_PROTO_SPACE % VTAP_IDX_PER_VALUE == 0 &&
		   VTAP_PORT_SPACE % VTAP_IDX_PER_VALUE == 0 &&
		   VTAP_VLAN_SPACE % VTAP_IDX_PER_VALUE == 0,
	       "a generation's half of an index array is whole values");

/* vtap_ports key; the value is a pool index. */
struct vtap_port_key {
	__u32 ifindex;
	__u8 dir; /* VTAP_DIR_IN or VTAP_DIR_OUT */
	__u8 gen;
	__u16 pad;
};

/* vtap_rules[gen * VTAP_MAX_RULES + rank]: 16 bytes, each field as wide as
 * what it holds can be (policy ids below VTAP_MAX_RULES, snaplen at most
 * 65535 (docs/limits.md), a handful of actions, sink kinds and flags,
 * VTAP_MAX_GROUPS groups): the map's 2 x 4096 rules take 128 KiB, not the
 * 256 KiB of eight 32-bit words. */
struct vtap_rule {
	__u32 sample; /* copy 1 of every N matching frames; 0/1 = all */
	__u32 sink_ifindex;
	__u16 policy_id; /* index into vtap_stats; stable across reloads */
	__u16 snaplen;	 /* 0 = whole frame */
	__u8 action;	 /* enum vtap_action_kind */
	__u8 sink_kind;	 /* enum vtap_sink_kind */
	__u8 flags;	 /* VTAP_RULE_* */
	/* VTAP_RULE_GROUP: the group (vtap_groups[gen * MAX_GROUPS + group]);
	 * else, to a VTAP_SINK_BARE port: its slot in vtap_bare */
	__u8 group;
};
_Static_assert(sizeof(struct vtap_rule) == 16, "a rule is 16 bytes");
_Static_assert(VTAP_MAX_RULES <= 65536 && VTAP_MAX_GROUPS <= 256,
	       "a policy id fits 16 bits, a group 8");

/* vtap_rule.flags: what the copy step (include/vtap/copy_plan.h) does
 * beyond sending the copy to the rule's sink. */
#define VTAP_RULE_HEADERS 0x1 /* snaplen: headers: cut after the L4 header (headers_len.h) */
#define VTAP_RULE_RATE	  0x2 /* rate: copies within the policy's vtap_rate[policy id] */
#define VTAP_RULE_DEDUP	  0x4 /* one copy per frame (default; dedup: false clears it) */
#define VTAP_RULE_GROUP	  0x8 /* the monitor is a group: the sink is a member's */

/* vtap_groups[gen * VTAP_MAX_GROUPS + group]: a monitor group of one
 * generation (include/vtap/group.h). Members whose sink is not usable now
 * (port down or gone, sink not set up) have sink_ifindex 0: their flows go
 * to the others, and come back with them (rendezvous hashing over the seeds,
 * which are the members' names hashed: stable whatever the list's order). */
struct vtap_group_member {
	__u32 sink_ifindex; /* 0: not usable now */
	__u16 sink_kind;    /* enum vtap_sink_kind */
	__u16 sink_slot;    /* VTAP_SINK_BARE: the port's slot in vtap_bare */
	__u64 seed;	    /* the member monitor's name, hashed */
};

struct vtap_group {
	__u32 n; /* members */
	__u32 pad;
	struct vtap_group_member m[VTAP_GROUP_MAX];
};

/* Per-CPU counters of a group's member: vtap_members[group * VTAP_GROUP_MAX
 * + member]. */
struct vtap_member_counters {
	__u64 copies;	/* copies sent to this member */
	__u64 rehashed; /* of those, copies of flows whose first choice is not usable */
};

/* vtap_dedup[key % VTAP_DEDUP_BUCKETS], for all CPUs: the last copies whose
 * fingerprints fell into this bucket (include/vtap/dedup.h); a new one
 * replaces the oldest of the bucket's four. Written without locks: two CPUs
 * racing on a slot can only make a frame's second copy go out. A slot is 16
 * bytes, so a bucket is one 64-byte cache line: the time is 32 bits of
 * about a microsecond (wrapping every 73 minutes; dedup.h says why that
 * is harmless), and the port and direction share one word (a Linux ifindex
 * is at most 2^31 - 1, vtap-dpdk's port numbers too: the top bit is free). */
struct vtap_dedup_slot {
	__u64 key;   /* the frame's fingerprint mixed with its monitor */
	__u32 t;     /* when it was copied: ns >> VTAP_DEDUP_TIME_SHIFT, wrapping */
	__u32 where; /* where it was tapped: vtap_dedup_where(ifindex, dir) */
};

#define VTAP_DEDUP_WAYS 4
struct vtap_dedup_bucket {
	struct vtap_dedup_slot s[VTAP_DEDUP_WAYS];
};
_Static_assert(sizeof(struct vtap_dedup_bucket) == 64, "a dedup bucket is one cache line");

/* vtap_rate[policy_id]: a policy's rate cap, one for all CPUs (not per
 * CPU): two GCRA buckets (include/vtap/rate.h), packets and bytes. Times
 * are in 1/16 ns (VTAP_RATE_SHIFT); the byte cost in 2^-16 of that. The
 * costs and tolerances are written by user space (core/rate.c) when the
 * policy's rate changes; the theoretical arrival times (tat) by the taps,
 * with compare-and-swap. One cache line. */
struct vtap_rate {
	__u64 pkt_tat;	 /* when the packet bucket is empty again */
	__u64 byte_tat;	 /* the same for bytes */
	__u64 pkt_cost;	 /* time one copy takes at pps; 0 = no pps cap */
	__u64 pkt_tau;	 /* how far ahead pkt_tat may run: the burst */
	__u64 byte_cost; /* time one byte takes at bytes_per_sec, << 16; 0 = no cap */
	__u64 byte_tau;
	__u64 pad[2];
};

/* Per-policy, per-CPU counters: vtap_stats[policy_id]. */
struct vtap_counters {
	__u64 matched_pkts;
	__u64 matched_bytes;
	__u64 copies;	    /* clones handed to the sink */
	__u64 copy_bytes;   /* bytes of those clones (before truncation) */
	__u64 copy_fail;    /* clone or redirect refused (see sink counters) */
	__u64 sampled_out;  /* matched, not copied because of sample */
	__u64 ring_full;    /* XDP/ring copies the ring had no room for (in copy_fail too) */
	__u64 rate_limited; /* not copied: over the policy's rate cap (not a failure) */
	__u64 deduplicated; /* not copied: the monitor got this frame from another tap */
};

/* vtap_bare_ports[slot]: a local monitor port without a sink program
 * (vtapd --sink-hook nft). room: the longest copy it carries, MTU +
 * Ethernet header + a VLAN tag, as a veth forwards; a longer one is looked
 * at again with the port's MTU now (bpf_check_mtu) before it counts too
 * big. vtapd writes it when the port changes. */
struct vtap_bare_port {
	__u32 ifindex; /* 0: a free slot */
	__u32 room;
};

/* Per-sink, per-CPU counters: vtap_sinks[sink ifindex], kept by the sink's
 * egress program; vtap_bare[slot] for a local monitor port without one
 * (vtapd --sink-hook nft), kept by the tap (delivered, too_big). */
struct vtap_sink_counters {
	__u64 delivered;
	__u64 delivered_bytes;
	__u64 truncated;  /* cut to snaplen */
	__u64 trunc_fail; /* could not be cut: sent whole */
	__u64 foreign;	  /* non-copy frames dropped: a sink carries copies only */
	__u64 encap_fail; /* session tag or header could not be added: dropped */
	__u64 too_big;	  /* longer than the sink carries: cut (counted in truncated too) */
	__u64 no_tunnel;  /* vxlan: no tunnel for the copy's policy (being removed) */
};

/* vtap_tunnels[policy id]: where a vxlan monitor's copies go. The sink
 * program on vtapd's VXLAN device (external mode) sets it as the copy's
 * tunnel key: remote = the monitor's host, VNI = the monitor's vni. */
struct vtap_tunnel {
	__u32 vni;
	__u8 family; /* AF_INET (2) or AF_INET6 (10); 0 = none */
	__u8 pad[3];
	__u8 remote[16]; /* AF_INET: bytes 0..3, network order */
};

/* vtap_recv[vni]: the receiving side. Tunnelled copies with this VNI that
 * arrive on the VXLAN device are delivered, decapsulated, out of ifindex
 * (the monitor VM's port). */
struct vtap_recv_port {
	__u32 ifindex;
};

/* vtap_rstats[vni], per CPU; vni 0xffffffff counts the VNIs not in
 * vtap_recv. */
#define VTAP_RECV_UNKNOWN 0xffffffffu
struct vtap_recv_counters {
	__u64 received;
	__u64 bytes;
	__u64 delivered;
	__u64 deliver_fail; /* the port is gone, or the redirect was refused */
};

/* Per-CPU counters of the XDP program on a capture/ovs sink's peer
 * (bpf/vtap_xsk.bpf.c): vtap_xsk_stats[0]. */
struct vtap_xsk_counters {
	__u64 received;
	__u64 redirected; /* into the AF_XDP socket of the frame's queue */
	__u64 no_socket;  /* dropped: no socket bound to the frame's queue */
};

/* vtap_names[policy_id]: which policy owns a counter slot. Written by vtapd
 * only (no program reads it), pinned so a restarted vtapd gives every policy
 * its old counters back, and so bpftool shows counters by name. */
struct vtap_policy_name {
	char name[64]; /* "" = free slot */
};

/* vtap_owner[0]: who holds the pin root. The lock is the kernel's (an
 * flock on the pin root directory, user/kernel/pins.c); this record only
 * lets a second vtapd, refused, name the first. Written by the owner, read
 * by no program; bpftool shows it. */
struct vtap_owner {
	__u32 pid;
	__u32 pad;
	char socket[120]; /* the owner's control socket; "" when it has none */
};

/* Global per-CPU counters: vtap_gstats[0]. */
struct vtap_global_counters {
	__u64 seen;	   /* frames the tap looked at */
	__u64 copies_seen; /* frames that were copies: never copied again */
	__u64 unparsed;	   /* classified as L2 only because malformed */
	__u64 no_match;
	__u64 pull_fail;    /* could not linearise headers */
	__u64 cache_hits;   /* verdicts taken from the flow cache */
	__u64 cache_misses; /* frames classified (and their verdict cached) */
};

#endif
