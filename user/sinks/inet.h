/* SPDX-License-Identifier: GPL-2.0 */
/* A copy's IP packet as vtapd reads it in user space: where its headers
 * are, and the Internet checksum (RFC 1071) with the pseudo-header of TCP
 * and UDP. Shared by what vtapd does to the frames it sends on itself: the
 * segments of a GSO super-frame (segment.c) and the checksums a VM left to
 * its device (csum_partial.c).
 *
 * Frames: Ethernet, up to two 802.1Q/802.1ad tags in the frame, IPv4
 * (options allowed) or IPv6. Nothing here reads past len. */
#ifndef VTAP_USER_INET_H
#define VTAP_USER_INET_H

#include <stdint.h>

#define VTAP_IPPROTO_TCP_ 6
#define VTAP_IPPROTO_UDP_ 17

/* A frame's IP packet */
struct vtap_ip {
	uint32_t l3, l4, end; /* offsets of the IP header, its payload, its end */
	uint8_t proto;	      /* IPv4's protocol, IPv6's next header */
	uint8_t v6;
};

/* Big-endian 16 bits at p, whatever the host's order. */
static inline uint32_t vtap_rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* The IP header's offset in frame (len bytes) past up to two tags, and its
 * EtherType in *type; 0 when the frame ends first. */
uint32_t vtap_frame_l3(const uint8_t *frame, uint32_t len, uint32_t *type);
/* Where the frame's IP packet is: 0, or -EINVAL when it is no IPv4 or IPv6
 * packet, an IPv4 fragment (a part of a datagram: no layer-4 header of its
 * own to trust), or its lengths disagree or go past len. */
int vtap_ip_of(const uint8_t *frame, uint32_t len, struct vtap_ip *ip);
/* The sum of the pseudo-header of a TCP or UDP packet of l4len bytes in the
 * IP packet whose header is at f + ip->l3 (protocol ip->proto). */
uint64_t vtap_ip_pseudo(const uint8_t *f, const struct vtap_ip *ip, uint32_t l4len);
/* The Internet checksum's sum of n bytes at p added to sum (RFC 1071, in
 * the byte order of the host's loads; fold it with vtap_csum_fold). */
uint64_t vtap_csum_add(uint64_t sum, const uint8_t *p, uint32_t n);
uint16_t vtap_csum_fold(uint64_t sum);

#endif
