/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the BPF programs and user space: one definition, both
 * sides. Compiles with clang -target bpf (after vmlinux.h) and natively. */
#ifndef VTAP_TYPES_H
#define VTAP_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Limits. A rule is one policy; its bit position is its priority rank. */
#define VTAP_MAX_RULES 4096
#define VTAP_BITMAP_WORDS (VTAP_MAX_RULES / 64)
/* Bitmaps per generation; the pool holds two generations. Index 0 of each
 * half is the all-ones bitmap used for fields no rule constrains. */
#define VTAP_POOL_PER_GEN 8192
#define VTAP_POOL_SIZE (2 * VTAP_POOL_PER_GEN)
#define VTAP_POOL_ALL 0 /* offset of the all-ones bitmap in a half */
#define VTAP_MAX_PORTS 1024 /* (ifindex, direction) entries per generation */
#define VTAP_MAX_PREFIXES 8192 /* distinct prefixes per field and generation */
#define VTAP_LPM_ENTRIES (2 * (VTAP_MAX_PREFIXES + 2)) /* + a root per family */
#define VTAP_MAX_SINKS 256
#define VTAP_MAX_RECV 1024 /* VNIs of a receive section */
#define VTAP_PORT_SPACE 65536
#define VTAP_PROTO_SPACE 256
#define VTAP_VLAN_SPACE 4096 /* vid 0 = untagged */

/* Map names: BPF declares maps with these identifiers, user space finds
 * them (and their pins) with VTAP_STR(). At most 15 characters. */
#define VTAP_MAP_CFG vtap_cfg
#define VTAP_MAP_GENS vtap_gens
#define VTAP_MAP_POOL vtap_pool
#define VTAP_MAP_PORTS vtap_ports
#define VTAP_MAP_SRC vtap_src
#define VTAP_MAP_DST vtap_dst
#define VTAP_MAP_PROTO vtap_proto
#define VTAP_MAP_SPORT vtap_sport
#define VTAP_MAP_DPORT vtap_dport
#define VTAP_MAP_VLAN vtap_vlan
#define VTAP_MAP_RULES vtap_rules
#define VTAP_MAP_STATS vtap_stats
#define VTAP_MAP_GSTATS vtap_gstats
#define VTAP_MAP_SINKS vtap_sinks
#define VTAP_MAP_NAMES vtap_names
#define VTAP_MAP_SYNC vtap_sync
#define VTAP_MAP_TUNNELS vtap_tunnels
#define VTAP_MAP_RECV vtap_recv
#define VTAP_MAP_RSTATS vtap_rstats
#define VTAP_MAP_FCACHE vtap_fcache
#define VTAP_STR_(x) #x
#define VTAP_STR(x) VTAP_STR_(x)

/* A copy carries this in skb->mark (top 16 bits) with its snaplen in the low
 * 16 bits, so the tap never copies a copy and the sink program can truncate
 * it. The original's mark is restored right after the clone. */
#define VTAP_COPY_MAGIC 0x7a700000u
#define VTAP_COPY_MAGIC_MASK 0xffff0000u

/* A copy also carries its session in skb->priority, from the tap to the sink
 * program (the original's priority is restored after the clone): the policy
 * id in the low 16 bits and what the sink must do with the copy in bits
 * 16..19. Sinks whose consumer receives several sessions at once (capture,
 * ovs) mark each copy with its session; the consumer removes the mark. */
#define VTAP_SESSION_ID_MASK 0xffffu
#define VTAP_SESSION_KIND_SHIFT 16
enum vtap_sink_kind {
	VTAP_SINK_PLAIN = 0,   /* local: the copy as it is */
	VTAP_SINK_VLAN = 1,    /* ovs: an 802.1Q tag, VID = policy id + 1 */
	VTAP_SINK_CAPTURE = 2, /* capture: the same tag, then a length tag */
	VTAP_SINK_VXLAN = 3,   /* vxlan: the tunnel key of vtap_tunnels[policy id] */
};
/* Highest policy id a VLAN session tag can carry (VID 1..4094). */
#define VTAP_SESSION_VLAN_MAX 4093
/* The marks are tags after the MAC addresses, not a header before the
 * frame: GSO segmentation after the sink program repeats the MAC header,
 * tags included, on every segment, so each one keeps its session. A
 * capture copy has a second tag, ethertype 0x88b5 (IEEE local
 * experimental), whose 16 bits are the copy's length before the sink cut it
 * (snaplen, or the sink's size), or 0 when it was not cut. */
#define VTAP_CAP_LEN_ETHERTYPE 0x88b5
#define VTAP_SESSION_TAGS_LEN 8 /* both tags of a capture copy */

/* What the XDP program of a capture sink puts in the AF_XDP frame's
 * metadata, just before the frame. */
struct vtap_xsk_meta {
	__u64 tai_ns; /* bpf_ktime_get_tai_ns() on arrival */
};

/* Directions, the VM's point of view (Neutron TaaS). A policy may name both;
 * a frame has exactly one. */
enum vtap_direction {
	VTAP_DIR_IN = 1,  /* received by the VM: egress of the host-side port */
	VTAP_DIR_OUT = 2, /* sent by the VM: ingress of the host-side port */
	VTAP_DIR_BOTH = 3,
};

/* The classifier's answer when no rule matches (classify.h, image.h). */
#define VTAP_NO_MATCH (-1)

enum vtap_action_kind {
	VTAP_ACT_MIRROR = 0,
	VTAP_ACT_SKIP = 1,
};

/* Rule shapes: which of the six fields after (port, direction) a rule
 * constrains, as a 6-bit number (bit f - 1 for field f). The compiler gives
 * the most common shapes a slot each; the last slot takes all the others. */
#define VTAP_SHAPES 64
#define VTAP_SHAPE_SLOTS 8

/* One rule bitmap: bit i = rule of rank i. Bit w of slot_words[k]: words[w]
 * holds a rule whose shape is in slot k; bit k of slots: slot_words[k] != 0.
 * The classifier ANDs these per slot, so it visits only words where one
 * shape has a candidate in every field (include/vtap/classify.h). */
struct vtap_bitmap {
	__u64 slots;
	__u64 slot_words[VTAP_SHAPE_SLOTS];
	__u64 words[VTAP_BITMAP_WORDS];
};

/* Classifier fields, in lookup order. */
enum vtap_field {
	VTAP_F_PORT = 0, /* (ifindex, direction) */
	VTAP_F_SRC,      /* VM-side address */
	VTAP_F_DST,      /* peer address */
	VTAP_F_PROTO,
	VTAP_F_SPORT,    /* VM-side L4 port */
	VTAP_F_DPORT,    /* peer L4 port */
	VTAP_F_VLAN,
	VTAP_F_MAX,
};
_Static_assert(VTAP_SHAPES == 1 << (VTAP_F_MAX - 1), "a shape is one bit per field after the port");

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

/* The verdict cache in front of the classifier (bpf/vtap_flow_cache.h):
 * per CPU, direct-mapped, VTAP_FLOW_CACHE_SLOTS slots. The key holds every
 * input of vtap_classify() and the epoch, so a hit returns exactly what the
 * classifier would: no invalidation is needed when the rules change. */
#define VTAP_FLOW_CACHE_SLOTS 4096

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
	__s32 rank;   /* the classifier's answer: a rank or VTAP_NO_MATCH */
	__u32 check;  /* the key's hash, mixed, ^ rank (bpf/vtap_flow_cache.h) */
};

struct vtap_port_key {
	__u32 ifindex;
	__u8 dir; /* VTAP_DIR_IN or VTAP_DIR_OUT */
	__u8 gen;
	__u16 pad;
};

/* LPM key: the generation and the family lead the data, so both generations
 * and both families share one trie without ever matching each other's
 * entries; prefixlen = 40 + the address prefix. IPv4 addresses are
 * IPv4-mapped IPv6 (::ffff:a.b.c.d, prefix + 96). */
#define VTAP_LPM_HDR_BITS 40
#define VTAP_FAMILY_V4 4
#define VTAP_FAMILY_V6 6
struct vtap_lpm_key {
	__u32 prefixlen;
	__u32 gen;
	__u8 family; /* VTAP_FAMILY_V4 or VTAP_FAMILY_V6 */
	__u8 addr[16];
	__u8 pad[3];
};

/* vtap_rules[gen * VTAP_MAX_RULES + rank] */
struct vtap_rule {
	__u32 policy_id; /* index into vtap_stats; stable across reloads */
	__u32 action;    /* enum vtap_action_kind */
	__u32 sample;    /* copy 1 of every N matching frames; 0/1 = all */
	__u32 snaplen;   /* 0 = whole frame */
	__u32 sink_ifindex;
	__u32 sink_kind; /* enum vtap_sink_kind */
};

/* Per-policy, per-CPU counters: vtap_stats[policy_id]. */
struct vtap_counters {
	__u64 matched_pkts;
	__u64 matched_bytes;
	__u64 copies;      /* clones handed to the sink */
	__u64 copy_bytes;  /* bytes of those clones (before truncation) */
	__u64 copy_fail;   /* clone or redirect refused (see sink counters) */
	__u64 sampled_out; /* matched, not copied because of sample */
	__u64 ring_full;   /* XDP/ring copies the ring had no room for (in copy_fail too) */
};

/* Per-sink, per-CPU counters: vtap_sinks[sink ifindex], kept by the sink's
 * egress program. */
struct vtap_sink_counters {
	__u64 delivered;
	__u64 delivered_bytes;
	__u64 truncated;  /* cut to snaplen */
	__u64 trunc_fail; /* could not be cut: sent whole */
	__u64 foreign;    /* non-copy frames dropped: a sink carries copies only */
	__u64 encap_fail; /* session tag or header could not be added: dropped */
	__u64 too_big;    /* longer than the sink carries: cut (counted in truncated too) */
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

/* Global per-CPU counters: vtap_gstats[0]. */
struct vtap_global_counters {
	__u64 seen;        /* frames the tap looked at */
	__u64 copies_seen; /* frames that were copies: never copied again */
	__u64 unparsed;    /* classified as L2 only because malformed */
	__u64 no_match;
	__u64 pull_fail;   /* could not linearise headers */
	__u64 cache_hits;  /* verdicts taken from the flow cache */
	__u64 cache_misses; /* frames classified (and their verdict cached) */
};

#endif
