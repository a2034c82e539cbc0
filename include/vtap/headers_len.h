/* SPDX-License-Identifier: GPL-2.0 */
/* `snaplen: headers`: where a frame's headers end, so a copy can carry the
 * headers and none of the payload. Header code for the BPF taps and the
 * native tap, after the parse (include/vtap/parse.h), over the frame's
 * linear bytes: the parse has already needed them there.
 *
 * Where a copy is cut (docs/policy.md, "Header-only copies"):
 *   TCP               after its header, options included (data offset)
 *   UDP, SCTP         after the UDP header (8) / the SCTP common header (12)
 *   ICMP, ICMPv6      after the 8-byte ICMP header
 *   other IP          after the IP header (IPv4 options and IPv6 extension
 *                     headers included)
 *   a later fragment  after the IP header (its fragment header included):
 *                     it has no L4 header, all it carries is payload
 *   ARP               after the ARP header and its addresses (all of it)
 *   other non-IP      after the Ethernet header and its VLAN tags
 *   an IP header the parser could not read whole (truncated, more than
 *                     VTAP_IPV6_MAX_EXT extension headers): after the
 *                     Ethernet header and tags, since where its payload
 *                     starts is not known
 * VLAN tags in the frame are part of the headers; a tag the stack holds
 * outside the frame (TC: skb->vlan_tci) is not counted here, since it is not
 * in the bytes either (the TC tap adds it back when the sink puts it in).
 * Never more than the frame. */
#ifndef VTAP_HEADERS_LEN_H
#define VTAP_HEADERS_LEN_H

#include "compat.h"
#include "parse.h"

#define VTAP_ARP_HLEN	 8 /* hardware/protocol types and lengths, operation */
#define VTAP_UL_OFF_MASK 0x7ff

static __always_inline __u32 vtap_l4_hdr_len(const __u8 *data, const __u8 *end,
					     const struct vtap_pkt *pkt)
{
	/* the parse keeps ul_off within 1500 + the last header; the mask
	 * says so to the verifier, which bounds a packet pointer's offset */
	const __u8 *l4 = data + (pkt->ul_off & VTAP_UL_OFF_MASK);
	__u32 doff;

	if (pkt->flags & VTAP_PF_LATER_FRAG)
		return 0;
	switch (pkt->proto) {
	case VTAP_IPPROTO_TCP:
		/* the data offset, in 32-bit words; a bad one (< 5) still
		 * leaves the fixed header */
		if (l4 + 13 > end)
			return 20;
		doff = (__u32)(l4[12] >> 4);
		return (doff < 5 ? 5 : doff) * 4;
	case VTAP_IPPROTO_SCTP:
		return 12; /* the common header; chunks are the payload */
	case VTAP_IPPROTO_UDP:
	case VTAP_IPPROTO_ICMP:
	case VTAP_IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

/* The length of the headers of the frame at data (linear part up to
 * data_end, len bytes in all), parsed into pkt. */
static __always_inline __u32 vtap_headers_len(const void *data_start, const void *data_end,
					      const struct vtap_pkt *pkt, __u32 len)
{
	const __u8 *data = (const __u8 *)data_start;
	const __u8 *end = (const __u8 *)data_end;
	__u32 l2 = VTAP_ETH_HLEN + (__u32)pkt->n_vlans * VTAP_VLAN_HLEN, h = l2;

	if (pkt->ul_off) {
		h = (__u32)pkt->ul_off + vtap_l4_hdr_len(data, end, pkt);
	} else if (pkt->eth_proto == VTAP_ETH_P_ARP) {
		const __u8 *arp = data + l2;

		/* hardware and protocol address lengths at bytes 4 and 5;
		 * two of each follow the fixed part */
		if (arp + 6 <= end)
			h = l2 + VTAP_ARP_HLEN + 2 * ((__u32)arp[4] + arp[5]);
	}
	return h < len ? h : len;
}

#endif
