// SPDX-License-Identifier: GPL-2.0
/* See ctl_reply.h. */
#include <string.h>
#include "ctl_reply.h"

int vtap_ctl_parse(char *line, struct vtap_ctl_cmd *c, struct sbuf *o)
{
	char *save = NULL;

	memset(c, 0, sizeof(*c));
	for (char *t = strtok_r(line, " \t\r\n", &save); t && c->argc < VTAP_CTL_MAX_ARGS;
	     t = strtok_r(NULL, " \t\r\n", &save))
		c->argv[c->argc++] = t;
	if (!c->argc) {
		sbuf_printf(o, "empty command\n");
		return -1;
	}
	for (int i = 1; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "--json"))
			c->json = true;
		else
			c->name = c->argv[i];
	}
	return 0;
}

int vtap_ctl_dispatch(const struct vtap_ctl_ops *ops, void *srv, const struct vtap_policy_set *set,
		      char *line, struct sbuf *o, bool *quit)
{
	struct vtap_ctl_cmd c;
	const char *cmd;

	*quit = false;
	if (vtap_ctl_parse(line, &c, o))
		return -1;
	cmd = c.argv[0];
	if (!strcmp(cmd, "status")) {
		ops->status(srv, o, c.json);
		return 0;
	}
	if (!strcmp(cmd, "policies")) {
		ops->policies(srv, o, c.json);
		return 0;
	}
	if (!strcmp(cmd, "stats"))
		return ops->stats(srv, o, c.name, c.json);
	if (!strcmp(cmd, "reload")) {
		if (ops->reload(srv, o))
			return -1;
		sbuf_printf(o, "reloaded: %zu policies, %zu monitors\n", set->n_policies,
			    set->n_monitors);
		return 0;
	}
	if (!strcmp(cmd, "teardown")) {
		ops->teardown(srv, o);
		*quit = true;
		return 0;
	}
	sbuf_printf(o, "unknown command %s (status, policies, stats, reload, teardown)\n", cmd);
	return -1;
}

void vtap_ctl_stats_head(struct sbuf *o, bool json)
{
	if (json)
		sbuf_printf(o, "{\"policies\":[");
	else
		sbuf_printf(o, "%-20s %12s %14s %12s %10s %10s %10s\n", "POLICY", "MATCHED",
			    "BYTES", "COPIES", "FAILED", "SAMPLED", "RINGFULL");
}

void vtap_ctl_stats_policy(struct sbuf *o, const char *name, const struct vtap_counters *c,
			   bool json, bool first)
{
	if (json) {
		sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
		sbuf_json_str(o, name);
		sbuf_printf(o,
			    ",\"matched_pkts\":%llu,\"matched_bytes\":%llu,\"copies\":%llu,"
			    "\"copy_bytes\":%llu,\"copy_fail\":%llu,\"sampled_out\":%llu,"
			    "\"ring_full\":%llu}",
			    (unsigned long long)c->matched_pkts,
			    (unsigned long long)c->matched_bytes, (unsigned long long)c->copies,
			    (unsigned long long)c->copy_bytes, (unsigned long long)c->copy_fail,
			    (unsigned long long)c->sampled_out, (unsigned long long)c->ring_full);
	} else {
		sbuf_printf(o, "%-20s %12llu %14llu %12llu %10llu %10llu %10llu\n", name,
			    (unsigned long long)c->matched_pkts,
			    (unsigned long long)c->matched_bytes, (unsigned long long)c->copies,
			    (unsigned long long)c->copy_fail, (unsigned long long)c->sampled_out,
			    (unsigned long long)c->ring_full);
	}
}
