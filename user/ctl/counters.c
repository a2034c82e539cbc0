// SPDX-License-Identifier: GPL-2.0
/* See counters.h. Only types and offsets of the sinks layer are used here
 * (no call into it), so vtap-dpdk links these tables without libbpf. */
#include <vtap/map_types.h>
#include "counters.h"
#include "sinks/capture.h"
#include "sinks/xsk_tx.h"

#define POL struct vtap_counters
static const struct vtap_counter_field policy_f[] = {
    VTAP_FIELD_C(POL, matched_pkts, 1, "MATCHED", 12),
    VTAP_FIELD_C(POL, matched_bytes, 2, "BYTES", 14),
    VTAP_FIELD_C(POL, copies, 3, "COPIES", 12),
    VTAP_FIELD_J(POL, copy_bytes),
    VTAP_FIELD_C(POL, copy_fail, 4, "FAILED", 10),
    VTAP_FIELD_C(POL, sampled_out, 5, "SAMPLED", 10),
    VTAP_FIELD_C(POL, ring_full, 6, "RINGFULL", 10),
    VTAP_FIELD_C(POL, rate_limited, 7, "RATELIM", 10),
    VTAP_FIELD_C(POL, deduplicated, 8, "DEDUP", 10),
};
const struct vtap_field_table vtap_counters_fields = VTAP_FIELDS(policy_f);

/* seen leads the prose ("frames seen: N (copies ignored N, ...)"); the
 * flow cache's counters have their own line */
#define GLB struct vtap_global_counters
static const struct vtap_counter_field global_f[] = {
    VTAP_FIELD_J(GLB, seen),
    VTAP_FIELD_P(GLB, copies_seen, "copies ignored"),
    VTAP_FIELD_P(GLB, unparsed, "unparsed"),
    VTAP_FIELD_P(GLB, no_match, "no match"),
    VTAP_FIELD_J(GLB, pull_fail),
    VTAP_FIELD_J(GLB, cache_hits),
    VTAP_FIELD_J(GLB, cache_misses),
};
const struct vtap_field_table vtap_global_fields = VTAP_FIELDS(global_f);

#define SNK struct vtap_sink_counters
static const struct vtap_counter_field sink_f[] = {
    VTAP_FIELD_C(SNK, delivered, 1, "DELIVERED", 12),
    VTAP_FIELD_C(SNK, delivered_bytes, 2, "BYTES", 14),
    VTAP_FIELD_C(SNK, truncated, 3, "TRUNCATED", 10),
    VTAP_FIELD_J(SNK, trunc_fail),
    VTAP_FIELD_C(SNK, foreign, 4, "FOREIGN", 10),
    VTAP_FIELD_J(SNK, encap_fail),
    VTAP_FIELD_J(SNK, too_big),
    VTAP_FIELD_J(SNK, no_tunnel),
};
const struct vtap_field_table vtap_sink_fields = VTAP_FIELDS(sink_f);

#define MBR struct vtap_member_counters
static const struct vtap_counter_field member_f[] = {
    VTAP_FIELD_C(MBR, copies, 1, "COPIES", 12),
    VTAP_FIELD_C(MBR, rehashed, 2, "REHASHED", 10),
};
const struct vtap_field_table vtap_member_fields = VTAP_FIELDS(member_f);

#define RCV struct vtap_recv_counters
static const struct vtap_counter_field recv_f[] = {
    VTAP_FIELD_C(RCV, received, 1, "RECEIVED", 12),
    VTAP_FIELD_C(RCV, bytes, 2, "BYTES", 14),
    VTAP_FIELD_C(RCV, delivered, 3, "DELIVERED", 12),
    VTAP_FIELD_C(RCV, deliver_fail, 4, "FAILED", 10),
};
const struct vtap_field_table vtap_recv_fields = VTAP_FIELDS(recv_f);

#define CAP struct vtap_capture_stats
static const struct vtap_counter_field capture_f[] = {
    VTAP_FIELD_C(CAP, received, 1, "RECEIVED", 10),
    VTAP_FIELD_C(CAP, bad, 7, "BAD", 8),
    VTAP_FIELD_J(CAP, unknown),
    VTAP_FIELD_C(CAP, written, 2, "WRITTEN", 10),
    VTAP_FIELD_J(CAP, file_errors),
    VTAP_FIELD_J(CAP, rotations),
    VTAP_FIELD_C(CAP, live_sent, 3, "LIVE", 10),
    VTAP_FIELD_C(CAP, live_dropped, 4, "LDROP", 8),
    VTAP_FIELD_J(CAP, clients),
    VTAP_FIELD_J(CAP, xdp_received),
    VTAP_FIELD_C(CAP, no_socket, 5, "NOSOCK", 8),
    VTAP_FIELD_C(CAP, ring_full, 6, "RINGFULL", 8),
    VTAP_FIELD_J(CAP, fill_empty),
};
const struct vtap_field_table vtap_capture_stats_fields = VTAP_FIELDS(capture_f);

#define XTX struct vtap_xsk_tx_stats
static const struct vtap_counter_field xsk_tx_f[] = {
    VTAP_FIELD_P(XTX, sent, "sent"),	     VTAP_FIELD_J(XTX, completed),
    VTAP_FIELD_P(XTX, no_frame, "no frame"), VTAP_FIELD_P(XTX, ring_full, "TX ring full"),
    VTAP_FIELD_P(XTX, cut, "cut"),	     VTAP_FIELD_J(XTX, bad_id),
    VTAP_FIELD_P(XTX, invalid, "invalid"),
};
const struct vtap_field_table vtap_xsk_tx_fields = VTAP_FIELDS(xsk_tx_f);
