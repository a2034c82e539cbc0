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

void vtap_ctl_stats_head(struct sbuf *o, bool json)
{
	if (json)
		sbuf_printf(o, "{\"policies\":[");
	else
		sbuf_printf(o, "%-20s %12s %14s %12s %10s %10s %10s\n", "POLICY", "MATCHED", "BYTES",
			    "COPIES", "FAILED", "SAMPLED", "RINGFULL");
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
