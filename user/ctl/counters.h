/* SPDX-License-Identifier: GPL-2.0 */
/* The field table of every counter struct vtap reports (fields.h): the
 * kernel's (include/vtap/map_types.h) and the sinks' user-space ones. Their
 * JSON names are the struct members' names; text columns and prose labels
 * are the ones vtapctl has always printed. */
#ifndef VTAP_USER_CTL_COUNTERS_H
#define VTAP_USER_CTL_COUNTERS_H

#include "fields.h"

extern const struct vtap_field_table vtap_counters_fields; /* struct vtap_counters (a policy) */
extern const struct vtap_field_table vtap_global_fields;   /* struct vtap_global_counters */
extern const struct vtap_field_table vtap_sink_fields;	   /* struct vtap_sink_counters */
extern const struct vtap_field_table vtap_recv_fields;	   /* struct vtap_recv_counters */
extern const struct vtap_field_table vtap_member_fields; /* struct vtap_member_counters */
extern const struct vtap_field_table vtap_capture_stats_fields; /* struct vtap_capture_stats */
extern const struct vtap_field_table vtap_xsk_tx_fields;	/* struct vtap_xsk_tx_stats */

#endif
