/* SPDX-License-Identifier: GPL-2.0 */
/* A policy's rate cap (`rate: { pps, bytes_per_sec, burst }`): whether one
 * more copy fits, for the copy step (copy_plan.h) of the BPF taps and of
 * vtap-dpdk. One state per policy for all CPUs (struct vtap_rate), so the
 * cap holds for the policy as a whole, not per CPU.
 *
 * Each bucket is a GCRA (the virtual-scheduling form of a token bucket):
 * tat is when the bucket would be empty again; a copy fits when tat is at
 * most tau ahead of now, and moves tat on by its cost. One 64-bit word per
 * bucket, updated with compare-and-swap: no lock, no per-CPU split to
 * reconcile. A copy that loses the race VTAP_RATE_TRIES times in a row is
 * counted over the cap: contention can only lower the rate, never raise it
 * above the cap. A copy over the cap costs no token. */
#ifndef VTAP_RATE_H
#define VTAP_RATE_H

#include "compat.h"
#include "map_types.h"

#define VTAP_RATE_SHIFT	     4	/* time unit: 1/16 ns */
#define VTAP_RATE_BYTE_SHIFT 16 /* byte_cost is in 2^-16 time units */
#define VTAP_RATE_TRIES	     4

/* The bucket's next tat if a copy of cost fits at now, else 0 (tat is
 * never 0 once a copy went through: now is time since boot). */
static __always_inline __u64 vtap_gcra_peek(__u64 tat, __u64 now, __u64 cost, __u64 tau)
{
	__u64 base = tat > now ? tat : now;

	return base - now > tau ? 0 : base + cost;
}

static __always_inline int vtap_gcra_take(__u64 *tat, __u64 now, __u64 cost, __u64 tau)
{
	int i;

	VTAP_UNROLL
	for (i = 0; i < VTAP_RATE_TRIES; i++) {
		__u64 t = *(volatile __u64 *)tat, next = vtap_gcra_peek(t, now, cost, tau);

		if (!next)
			return 0;
		if (__sync_val_compare_and_swap(tat, t, next) == t)
			return 1;
	}
	return 0;
}

/* Whether a copy of len bytes fits the caps of r at now_ns (a monotonic
 * clock in ns), charging it when it does. */
static __always_inline int vtap_rate_admit(struct vtap_rate *r, __u64 now_ns, __u32 len)
{
	__u64 now = now_ns << VTAP_RATE_SHIFT;

	/* the packet bucket is looked at first and charged last, so a copy
	 * the packet cap refuses costs the byte bucket nothing */
	if (r->pkt_cost && !vtap_gcra_peek(*(volatile __u64 *)&r->pkt_tat, now, r->pkt_cost,
					   r->pkt_tau))
		return 0;
	if (r->byte_cost &&
	    !vtap_gcra_take(&r->byte_tat, now, ((__u64)len * r->byte_cost) >> VTAP_RATE_BYTE_SHIFT,
			    r->byte_tau))
		return 0;
	if (r->pkt_cost && !vtap_gcra_take(&r->pkt_tat, now, r->pkt_cost, r->pkt_tau))
		return 0;
	return 1;
}

#endif
