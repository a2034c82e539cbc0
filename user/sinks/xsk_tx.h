/* SPDX-License-Identifier: GPL-2.0 */
/* Sending copies out of a veth with an AF_XDP socket (TX only, copy mode):
 * how vtapd hands the XDP tap's ring-buffer copies to an ovs monitor, whose
 * OVS AF_XDP port (or OVS-DPDK's net_af_xdp PMD) is the veth's peer. Each
 * copy gets its session's 802.1Q tag (VID = policy id + 1), as the TC sink
 * program gives it, so OVS's per-session rules apply unchanged; on request
 * a TCP or UDP checksum the VM left to its device is finished
 * (csum_partial.h), as the segments of a super-frame always get theirs.
 * Nothing is lost silently:
 * every copy not sent is counted with its reason. */
#ifndef VTAP_USER_XSK_TX_H
#define VTAP_USER_XSK_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vtap_xsk_tx;

struct vtap_xsk_tx_stats {
	uint64_t sent;		 /* descriptors handed to the kernel */
	uint64_t completed;	 /* sent frames the kernel gave back */
	uint64_t no_frame;	 /* dropped: every UMEM frame in flight */
	uint64_t ring_full;	 /* dropped: no room in the TX ring */
	uint64_t cut;		 /* longer than the veth carries: cut (sent) */
	uint64_t bad_id;	 /* policy id beyond what a VLAN tag carries: dropped */
	uint64_t invalid;	 /* kernel: invalid TX descriptors */
	uint64_t gso;		 /* GSO super-frames cut into segments */
	uint64_t segments;	 /* the segments they stand for (each a copy above) */
	uint64_t unsegmented;	 /* GSO copies not cut (not TCP): sent cut to the veth's size */
	uint64_t csum_completed; /* copies whose partial TCP/UDP checksum vtapd finished */
	uint64_t dev_dropped;	 /* sent, then dropped by the sink veth (no carrier) */
};

int vtap_xsk_tx_open(struct vtap_xsk_tx **t, const char *ifname, char *errbuf, size_t errlen);
/* Finish the TCP or UDP checksum a VM left to its device in the copies
 * queued from now on (csum_partial.h; off by default: the copy's bytes as
 * the port carried them). The segments of a GSO copy always get complete
 * checksums. */
void vtap_xsk_tx_complete_csum(struct vtap_xsk_tx *t, bool on);
/* Queue one copy of policy id (tag added); vtap_xsk_tx_flush sends. */
void vtap_xsk_tx_queue(struct vtap_xsk_tx *t, uint32_t id, const uint8_t *frame, uint32_t len);
/* Queue a copy of a GSO super-frame (mss: the VM's segment size) as the
 * wire-sized TCP segments it stands for (segment.h), each a copy as above:
 * OVS takes frames no longer than its port's MTU. */
void vtap_xsk_tx_queue_gso(struct vtap_xsk_tx *t, uint32_t id, const uint8_t *frame, uint32_t len,
			   uint32_t mss);
/* Send what is queued. Returns how many copies still wait in the TX ring
 * (the device was busy): flush again soon, or they wait for the next. */
uint32_t vtap_xsk_tx_flush(struct vtap_xsk_tx *t);
void vtap_xsk_tx_stats(const struct vtap_xsk_tx *t, struct vtap_xsk_tx_stats *s);
void vtap_xsk_tx_close(struct vtap_xsk_tx *t);

#endif
