// SPDX-License-Identifier: GPL-2.0
/* See counters.h. Only types and offsets of the sinks layer are used here
 * (no call into it), so vtap-dpdk links these tables without libbpf. */
#include <vtap/map_types.h>
#include "counters.h"
#include "sinks/capture.h"
#include "sinks/xsk_tx.h"

#define POL struct vtap_counters
static const struct vtap_counter_field policy_f[] = {
    VTAP_FIELD_C(POL, matched_pkts, 1, "MATCHED", 12, "Frames the policy matched"),
    VTAP_FIELD_C(POL, matched_bytes, 2, "BYTES", 14, "Bytes of the frames the policy matched"),
    VTAP_FIELD_C(POL, copies, 3, "COPIES", 12, "Copies handed to the policy's monitor"),
    VTAP_FIELD_J(POL, copy_bytes, "Bytes of those copies, before any truncation"),
    VTAP_FIELD_C(POL, copy_fail, 4, "FAILED", 10,
		 "Copies that could not be made or sent (the sink counters say why)"),
    VTAP_FIELD_C(POL, sampled_out, 5, "SAMPLED", 10,
		 "Matched frames not copied because of the policy's sample"),
    VTAP_FIELD_C(POL, ring_full, 6, "RINGFULL", 10,
		 "Ring copies (XDP; TC to a capture) it had no room for (copy failures too)"),
    VTAP_FIELD_C(POL, rate_limited, 7, "RATELIM", 10,
		 "Copies not sent: over the policy's rate cap (not failures)"),
    VTAP_FIELD_C(POL, deduplicated, 8, "DEDUP", 10,
		 "Copies not sent: the monitor got the frame from another tap point"),
};
const struct vtap_field_table vtap_counters_fields = VTAP_FIELDS(policy_f);

/* seen leads the prose ("frames seen: N (copies ignored N, ...)"); the
 * flow cache's counters have their own line */
#define GLB struct vtap_global_counters
static const struct vtap_counter_field global_f[] = {
    VTAP_FIELD_J(GLB, seen, "Frames the taps looked at"),
    VTAP_FIELD_P(GLB, copies_seen, "copies ignored",
		 "Frames that were copies themselves, never copied again"),
    VTAP_FIELD_P(GLB, unparsed, "unparsed",
		 "Frames classified on layer 2 only because their headers were malformed"),
    VTAP_FIELD_P(GLB, no_match, "no match", "Frames no policy matched"),
    VTAP_FIELD_J(GLB, pull_fail, "Frames whose headers could not be linearised"),
    VTAP_FIELD_J(GLB, cache_hits, "Verdicts taken from the flow cache"),
    VTAP_FIELD_J(GLB, cache_misses, "Frames classified by the rules (flow cache misses)"),
};
const struct vtap_field_table vtap_global_fields = VTAP_FIELDS(global_f);

#define SNK struct vtap_sink_counters
static const struct vtap_counter_field sink_f[] = {
    VTAP_FIELD_C(SNK, delivered, 1, "DELIVERED", 12, "Copies the sink delivered to its monitor"),
    VTAP_FIELD_C(SNK, delivered_bytes, 2, "BYTES", 14, "Bytes of the copies the sink delivered"),
    VTAP_FIELD_C(SNK, truncated, 3, "TRUNCATED", 10,
		 "Copies cut to the policy's snaplen or to what the sink carries"),
    VTAP_FIELD_J(SNK, trunc_fail, "Copies that could not be cut and were sent whole"),
    VTAP_FIELD_C(SNK, foreign, 4, "FOREIGN", 10,
		 "Frames that were not copies, dropped (a sink carries copies only)"),
    VTAP_FIELD_J(SNK, encap_fail, "Copies whose session tag or header could not be added, dropped"),
    VTAP_FIELD_J(SNK, too_big,
		 "Copies longer than the sink carries, cut (counted in truncated too)"),
    VTAP_FIELD_J(SNK, no_tunnel, "vxlan: copies of a policy without a tunnel (being removed)"),
};
const struct vtap_field_table vtap_sink_fields = VTAP_FIELDS(sink_f);

#define MBR struct vtap_member_counters
static const struct vtap_counter_field member_f[] = {
    VTAP_FIELD_C(MBR, copies, 1, "COPIES", 12, "Copies sent to the group's member"),
    VTAP_FIELD_C(MBR, rehashed, 2, "REHASHED", 10,
		 "Of those, copies of flows whose own member was not usable"),
};
const struct vtap_field_table vtap_member_fields = VTAP_FIELDS(member_f);

#define RCV struct vtap_recv_counters
static const struct vtap_counter_field recv_f[] = {
    VTAP_FIELD_C(RCV, received, 1, "RECEIVED", 12, "Encapsulated copies received for the VNI"),
    VTAP_FIELD_C(RCV, bytes, 2, "BYTES", 14, "Bytes of the copies received for the VNI"),
    VTAP_FIELD_C(RCV, delivered, 3, "DELIVERED", 12, "Copies delivered to the receiving port"),
    VTAP_FIELD_C(RCV, deliver_fail, 4, "FAILED", 10,
		 "Copies not delivered: the port is gone or the redirect was refused"),
};
const struct vtap_field_table vtap_recv_fields = VTAP_FIELDS(recv_f);

#define CAP struct vtap_capture_stats
static const struct vtap_counter_field capture_f[] = {
    VTAP_FIELD_C(CAP, received, 1, "RECEIVED", 10,
		 "Frames read from the capture sink's AF_XDP socket"),
    VTAP_FIELD_C(CAP, bad, 8, "BAD", 8, "Frames without a valid vtap capture header"),
    VTAP_FIELD_J(CAP, unknown, "Frames of a policy id no policy has (removed meanwhile)"),
    VTAP_FIELD_C(CAP, written, 2, "WRITTEN", 10, "Records written to the capture file"),
    VTAP_FIELD_J(CAP, file_errors, "Capture file write errors"),
    VTAP_FIELD_J(CAP, rotations, "Capture file rotations"),
    VTAP_FIELD_C(CAP, live_sent, 3, "LIVE", 10, "Records streamed to live capture clients"),
    VTAP_FIELD_C(CAP, live_dropped, 4, "LDROP", 8,
		 "Records not streamed: a live client too slow to read"),
    VTAP_GAUGE_J(CAP, clients, "Live capture clients connected now"),
    VTAP_FIELD_J(CAP, xdp_received, "Frames the sink's XDP program redirected to the socket"),
    VTAP_FIELD_J(CAP, from_ring,
		 "Copies that came through vtapd's ring buffer (the XDP tap's; the TC tap's "
		 "until the capture has had a frame VLAN-tagged by the stack or a copy too "
		 "long for the ring)"),
    VTAP_FIELD_C(CAP, no_socket, 5, "NOSOCK", 8, "Frames dropped before vtapd had its socket"),
    VTAP_FIELD_C(CAP, ring_full, 6, "RINGFULL", 8,
		 "Frames dropped by the kernel: the socket's receive ring was full "
		 "(or the frame too long for it)"),
    VTAP_FIELD_C(CAP, fill_empty, 7, "NOUMEM", 8,
		 "Frames dropped by the kernel: no free UMEM frame to receive into"),
    VTAP_FIELD_J(CAP, sink_dropped,
		 "Copies dropped by the sink veth's queue: its receiving thread fell behind"),
    VTAP_FIELD_J(CAP, peer_dropped,
		 "ovs: copies the sink veth's peer dropped, OVS's AF_XDP socket full"),
};
const struct vtap_field_table vtap_capture_stats_fields = VTAP_FIELDS(capture_f);

#define XTX struct vtap_xsk_tx_stats
static const struct vtap_counter_field xsk_tx_f[] = {
    VTAP_FIELD_P(XTX, sent, "sent", "Copies through the ring handed to the kernel by AF_XDP TX"),
    VTAP_FIELD_J(XTX, completed, "Sent frames the kernel gave back"),
    VTAP_FIELD_P(XTX, no_frame, "no frame", "Copies dropped: every UMEM frame in flight"),
    VTAP_FIELD_P(XTX, ring_full, "TX ring full", "Copies dropped: no room in the TX ring"),
    VTAP_FIELD_P(XTX, cut, "cut", "Copies longer than the veth carries, cut and sent"),
    VTAP_FIELD_J(XTX, bad_id, "Copies of a policy id beyond what a VLAN tag carries, dropped"),
    VTAP_FIELD_P(XTX, invalid, "invalid", "Invalid TX descriptors (kernel)"),
    VTAP_FIELD_J(XTX, gso, "GSO super-frames of a TSO VM cut into wire-sized TCP segments"),
    VTAP_FIELD_J(XTX, segments, "The segments they stand for, each a copy counted in sent, no frame or TX ring full"),
    VTAP_FIELD_J(XTX, unsegmented, "GSO copies vtapd does not cut (not TCP), sent cut to the veth's size"),
    VTAP_FIELD_J(XTX, csum_completed, "Copies whose TCP or UDP checksum the VM had left to its device, finished by vtapd"),
    VTAP_FIELD_J(XTX, dev_dropped, "Copies sent, then dropped by the sink veth: no carrier (its peer down)"),
};
const struct vtap_field_table vtap_xsk_tx_fields = VTAP_FIELDS(xsk_tx_f);
