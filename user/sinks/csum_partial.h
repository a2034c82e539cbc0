/* SPDX-License-Identifier: GPL-2.0 */
/* Completing the TCP or UDP checksum a VM left to its device.
 *
 * A VM with TX checksum offload hands its device frames whose TCP or UDP
 * checksum field holds only the sum of the pseudo-header (the kernel's
 * CHECKSUM_PARTIAL); the device, or the host stack that forwards the frame,
 * finishes it. A copy taken at the VM's port carries that partial value,
 * and a monitor that checks checksums (an IDS) discards it. Where vtapd
 * itself sends a copy on (an ovs monitor's AF_XDP TX, xsk_tx.c), it
 * finishes the checksum as the device would: over the TCP or UDP header
 * and payload, the partial value included.
 *
 * A checksum is taken as partial when it does not verify and its field
 * holds exactly the pseudo-header's folded sum: a checksum that verifies
 * is left alone, and so is one wrong in any other way (a frame damaged in
 * the VM reaches the monitor as it was sent). A damaged frame whose field
 * happens to equal the pseudo-header's sum (1 in 65 536) is completed too.
 *
 * Frames: Ethernet, up to two 802.1Q/802.1ad tags, IPv4 (not a fragment)
 * or IPv6 (TCP or UDP its next header), the whole IP packet within len.
 * Nothing here reads past len. */
#ifndef VTAP_USER_CSUM_PARTIAL_H
#define VTAP_USER_CSUM_PARTIAL_H

#include <stdint.h>

/* The frame's completed checksum: the offset of its checksum field in the
 * frame (*csum: the value to store there, as bytes in network order), or
 * 0 when there is nothing to complete. */
uint32_t vtap_csum_partial(const uint8_t *frame, uint32_t len, uint16_t *csum);

#endif
