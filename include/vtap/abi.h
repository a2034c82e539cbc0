/* SPDX-License-Identifier: GPL-2.0 */
/* The conventions between vtap's programs and whoever sees a copy: how a
 * copy is marked on its way from the tap to the sink (skb->mark,
 * skb->priority), the sink kinds and the session tags they add, and the
 * records handed to user space (AF_XDP metadata, ring records). Also the
 * values both sides write into rules and keys: directions, actions, the
 * classifier's no-match answer. */
#ifndef VTAP_ABI_H
#define VTAP_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* A copy carries this in skb->mark (top 16 bits) with its snaplen in the low
 * 16 bits, so the tap never copies a copy and the sink program can truncate
 * it. The original's mark is restored right after the clone. */
#define VTAP_COPY_MAGIC	     0x7a700000u
#define VTAP_COPY_MAGIC_MASK 0xffff0000u

/* A copy also carries its session in skb->priority, from the tap to the sink
 * program (the original's priority is restored after the clone): the policy
 * id in the low 16 bits and what the sink must do with the copy in bits
 * 16..19. Sinks whose consumer receives several sessions at once (capture,
 * ovs) mark each copy with its session; the consumer removes the mark. */
#define VTAP_SESSION_ID_MASK	0xffffu
#define VTAP_SESSION_KIND_SHIFT 16
enum vtap_sink_kind {
	VTAP_SINK_PLAIN = 0,   /* local: the copy as it is */
	VTAP_SINK_VLAN = 1,    /* ovs: an 802.1Q tag, VID = policy id + 1 */
	VTAP_SINK_CAPTURE = 2, /* capture: the same tag, then a length tag */
	VTAP_SINK_VXLAN = 3,   /* vxlan: the tunnel key of vtap_tunnels[policy id] */
	/* local, the copy as it is, to a port without a sink program
	 * (vtapd --sink-hook nft): the tap checks that it fits the port and
	 * counts it in the sink's counters itself */
	VTAP_SINK_BARE = 4,
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
#define VTAP_SESSION_TAGS_LEN  8 /* both tags of a capture copy */

/* One copy as a tap sends it (the copy step's answer, copy_plan.h): to
 * which sink, of what kind, for which session, how long. */
struct vtap_copy {
	__u32 sink_ifindex; /* 0: no sink (counted as a copy failure) */
	__u32 sink_kind;    /* enum vtap_sink_kind */
	__u32 snaplen;	    /* bytes to keep; 0 = the whole frame */
	__u32 policy_id;    /* counters, session tags, ring records */
	__u32 session;	    /* what the sink keys on (skb->priority): the policy id,
			       or for a vxlan group member its tunnel's index */
	__u32 sink_slot;    /* VTAP_SINK_BARE: the port's slot in vtap_bare */
};

/* What the XDP program of a capture sink puts in the AF_XDP frame's
 * metadata, just before the frame. */
struct vtap_xsk_meta {
	__u64 tai_ns; /* bpf_ktime_get_tai_ns() on arrival */
};

/* vtap_cap_veth's value for a capture sink moved to the sink veth. A
 * pinned entry of another value (1: written by vtap before GSO
 * super-frames went through the ring, when every capture of a TSO VM
 * moved) is read as absent, so a vtapd upgraded in place (--keep) brings
 * those captures back to the ring. */
#define VTAP_CAP_VETH_MOVED 2u
/* vtap_cap_veth's values for an ovs sink, whose copies take the sink veth
 * unless its entry says: READY, written by vtapd when its AF_XDP TX on the
 * sink veth is open (user/sinks/xsk_tx.h), lets the sink's first copy of
 * a TCP GSO super-frame take the ring; the tap then writes RING, and all
 * the sink's copies take the ring from then on, vtapd cutting the
 * super-frames into segments (a sink veth would cut each into tens of
 * segments on the VM's CPU). A copy the ring cannot carry writes
 * VTAP_CAP_VETH_MOVED: the sink veth from then on. */
#define VTAP_OVS_RING_READY 3u
#define VTAP_OVS_RING 4u

/* One copy through the ring buffer (map vtap_ring, BPF_MAP_TYPE_RINGBUF):
 * what the XDP tap writes for each copy and vtapd reads in batches. This
 * header, then cap_len bytes of the frame. */
struct vtap_ring_rec {
	__u64 tai_ns;	    /* bpf_ktime_get_tai_ns() when copied */
	__u32 policy_id;    /* the session */
	__u32 orig_len;	    /* the frame's whole length */
	__u32 cap_len;	    /* bytes that follow: min(orig_len, snaplen, COPY_MAX) */
	__u32 ifindex;	    /* port the frame was seen on */
	__u32 sink_ifindex; /* the rule's sink (vtapd finds the monitor by policy id) */
	__u8 sink_kind;	    /* enum vtap_sink_kind */
	__u8 dir;	    /* VTAP_DIR_OUT or VTAP_DIR_IN */
	__u16 gso_size;	    /* a GSO super-frame's segment size (TC), else 0 */
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

#endif
