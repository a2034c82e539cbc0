/* SPDX-License-Identifier: GPL-2.0 */
/* Policy ids: the index of a policy's counters (vtap_stats in the kernel,
 * vdp_stats in vtap-dpdk), of its VXLAN tunnel and of its session tag. An
 * id stays with a policy's name across reloads, so its counters survive an
 * edit. vtapd and vtap-dpdk run the same steps around a swap
 * (docs/architecture.md, "Policy ids across a swap"):
 *
 *   assign   the next set's ids: a kept name its own; a new name a free id,
 *            else one a retired policy left (VTAP_IDS_WAIT: after a grace
 *            period), else one a policy leaving with this swap holds
 *            (VTAP_IDS_BRIDGE: the bridge generation goes first)
 *   bridge   the running set without the leaving policies' copies: flipped
 *            in first, so the ids they held can change hands
 *   step     what each id does in the swap (zero the counters of the new)
 *   commit   the next set is in effect / abort: it was rejected
 *   quiesce  no generation but the one in effect can still run: the ids of
 *            policies that left become free
 *
 * No libbpf here: both daemons and the unit tests link it. */
#ifndef VTAP_USER_POLICY_IDS_H
#define VTAP_USER_POLICY_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <vtap/limits.h>
#include <vtap/map_names.h>
#include "policy.h"

#define VTAP_POLICY_ID_NONE ((__u32)-1)

/* assign's answer (bits): how the swap must go */
#define VTAP_IDS_WAIT	0x1 /* some new ids were retired: wait a grace period first */
#define VTAP_IDS_BRIDGE 0x2 /* some new ids are held by leaving policies: bridge first */

/* What an id does in the swap being prepared (between assign and
 * commit or abort). */
enum vtap_id_step {
	VTAP_ID_UNUSED = 0, /* no owner before or after */
	VTAP_ID_KEPT,	    /* same name before and after */
	VTAP_ID_NEW,	    /* a new name on an id that was free or retired */
	VTAP_ID_REUSED,	    /* a new name on a leaving policy's id (after the bridge) */
	VTAP_ID_LEAVING,    /* its policy is not in the next set */
	VTAP_ID_DRAIN,	    /* leaving; the bridge's silenced rules count into it */
};

struct vtap_policy_ids {
	/* the set in effect: owner by id, "" when free or retired */
	char owner[VTAP_MAX_RULES][VTAP_NAME_MAX];
	unsigned char state[VTAP_MAX_RULES]; /* free, live, retired */
	/* live ids sorted by owner, for the n log n lookups of a big set */
	__u32 by_name[VTAP_MAX_RULES];
	size_t n_live;
	bool stale; /* owners adopted since by_name was sorted */
	/* the swap being prepared */
	unsigned char step[VTAP_MAX_RULES];    /* enum vtap_id_step */
	const char *next_name[VTAP_MAX_RULES]; /* NEW, REUSED: into the next set */
	__u32 drain;			       /* VTAP_POLICY_ID_NONE: no id to spare */
};

void vtap_policy_ids_init(struct vtap_policy_ids *t);
/* An owner found at start (vtapd: the pinned vtap_names of a previous run,
 * whose generation may still be running). */
int vtap_policy_ids_adopt(struct vtap_policy_ids *t, __u32 id, const char *name);
/* ids[i] for next->policies[i]. Returns 0 (one flip will do), a mix of
 * VTAP_IDS_WAIT and VTAP_IDS_BRIDGE, or -1 with FILE:LINE:COLUMN errors
 * (more policies than ids: the parser's limit keeps that from happening). */
int vtap_policy_ids_assign(struct vtap_policy_ids *t, const struct vtap_policy_set *next,
			   __u32 *ids, struct vtap_errors *errs);
enum vtap_id_step vtap_policy_ids_step(const struct vtap_policy_ids *t, __u32 id);
/* The running set's name on id (NULL: none). */
const char *vtap_policy_ids_owner(const struct vtap_policy_ids *t, __u32 id);
/* The next set's name on id during a swap: the new owner, or the kept one. */
const char *vtap_policy_ids_next_owner(const struct vtap_policy_ids *t, __u32 id);
/* The bridge generation for VTAP_IDS_BRIDGE: running (whose ids are
 * running_ids) with every leaving policy silenced — a skip rule counting
 * into the drain id, so nothing it shadowed gets copied — or, when every id
 * is needed by the next set, only the running policies ranked before the
 * first leaving one. out shares running's contents: free it with
 * vtap_policy_ids_bridge_free, before running. out_ids has room for
 * running->n_policies. */
int vtap_policy_ids_bridge(const struct vtap_policy_ids *t, const struct vtap_policy_set *running,
			   const __u32 *running_ids, struct vtap_policy_set *out, __u32 *out_ids);
void vtap_policy_ids_bridge_free(struct vtap_policy_set *out);
void vtap_policy_ids_commit(struct vtap_policy_ids *t);
void vtap_policy_ids_abort(struct vtap_policy_ids *t);
void vtap_policy_ids_quiesce(struct vtap_policy_ids *t);

#endif
