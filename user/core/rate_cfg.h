/* SPDX-License-Identifier: GPL-2.0 */
/* A policy's `rate` as the taps' rate state wants it (include/vtap/rate.h):
 * costs and tolerances in the buckets' time units. For vtapd (the map
 * vtap_rate) and vtap-dpdk (its in-memory states) alike. */
#ifndef VTAP_USER_RATE_CFG_H
#define VTAP_USER_RATE_CFG_H

#include <stdbool.h>
#include <vtap/map_types.h>
#include "policy.h"

/* The state of spec, with empty buckets (tats 0); all 0 for no cap. */
void vtap_rate_config(const struct vtap_rate_spec *spec, struct vtap_rate *r);
/* a and b have the same costs and tolerances (their tats aside). */
bool vtap_rate_same_config(const struct vtap_rate *a, const struct vtap_rate *b);

#endif
