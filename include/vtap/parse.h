/* SPDX-License-Identifier: GPL-2.0 */
/* The packet parser, written once: compiled by clang -target bpf into the
 * TC and XDP taps and by gcc into the unit tests, the fuzzers and vtap-dpdk.
 *
 * Every read is checked against `end` first (the verifier demands it, and it
 * makes the native build safe on hostile input). Multi-byte fields are read
 * byte by byte in network order, so no byte-swap helpers differ between the
 * builds. A frame too short or malformed for a layer stops the parse there;
 * the result is deterministic: VTAP_LEVEL_L2 ("unparsed": no addresses) or
 * VTAP_LEVEL_L3 ("L3 only": addresses, no ports). */
#ifndef VTAP_PARSE_H
#define VTAP_PARSE_H

#include "compat.h"

#define VTAP_ETH_HLEN 14
#define VTAP_VLAN_HLEN 4
#define VTAP_MAX_VLANS 2
#define VTAP_IPV6_MAX_EXT 8 /* extension headers followed before giving up */

#define VTAP_ETH_P_IP 0x0800
#define VTAP_ETH_P_ARP 0x0806
#define VTAP_ETH_P_8021Q 0x8100
#define VTAP_ETH_P_8021AD 0x88a8
#define VTAP_ETH_P_IPV6 0x86dd

#define VTAP_IPPROTO_ICMP 1
#define VTAP_IPPROTO_TCP 6
#define VTAP_IPPROTO_UDP 17
#define VTAP_IPPROTO_ICMPV6 58
#define VTAP_IPPROTO_SCTP 132

enum vtap_level {
	VTAP_LEVEL_L2 = 0, /* no usable L3 header: non-IP, or malformed */
	VTAP_LEVEL_L3 = 1, /* addresses and protocol, no ports */
	VTAP_LEVEL_L4 = 2, /* addresses, protocol and ports */
};

/* Parse flags */
#define VTAP_PF_FRAG 0x01       /* an IP fragment (first or not) */
#define VTAP_PF_LATER_FRAG 0x02 /* a non-first fragment: no L4 header */
#define VTAP_PF_ICMP 0x04       /* icmp_type/icmp_code are valid */
#define VTAP_PF_MALFORMED 0x08  /* a header was truncated or invalid */
#define VTAP_PF_IPV6 0x10

struct vtap_pkt {
	__u8 saddr[16]; /* IPv4 as IPv4-mapped IPv6 */
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 vlan;      /* outer VLAN id, 0 = untagged */
	__u16 eth_proto; /* innermost EtherType */
	__u8 level;      /* enum vtap_level */
	__u8 proto;      /* IP protocol (after IPv6 extension headers) */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 flags;
	__u8 n_vlans;
	__u16 l4_off; /* offset of the L4 header when level == L4 */
	/* offset of the upper-layer header (past IPv4 options and IPv6
	 * extension headers) when the IP header was whole; 0 otherwise. What
	 * `snaplen: headers` cuts after (include/vtap/headers_len.h). */
	__u16 ul_off;
} __attribute__((aligned(8))); /* the classifier reads the addresses as 64-bit words */

static __always_inline __u16 vtap_rd16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

/* L4: ports for TCP, UDP and SCTP, type and code for ICMP/ICMPv6. */
static __always_inline void vtap_parse_l4(const __u8 *data, const __u8 *end, __u32 off,
					  struct vtap_pkt *pkt)
{
	const __u8 *l4 = data + off;
	__u32 need;

	pkt->level = VTAP_LEVEL_L3;
	pkt->ul_off = (__u16)off;
	if (pkt->flags & VTAP_PF_LATER_FRAG)
		return;
	switch (pkt->proto) {
	case VTAP_IPPROTO_TCP:
		need = 20;
		break;
	case VTAP_IPPROTO_UDP:
		need = 8;
		break;
	case VTAP_IPPROTO_SCTP:
		need = 12;
		break;
	case VTAP_IPPROTO_ICMP:
	case VTAP_IPPROTO_ICMPV6:
		if (l4 + 2 > end) {
			pkt->flags |= VTAP_PF_MALFORMED;
			return;
		}
		pkt->icmp_type = l4[0];
		pkt->icmp_code = l4[1];
		pkt->flags |= VTAP_PF_ICMP;
		return;
	default:
		return;
	}
	if (l4 + need > end) {
		pkt->flags |= VTAP_PF_MALFORMED;
		return;
	}
	pkt->sport = vtap_rd16(l4);
	pkt->dport = vtap_rd16(l4 + 2);
	pkt->l4_off = (__u16)off;
	pkt->level = VTAP_LEVEL_L4;
}

static __always_inline void vtap_parse_ipv4(const __u8 *data, const __u8 *end, __u32 off,
					    struct vtap_pkt *pkt)
{
	const __u8 *ip = data + off;
	__u32 ihl;
	__u16 frag;

	if (ip + 20 > end || (ip[0] >> 4) != 4) {
		pkt->flags |= VTAP_PF_MALFORMED;
		return;
	}
	ihl = (__u32)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ip + ihl > end) {
		pkt->flags |= VTAP_PF_MALFORMED;
		return;
	}
	__builtin_memset(pkt->saddr, 0, 10);
	__builtin_memset(pkt->daddr, 0, 10);
	pkt->saddr[10] = pkt->saddr[11] = 0xff;
	pkt->daddr[10] = pkt->daddr[11] = 0xff;
	__builtin_memcpy(&pkt->saddr[12], ip + 12, 4);
	__builtin_memcpy(&pkt->daddr[12], ip + 16, 4);
	pkt->proto = ip[9];
	frag = vtap_rd16(ip + 6);
	if (frag & 0x3fff) /* MF or an offset */
		pkt->flags |= VTAP_PF_FRAG;
	if (frag & 0x1fff)
		pkt->flags |= VTAP_PF_LATER_FRAG;
	vtap_parse_l4(data, end, off + ihl, pkt);
}

static __always_inline void vtap_parse_ipv6(const __u8 *data, const __u8 *end, __u32 off,
					    struct vtap_pkt *pkt)
{
	const __u8 *ip = data + off;
	__u8 nexthdr;
	int i;

	if (ip + 40 > end || (ip[0] >> 4) != 6) {
		pkt->flags |= VTAP_PF_MALFORMED;
		return;
	}
	pkt->flags |= VTAP_PF_IPV6;
	__builtin_memcpy(pkt->saddr, ip + 8, 16);
	__builtin_memcpy(pkt->daddr, ip + 24, 16);
	nexthdr = ip[6];
	off += 40;
	pkt->proto = nexthdr;
	pkt->level = VTAP_LEVEL_L3;

	VTAP_UNROLL
	for (i = 0; i < VTAP_IPV6_MAX_EXT; i++) {
		const __u8 *h = data + off;
		__u32 hlen;

		switch (nexthdr) {
		case 0:  /* hop-by-hop options */
		case 43: /* routing */
		case 60: /* destination options */
			if (h + 2 > end)
				goto truncated;
			hlen = ((__u32)h[1] + 1) * 8;
			break;
		case 44: /* fragment */
			if (h + 8 > end)
				goto truncated;
			hlen = 8;
			pkt->flags |= VTAP_PF_FRAG;
			if (vtap_rd16(h + 2) & 0xfff8)
				pkt->flags |= VTAP_PF_LATER_FRAG;
			break;
		case 51: /* authentication header */
			if (h + 2 > end)
				goto truncated;
			hlen = ((__u32)h[1] + 2) * 4;
			break;
		default: /* an upper-layer protocol (or 59, no next header) */
			pkt->proto = nexthdr;
			vtap_parse_l4(data, end, off, pkt);
			return;
		}
		nexthdr = h[0];
		pkt->proto = nexthdr;
		off += hlen;
		if (off > 1500) /* keep the offset bounded for the verifier */
			goto truncated;
	}
	/* Too many extension headers: L3 only, protocol = the header we
	 * stopped at. Deterministic, and no unbounded walk. */
	return;
truncated:
	pkt->flags |= VTAP_PF_MALFORMED;
}

/* Parse a frame starting at its Ethernet header. Returns pkt->level. */
static __always_inline int vtap_parse(const void *data_start, const void *data_end,
				      struct vtap_pkt *pkt)
{
	const __u8 *data = (const __u8 *)data_start;
	const __u8 *end = (const __u8 *)data_end;
	__u32 off = 12; /* the EtherType of an untagged frame */
	__u16 proto;
	int i;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if (data + VTAP_ETH_HLEN > end) {
		pkt->flags |= VTAP_PF_MALFORMED;
		return VTAP_LEVEL_L2;
	}
	proto = vtap_rd16(data + off);
	VTAP_UNROLL
	for (i = 0; i < VTAP_MAX_VLANS; i++) {
		if (proto != VTAP_ETH_P_8021Q && proto != VTAP_ETH_P_8021AD)
			break;
		/* TCI at off+2, the next EtherType at off+4 */
		if (data + off + 6 > end) {
			pkt->flags |= VTAP_PF_MALFORMED;
			pkt->eth_proto = proto;
			return VTAP_LEVEL_L2;
		}
		if (i == 0)
			pkt->vlan = vtap_rd16(data + off + 2) & 0x0fff;
		pkt->n_vlans++;
		proto = vtap_rd16(data + off + 4);
		off += VTAP_VLAN_HLEN;
	}
	pkt->eth_proto = proto;
	off += 2; /* past the EtherType: the L3 header */
	if (proto == VTAP_ETH_P_IP)
		vtap_parse_ipv4(data, end, off, pkt);
	else if (proto == VTAP_ETH_P_IPV6)
		vtap_parse_ipv6(data, end, off, pkt);
	/* ARP and everything else: L2 only, by definition not malformed */
	return pkt->level;
}

#endif
