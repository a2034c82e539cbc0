/* SPDX-License-Identifier: GPL-2.0 */
/* The parts of a control-socket answer that vtapd and vtap-dpdk share, so
 * vtapctl reads both the same way: the command line's words and the
 * per-policy counter lines of `stats` (text and JSON). */
#ifndef VTAP_USER_CTL_REPLY_H
#define VTAP_USER_CTL_REPLY_H

#include <stdbool.h>
#include <vtap/map_types.h>
#include "core/sbuf.h"
#include "core/policy.h"

#define VTAP_CTL_MAX_ARGS 8

struct vtap_ctl_cmd {
	char *argv[VTAP_CTL_MAX_ARGS];
	int argc;
	bool json;  /* --json was given */
	char *name; /* the last other argument, or NULL */
};

/* Split line (modified) into words. Returns 0, or -1 with the reason in o
 * when it holds none. */
int vtap_ctl_parse(char *line, struct vtap_ctl_cmd *c, struct sbuf *o);

/* The header of the policies' part of `stats` ("{\"policies\":[" in JSON). */
void vtap_ctl_stats_head(struct sbuf *o, bool json);
/* One policy's counters; first: the first entry of the JSON list. */
void vtap_ctl_stats_policy(struct sbuf *o, const char *name, const struct vtap_counters *c,
			   bool json, bool first);

/* A server's answers to the commands both servers take (srv: the server). */
struct vtap_ctl_ops {
	void (*status)(void *srv, struct sbuf *o, bool json);
	void (*policies)(void *srv, struct sbuf *o, bool json);
	int (*stats)(void *srv, struct sbuf *o, const char *name, bool json);
	int (*reload)(void *srv, struct sbuf *errs);
	void (*teardown)(void *srv, struct sbuf *o); /* says what stopping does */
};

/* Answer one command line (modified) into o: status, policies, stats,
 * reload (then the sizes of *set, the server's policy set) or teardown
 * (sets *quit). Returns 0, or -1 when the command failed or is unknown. */
int vtap_ctl_dispatch(const struct vtap_ctl_ops *ops, void *srv, const struct vtap_policy_set *set,
		      char *line, struct sbuf *o, bool *quit);

#endif
