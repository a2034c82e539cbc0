/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of the answers vtapd and vtap-dpdk lay out alike, so vtapctl
 * and scripts read both the same way. `stats`: the policies' counters, then
 * the sinks', then (vtapd) the receiving side's, in text (one table each)
 * or JSON ({"policies":[...],"sinks":[...],"receive":[...]}); the daemon
 * walks its own state and hands each row over. `policies`: the set in
 * effect. `status`: the taps' global counters. */
#ifndef VTAP_USER_CTL_VIEWS_H
#define VTAP_USER_CTL_VIEWS_H

#include <stdbool.h>
#include <vtap/map_types.h>
#include "core/policy.h"
#include "command.h"
#include "fields.h"

struct vtap_stats_view {
	struct sbuf *o;
	bool json;
	const char *only;	      /* `stats NAME`: the one policy shown (NULL: all) */
	size_t rows;		      /* rows of the current section */
	size_t policies;	      /* policy rows written */
	struct vtap_metrics *metrics; /* a scrape: rows become samples (metrics.h) */
	bool group_head;	      /* the groups' table heading is out */
};

/* r: --json, the one policy asked for (r->name), or a metrics scrape */
void vtap_stats_begin(struct vtap_stats_view *v, struct sbuf *o, const struct vtap_ctl_req *r);
/* Is this policy one the answer shows? */
bool vtap_stats_wants(const struct vtap_stats_view *v, const char *policy);
void vtap_stats_policy(struct vtap_stats_view *v, const char *name, const struct vtap_counters *c);
/* After the policies: -1, the answer replaced by "no policy named NAME",
 * when `stats NAME` named none of them. */
int vtap_stats_sinks(struct vtap_stats_view *v);
/* more/more_s: counters of the daemon's own shown in JSON after the
 * sink's (NULL: none) */
void vtap_stats_sink(struct vtap_stats_view *v, const char *port,
		     const struct vtap_sink_counters *c, const struct vtap_field_table *more,
		     const void *more_s);
/* Monitor groups' members (after the sinks): a table, or "groups":[...]
 * of {"group","member", and the member's counters} */
void vtap_stats_groups(struct vtap_stats_view *v);
void vtap_stats_member(struct vtap_stats_view *v, const char *group, const char *member,
		       const struct vtap_member_counters *c);
/* The receiving side; any: there are rows (text shows no table otherwise) */
void vtap_stats_receive(struct vtap_stats_view *v, bool any);
/* vni < 0: frames of a VNI no receive entry names */
void vtap_stats_recv(struct vtap_stats_view *v, long long vni, const char *port,
		     const struct vtap_recv_counters *c);
void vtap_stats_end(struct vtap_stats_view *v);

/* policies: the set in effect, ids[i] the counter slot (id) of
 * set->policies[i]: a table, or a JSON list */
void vtap_policies_view(struct sbuf *o, const struct vtap_policy_set *set, const __u32 *ids,
			bool json);

/* status: the global counters. Text: the "frames seen:" line; JSON:
 * "global":{ and its members (the caller may add its own, and closes it). */
void vtap_status_global(struct sbuf *o, const struct vtap_global_counters *g, bool json);

#endif
