// SPDX-License-Identifier: GPL-2.0
/* See rate_cfg.h. The burst: with pps, `burst` copies may go back to back
 * after a quiet spell, and the byte bucket (if any) holds the same span of
 * time at bytes_per_sec; without pps, `burst` bytes may (the copy that
 * crosses it still goes: a frame is never refused for being larger than the
 * bucket, the bucket goes into debt instead). The default burst is 10 ms of
 * the rate, at least one copy. */
#include <vtap/rate.h>
#include "rate_cfg.h"

#define NS_PER_S    1000000000ULL
#define DEFAULT_DIV 100 /* default burst: 1/100 s of the rate */
#define TAU_MAX	    (1ULL << 62)

static __u64 cap(unsigned __int128 v)
{
	return v > TAU_MAX ? TAU_MAX : (__u64)v;
}

void vtap_rate_config(const struct vtap_rate_spec *spec, struct vtap_rate *r)
{
	unsigned __int128 burst_bytes = 0;
	__u64 burst_pkts = 0;

	*r = (struct vtap_rate){0};
	if (spec->pps) {
		burst_pkts = spec->burst ? spec->burst : spec->pps / DEFAULT_DIV;
		if (!burst_pkts)
			burst_pkts = 1;
		r->pkt_cost = (NS_PER_S << VTAP_RATE_SHIFT) / spec->pps;
		r->pkt_tau = cap((unsigned __int128)(burst_pkts - 1) * r->pkt_cost);
	}
	if (spec->bytes_per_sec) {
		if (spec->pps)
			burst_bytes = (unsigned __int128)burst_pkts * spec->bytes_per_sec / spec->pps;
		else
			burst_bytes = spec->burst ? spec->burst : spec->bytes_per_sec / DEFAULT_DIV;
		r->byte_cost = (NS_PER_S << (VTAP_RATE_SHIFT + VTAP_RATE_BYTE_SHIFT)) /
			       spec->bytes_per_sec;
		r->byte_tau = cap(burst_bytes * r->byte_cost >> VTAP_RATE_BYTE_SHIFT);
	}
}

bool vtap_rate_same_config(const struct vtap_rate *a, const struct vtap_rate *b)
{
	return a->pkt_cost == b->pkt_cost && a->pkt_tau == b->pkt_tau &&
	       a->byte_cost == b->byte_cost && a->byte_tau == b->byte_tau;
}
