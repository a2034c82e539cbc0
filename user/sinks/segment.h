/* SPDX-License-Identifier: GPL-2.0 */
/* Cutting a copy of a GSO super-frame (a TSO VM's TCP, as the TC tap puts
 * it into the ring) into the wire-sized frames it stands for, as the
 * kernel's tcp_gso_segment would: each segment gets the headers, its share
 * of the payload (mss bytes, the last one the rest), its sequence number,
 * IPv4 total length, ID (+1 per segment) and header checksum or IPv6
 * payload length, and a complete TCP checksum (the super-frame's is only
 * the pseudo-header's: the VM left it to the device). FIN and PSH stay on
 * the last segment, CWR on the first. How an ovs monitor's AF_XDP TX sends
 * such a copy (xsk_tx.c): OVS takes frames of the wire's size.
 *
 * Frames: Ethernet, up to two 802.1Q/802.1ad tags in the frame, IPv4
 * (options allowed, not a fragment) or IPv6 (TCP its next header), TCP.
 * Anything else is refused; nothing here reads past len. */
#ifndef VTAP_USER_SEGMENT_H
#define VTAP_USER_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "inet.h"

struct vtap_seg {
	const uint8_t *frame;
	struct vtap_ip ip; /* ip.end: the payload's last byte + 1 */
	uint32_t hlen;	   /* headers' length: the payload's offset */
	uint32_t mss;	   /* payload bytes per segment */
	uint32_t off;	   /* the next segment's payload offset */
	uint32_t seq;	   /* the super-frame's sequence number */
	uint16_t ip_id;
	uint8_t flags; /* the super-frame's TCP flags */
	uint32_t n;    /* segments made */
};

/* Start cutting frame (len bytes) into segments of mss payload bytes, each
 * at most room bytes long (mss is lowered to fit: a frame of the wire's
 * size can be longer than a veth's MTU). 0, or -EINVAL for a frame this
 * does not cut (not TCP, an IPv4 fragment, IPv6 extension headers, lengths
 * that disagree, no room for the headers and a byte). */
int vtap_seg_start(struct vtap_seg *s, const uint8_t *frame, uint32_t len, uint32_t mss,
		   uint32_t room);
/* The next segment into out (room bytes at least, as given to start): its
 * length, 0 when the payload is all out. A super-frame without payload
 * gives one segment. */
uint32_t vtap_seg_next(struct vtap_seg *s, uint8_t *out);
/* Segments still to come (the next vtap_seg_next calls that give one). */
uint32_t vtap_seg_left(const struct vtap_seg *s);

#endif
