// SPDX-License-Identifier: GPL-2.0
/* The TC tap: clsact ingress (frames the VM sends, direction out) and egress
 * (frames it receives, direction in) of a VM's host-side port, and the sink
 * program on the egress of every local sink. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vtap_ctx_skb.h"
#include "vtap_tap.h"
#include "vtap_ring.h"
#include "vtap_plan.h"

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

/* A copy to a local monitor whose port has no sink program
 * (VTAP_SINK_BARE, vtapd --sink-hook nft): the tap does the sink's part.
 * A copy the port cannot carry (longer than its MTU, an Ethernet header
 * and a VLAN tag, and not GSO) would be dropped by the device unseen: it
 * is counted too_big and not sent (false), where a sink program would have
 * cut it. The port's room as vtapd last wrote it decides for the frames
 * within it; a longer one is checked against the port's MTU now (a helper
 * call that costs a copy ~5 %: it looks the port up by its ifindex).
 * *sc: the port's counters, for the copy delivered. */
static __always_inline bool vtap_bare_fits(struct __sk_buff *skb, const struct vtap_copy *cp,
					   struct vtap_sink_counters **sc)
{
	__u32 mtu = 0, slot = cp->sink_slot;
	const struct vtap_bare_port *bp = bpf_map_lookup_elem(&VTAP_MAP_BARE_PORTS, &slot);

	*sc = bpf_map_lookup_elem(&VTAP_MAP_BARE, &slot);
	if (bp && skb->len <= bp->room)
		return true;
	if (bpf_check_mtu(skb, cp->sink_ifindex, &mtu, -4, 0) == BPF_MTU_CHK_RET_FRAG_NEEDED) {
		if (*sc)
			(*sc)->too_big++;
		return false;
	}
	return true;
}

/* A copy to a capture monitor goes into the ring buffer, which vtapd
 * writes to the capture's pcapng file, instead of the clone to the sink
 * veth (its sink program, the XDP program on its peer and the AF_XDP
 * socket behind it): the sending CPU's cost of a copy goes from the clone's
 * to the ring's (tests/bench/bench_sinks), and the peer's receive work goes
 * altogether (docs/architecture.md, "Captures through the ring"). A GSO
 * super-frame (a TSO VM's TCP) goes whole, as the VM's stack sent it and
 * as a local monitor receives it: one ring copy instead of the tens of
 * segments the sink veth would cut it into, each crossing to the peer's
 * XDP program and socket. Not a copy longer than a record carries
 * (VTAP_RING_COPY_MAX: BIG TCP) or than a quarter of the ring (vtapd
 * --ring-size below 512 KiB), which the sink veth segments, nor a frame
 * whose VLAN tag the stack holds outside its data, which the sink program
 * puts back into the frame and the ring's read would miss. The two paths
 * reach vtapd apart (the sink veth's after the peer's NAPI thread, each
 * read on its own pacing timer): so that one file's records stay in the
 * order the copies were made in, a sink that has had one such copy takes
 * all its copies through the sink veth from then on (vtap_cap_veth).
 *
 * An ovs monitor's copies take the sink veth (its peer is OVS's port)
 * until the first of a TCP GSO super-frame, if vtapd can send records to
 * OVS (VTAP_OVS_RING_READY, <vtap/abi.h>): from then on they take the ring,
 * and vtapd cuts each super-frame into wire-sized segments before its
 * AF_XDP TX on the sink veth, off the VM's CPU. Not a super-frame of
 * another protocol or cut by a snaplen, nor what a capture's copy may
 * not be either: the sink veth from then on, as for a capture. */
static __always_inline bool vtap_ring_takes(const struct __sk_buff *skb, const struct vtap_copy *cp,
					    const struct vtap_pkt *pkt)
{
	__u32 port = cp->sink_ifindex, moved = VTAP_CAP_VETH_MOVED, ring = VTAP_OVS_RING;
	__u32 n = skb->len, gso = skb->gso_size, state = 0;
	const __u32 *v;

	if (cp->sink_kind != VTAP_SINK_CAPTURE && cp->sink_kind != VTAP_SINK_VLAN)
		return false;
	v = bpf_map_lookup_elem(&VTAP_MAP_CAP_VETH, &port);
	if (v)
		state = *v;
	if (state == VTAP_CAP_VETH_MOVED)
		return false;
	if (cp->sink_kind == VTAP_SINK_VLAN) {
		if (state != VTAP_OVS_RING && (state != VTAP_OVS_RING_READY || !gso))
			return false;
		if (gso && ((cp->snaplen && n > cp->snaplen) || pkt->proto != VTAP_IPPROTO_TCP))
			goto move;
	}
	if (cp->snaplen && n > cp->snaplen)
		n = cp->snaplen;
	/* the ring's size asked only of copies the smallest ring may not fit */
	if (skb->vlan_present || n > VTAP_RING_COPY_MAX ||
	    (VTAP_RING_REC_BYTES(n) > VTAP_RING_SIZE_MIN / 4 && !vtap_ring_fits(n)))
		goto move;
	/* only over vtapd's READY: an entry vtapd removed meanwhile (its
	 * AF_XDP TX gone) stays removed */
	if (state == VTAP_OVS_RING_READY)
		bpf_map_update_elem(&VTAP_MAP_CAP_VETH, &port, &ring, BPF_EXIST);
	return true;
move:
	bpf_map_update_elem(&VTAP_MAP_CAP_VETH, &port, &moved, BPF_ANY);
	return false;
}

/* ring: copy every frame into the ring buffer (vtap_tc_ring_out) instead
 * of cloning; a constant per program */
static __always_inline int vtap_tc(struct __sk_buff *skb, __u8 dir, bool ring)
{
	struct vtap_global_counters *gc = vtap_global_stats();
	struct vtap_counters *c = NULL;
	struct vtap_sink_counters *sc = NULL;
	const struct vtap_rule *r;
	struct vtap_copy cp;
	__u32 gen = 0;
	struct vtap_ctx ctx;
	struct vtap_pkt pkt;
	__u32 mark = skb->mark, prio;
	long ret;

	if ((mark & VTAP_COPY_MAGIC_MASK) == VTAP_COPY_MAGIC) {
		if (gc)
			gc->copies_seen++; /* a copy is never copied again */
		return TC_ACT_UNSPEC;
	}
	vtap_ctx_frame(&ctx, skb, dir, &pkt, gc);

	r = vtap_tap(&ctx, &pkt, gc, &c, &gen);
	if (!r || !vtap_plan(&ctx, &pkt, r, gen, c, &cp))
		return TC_ACT_UNSPEC;
	if (ring || vtap_ring_takes(skb, &cp, &pkt)) {
		/* the XDP tap's copy path, on an skb */
		vtap_ring_copy(&ctx, &cp, c);
		return TC_ACT_UNSPEC;
	}

	if (cp.sink_kind == VTAP_SINK_BARE && !vtap_bare_fits(skb, &cp, &sc)) {
		c->copy_fail++;
		return TC_ACT_UNSPEC;
	}

	/* The clone carries the copy mark (and its snaplen, applied by the sink
	 * program) and its session; the original gets its own values back. */
	prio = skb->priority;
	skb->mark = VTAP_COPY_MAGIC | (cp.snaplen & 0xffff);
	/* a bare copy has no sink program to take the session off again:
	 * it keeps the frame's priority (a qdisc or OVS may read it) */
	if (cp.sink_kind != VTAP_SINK_BARE)
		skb->priority =
		    (cp.sink_kind << VTAP_SESSION_KIND_SHIFT) | (cp.session & VTAP_SESSION_ID_MASK);
	ret = bpf_clone_redirect(skb, cp.sink_ifindex, 0);
	skb->mark = mark;
	skb->priority = prio;
	if (ret) {
		c->copy_fail++;
	} else {
		c->copies++;
		c->copy_bytes += ctx.len;
		if (sc) {
			sc->delivered++;
			sc->delivered_bytes += ctx.len;
		}
	}
	/* Never disturb the original: let the next filter or the stack decide. */
	return TC_ACT_UNSPEC;
}

SEC("tc")
int vtap_tc_out(struct __sk_buff *skb)
{
	return vtap_tc(skb, VTAP_DIR_OUT, false);
}

SEC("tc")
int vtap_tc_in(struct __sk_buff *skb)
{
	return vtap_tc(skb, VTAP_DIR_IN, false);
}

/* The TC tap copying into the ring buffer instead of cloning (the XDP
 * tap's copy path): measured against bpf_clone_redirect by
 * tests/bench/bench_xdp. vtapd does not attach it: local and vxlan
 * monitors take clones, and a capture's copies take the ring through
 * vtap_ring_takes (docs/architecture.md, XDP). */
SEC("tc")
int vtap_tc_ring_out(struct __sk_buff *skb)
{
	return vtap_tc(skb, VTAP_DIR_OUT, true);
}

/* Insert n tags (n = 1 or 2; host order, proto and TCI each) into the
 * frame after the MAC addresses, in one move: the head grows once, and the
 * MACs and the tags go back in one store (a capture copy's two tags cost
 * half of what two pushes did: tests/bench/bench_sinks). */
static __always_inline int vtap_push_tags(struct __sk_buff *skb, const __u16 *tags, __u32 n)
{
	__u8 buf[12 + 8];
	__be16 *t = (__be16 *)(buf + 12);
	__u32 len = n * 4;

	if (bpf_skb_change_head(skb, len, 0) || bpf_skb_load_bytes(skb, len, buf, 12))
		return -1;
	for (__u32 i = 0; i < n * 2; i++)
		t[i] = bpf_htons(tags[i]);
	return bpf_skb_store_bytes(skb, 0, buf, 12 + len, 0) ? -1 : 0;
}

/* Insert an 802.1Q/802.1ad tag into the frame after the MAC addresses. */
static __always_inline int vtap_push_tag(struct __sk_buff *skb, __u16 proto, __u16 tci)
{
	__u16 tag[2] = {proto, tci};

	return vtap_push_tags(skb, tag, 1);
}

/* The VLAN tag the stack holds (skb->vlan_tci) back into the frame.
 * Popping it moves the frame's next tag into skb->vlan_tci (skb_vlan_pop),
 * so the inner tag of a QinQ frame goes back too, inner first. (A third tag
 * would be left in skb->vlan_tci: the parser reads two.) */
static __always_inline int vtap_tags_into_frame(struct __sk_buff *skb)
{
	__u16 tci = skb->vlan_tci, proto = bpf_ntohs(skb->vlan_proto);

	if (bpf_skb_vlan_pop(skb))
		return -1;
	if (skb->vlan_present) {
		__u16 tci2 = skb->vlan_tci, proto2 = bpf_ntohs(skb->vlan_proto);

		if (bpf_skb_vlan_pop(skb) || vtap_push_tag(skb, proto2, tci2))
			return -1;
	}
	return vtap_push_tag(skb, proto, tci);
}

/* vxlan monitors: the copy's tunnel key, from its policy's entry. The
 * VXLAN device (external mode) encapsulates with it: UDP 4789 to the
 * monitor's host, the monitor's VNI. 0 (IPv4) or 1 (IPv6) when set, -1
 * when the policy has no tunnel. */
static __always_inline int vtap_set_tunnel(struct __sk_buff *skb, __u32 id)
{
	struct vtap_tunnel *t = bpf_map_lookup_elem(&VTAP_MAP_TUNNELS, &id);
	struct bpf_tunnel_key key = {};
	__u64 flags = 0;

	if (!t || !t->family)
		return -1;
	key.tunnel_id = t->vni;
	key.tunnel_ttl = 64;
	if (t->family == 2) {
		key.remote_ipv4 = bpf_ntohl(*(__u32 *)t->remote); /* host order here */
	} else {
		__builtin_memcpy(key.remote_ipv6, t->remote, 16);
		flags = BPF_F_TUNINFO_IPV6;
	}
	if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), flags))
		return -1;
	return flags ? 1 : 0;
}

/* A copy its sink forwards as it is: a whole copy (no snaplen) to a local
 * monitor (no tags), within the device's MTU and Ethernet header, or GSO
 * (segmented after this program, as the receiver got it). */
static __always_inline bool vtap_sink_as_is(struct __sk_buff *skb, __u32 mark, __u32 kind)
{
	__u32 mtu = 0;

	return kind == VTAP_SINK_PLAIN && !(mark & 0xffff) &&
	       bpf_check_mtu(skb, 0, &mtu, 0, 0) == BPF_MTU_CHK_RET_SUCCESS;
}

/* Egress of a sink: only copies leave through it. Applies the snaplen the
 * tap put in the mark, cuts what the sink cannot carry, adds the session
 * tags its kind asks for, clears mark and priority, counts. */
SEC("tc")
int vtap_sink(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct vtap_sink_counters *sc = bpf_map_lookup_elem(&VTAP_MAP_SINKS, &ifindex);
	__u32 mark = skb->mark, prio = skb->priority;
	__u32 kind = (prio >> VTAP_SESSION_KIND_SHIFT) & 0xf, id = prio & VTAP_SESSION_ID_MASK;
	__u32 snap, hdr = 0, mtu = 0, room, len, orig;
	bool gso;
	int tunnel_v6 = 0;

	if ((mark & VTAP_COPY_MAGIC_MASK) != VTAP_COPY_MAGIC) {
		if (sc)
			sc->foreign++;
		return TC_ACT_SHOT;
	}
	skb->mark = 0;
	skb->priority = 0;
	/* the common case (every copy to a local monitor without snaplen)
	 * skips the rest: nothing to cut, nothing to add */
	if (vtap_sink_as_is(skb, mark, kind))
		goto delivered;
	gso = skb->gso_size != 0;
	if (kind == VTAP_SINK_VLAN)
		hdr = 4;
	else if (kind == VTAP_SINK_CAPTURE)
		hdr = VTAP_SESSION_TAGS_LEN;
	if (kind == VTAP_SINK_VXLAN) {
		tunnel_v6 = vtap_set_tunnel(skb, id);
		if (tunnel_v6 < 0) {
			if (sc)
				sc->no_tunnel++;
			return TC_ACT_SHOT;
		}
	}
	if (hdr) {
		if (id > VTAP_SESSION_VLAN_MAX)
			goto encap_fail;
		/* The consumer is XDP (an AF_XDP socket, OVS's AF_XDP port),
		 * which sees the frame's data only: a tag the stack keeps in
		 * the skb must go into the frame, where a capture shows it. */
		if (skb->vlan_present && vtap_tags_into_frame(skb))
			goto encap_fail;
	}
	/* What the sink carries: its MTU, the Ethernet header and a VLAN tag
	 * (what a veth forwards), less the session tags. Longer frames would
	 * be dropped by the device, unseen. A GSO frame is cut into segments
	 * after this program, each with the tags. */
	bpf_check_mtu(skb, 0, &mtu, 0, 0);
	room = mtu + 18 > hdr + 64 ? mtu + 18 - hdr : 64;
	if (kind == VTAP_SINK_VXLAN) {
		/* the inner frame the VXLAN device takes: an IPv6 outer
		 * header is 20 bytes longer than the IPv4 one the device MTU
		 * allows for, and the device pushes a stack-held VLAN tag
		 * into the inner frame */
		room = mtu + 14 - (tunnel_v6 ? 20 : 0) - (skb->vlan_present ? 4 : 0);
	}
	orig = len = skb->len;
	snap = mark & 0xffff;
	if (snap && len > snap)
		len = snap;
	/* A GSO copy to a capture or ovs sink is segmented after this
	 * program, each segment with the tags: segments that would not fit
	 * (jumbo-MTU VMs) would be dropped by the veth, so it is cut. */
	if ((!gso || (hdr && skb->gso_size + 128 + hdr > room)) && len > room) {
		len = room;
		if (sc)
			sc->too_big++;
	}
	if (len < orig) {
		/* cutting a GSO frame makes it one plain frame: it must fit */
		if (len > room)
			len = room;
		if (bpf_skb_change_tail(skb, len, 0)) {
			if (sc)
				sc->trunc_fail++;
			len = orig;
		} else if (sc) {
			sc->truncated++;
		}
	}
	if (kind == VTAP_SINK_CAPTURE) {
		/* the session tag, then the length tag */
		__u16 tags[4] = {0x8100, (__u16)(id + 1), VTAP_CAP_LEN_ETHERTYPE,
				 len < orig ? (orig > 0xffff ? 0xffff : (__u16)orig) : 0};

		if (vtap_push_tags(skb, tags, 2))
			goto encap_fail;
	} else if (hdr && vtap_push_tag(skb, 0x8100, (__u16)(id + 1))) {
		goto encap_fail;
	}
delivered:
	if (sc) {
		sc->delivered++;
		sc->delivered_bytes += skb->len;
	}
	return TC_ACT_OK;
encap_fail:
	if (sc)
		sc->encap_fail++;
	return TC_ACT_SHOT;
}

/* Ingress of the VXLAN device on the monitor's host: a tunnelled copy,
 * already decapsulated by the device, goes out of the monitor port its VNI
 * names (the restore step of the original design); unknown VNIs are
 * dropped. All counted per VNI. */
SEC("tc")
int vtap_rx(struct __sk_buff *skb)
{
	struct bpf_tunnel_key key = {};
	struct vtap_recv_counters *c;
	struct vtap_recv_port *p;
	__u32 vni, unknown = VTAP_RECV_UNKNOWN;
	long ret;

	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0) &&
	    bpf_skb_get_tunnel_key(skb, &key, sizeof(key), BPF_F_TUNINFO_IPV6))
		key.tunnel_id = VTAP_RECV_UNKNOWN;
	vni = key.tunnel_id;
	p = bpf_map_lookup_elem(&VTAP_MAP_RECV, &vni);
	c = bpf_map_lookup_elem(&VTAP_MAP_RSTATS, p ? &vni : &unknown);
	if (c) {
		c->received++;
		c->bytes += skb->len;
	}
	if (!p)
		return TC_ACT_SHOT;
	/* a copy: a tap on the monitor port must not copy it again */
	skb->mark = VTAP_COPY_MAGIC;
	ret = bpf_redirect(p->ifindex, 0);
	if (c) {
		if (ret == TC_ACT_REDIRECT)
			c->delivered++;
		else
			c->deliver_fail++;
	}
	return (int)ret;
}

char LICENSE[] SEC("license") = "GPL";
