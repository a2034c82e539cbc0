/* SPDX-License-Identifier: GPL-2.0 */
/* Monitor groups: which member of a group gets a frame's copy, for the copy
 * step (copy_plan.h) of the BPF taps and of vtap-dpdk.
 *
 * The flow hash is symmetric: both directions of a connection hash alike,
 * so one member (one IDS instance) sees the whole connection. TCP and UDP
 * frames hash their addresses and ports, each (address, port) end hashed
 * on its own and the two added (addition does not care which end is which);
 * IP fragments (their later pieces carry no ports: all pieces must go where
 * the first goes), other IP protocols hash the addresses alone; non-IP
 * frames hash to 0 (one member takes them all).
 *
 * The member is chosen by rendezvous hashing (highest random weight): each
 * member's score is the flow hash mixed with the member's seed (its name,
 * hashed), the highest usable score wins. A member that is not usable (its
 * sink_ifindex 0) loses only the flows it won: every other flow keeps its
 * winner; when it comes back, its flows come back to it. Cost: one score
 * per member (a multiply-xor), per copy only. */
#ifndef VTAP_GROUP_H
#define VTAP_GROUP_H

#include "compat.h"
#include "map_types.h"
#include "parse.h"
#include "dedup.h"

static __always_inline __u64 vtap_end_hash(const __u8 *addr, __u16 port)
{
	__u64 h = vtap_fp_mix(vtap_fp_mix((__u64)port + 1, vtap_rd64(addr)), vtap_rd64(addr + 8));

	return h ^ (h >> 29);
}

/* The symmetric flow hash of a parsed frame. */
static __always_inline __u64 vtap_flow_hash_sym(const struct vtap_pkt *pkt)
{
	int ports = pkt->level == VTAP_LEVEL_L4 && !(pkt->flags & VTAP_PF_FRAG) &&
		    (pkt->proto == VTAP_IPPROTO_TCP || pkt->proto == VTAP_IPPROTO_UDP);

	if (pkt->level == VTAP_LEVEL_L2)
		return 0;
	return vtap_end_hash(pkt->saddr, ports ? pkt->sport : 0) +
	       vtap_end_hash(pkt->daddr, ports ? pkt->dport : 0);
}

/* The usable member of g with the highest score for flow hash h, or -1 when
 * none is usable; *first: the member with the highest score of all, usable
 * or not (the flow's own member: when it is not the one chosen, the copy is
 * rehashed). */
static __always_inline int vtap_group_pick(const struct vtap_group *g, __u64 h, int *first)
{
	__u64 best = 0, best_all = 0;
	int pick = -1, i;

	*first = -1;
	VTAP_UNROLL
	for (i = 0; i < VTAP_GROUP_MAX; i++) {
		__u64 score;

		if ((__u32)i >= g->n)
			break;
		score = vtap_fp_mix(h, g->m[i].seed);
		score ^= score >> 31;
		if (*first < 0 || score > best_all) {
			best_all = score;
			*first = i;
		}
		if (g->m[i].sink_ifindex && (pick < 0 || score > best)) {
			best = score;
			pick = i;
		}
	}
	return pick;
}

/* vtap_group_pick in one int, for a backend's global function: -1 when no
 * member is usable, else the member chosen | the flow's own member << 8. */
static __always_inline int vtap_group_pick_packed(const struct vtap_group *g, __u64 h)
{
	int first = -1, k = vtap_group_pick(g, h, &first);

	return k < 0 ? -1 : k | (first & 0xff) << 8;
}

#endif
