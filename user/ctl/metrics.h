/* SPDX-License-Identifier: GPL-2.0 */
/* Metrics in the Prometheus text exposition format (version 0.0.4), for
 * `vtapd --metrics` and `vtap-dpdk --metrics` (metrics_http.h serves them).
 *
 * A scrape collects samples, then renders them grouped by metric family
 * (one # HELP and # TYPE each), as the format requires. Counters of a field
 * table (fields.h) become one family per field, named PREFIX_FIELD_total
 * (gauges: PREFIX_FIELD), with the field's help: the same table that names
 * the JSON member names the metric, so `vtapctl stats --json`'s
 * "copy_fail" of a policy is vtap_policy_copy_fail_total{policy=...}. The
 * stats walk of both daemons fills these (views.h: a request with metrics
 * set), so a scrape and `vtapctl stats --json` read the same counters. */
#ifndef VTAP_USER_CTL_METRICS_H
#define VTAP_USER_CTL_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include "core/policy.h"
#include "core/sbuf.h"
#include "command.h"
#include "fields.h"

struct vtap_metric_sample;

struct vtap_metrics {
	struct vtap_metric_sample *v;
	size_t n, cap;
	int oom;
	const struct vtap_policy_set *set; /* the policies' monitors (their label) */
	size_t hint;			   /* where the last policy looked up was */
};

void vtap_metrics_init(struct vtap_metrics *m, const struct vtap_policy_set *set);
void vtap_metrics_free(struct vtap_metrics *m);

/* Append key="value" to a label list (comma-separated, value escaped). */
void vtap_metrics_label(struct sbuf *labels, const char *key, const char *value);

/* Every field of t in s: PREFIX_FIELD_total{labels} (labels: "" or a list
 * made by vtap_metrics_label). */
void vtap_metrics_fields(struct vtap_metrics *m, const char *prefix,
			 const struct vtap_field_table *t, const void *s, const char *labels);
/* One sample of a counter (name ends in _total) or gauge. */
void vtap_metrics_counter(struct vtap_metrics *m, const char *name, const char *help,
			  const char *labels, uint64_t value);
void vtap_metrics_gauge(struct vtap_metrics *m, const char *name, const char *help,
			const char *labels, double value);

/* What both daemons show of themselves: vtap_build_info, vtap_policies,
 * vtap_monitors, vtap_reloads_total{result}, vtap_last_apply_duration_seconds,
 * vtap_last_reload_error. */
struct vtap_metrics_daemon {
	const char *daemon; /* "vtapd", "vtap-dpdk" */
	size_t policies, monitors;
	unsigned long reloads_ok, reloads_failed;
	double last_apply_ms;
	const char *last_error; /* "" when the last reload was applied */
};
void vtap_metrics_daemon(struct vtap_metrics *m, const struct vtap_metrics_daemon *d);

/* The samples of `vtapctl stats`: the stats command of table t run on srv
 * for the scrape (views.h). Its result (0, or -1). */
int vtap_metrics_stats(struct vtap_metrics *m, const struct vtap_ctl_table *t, void *srv);

/* The exposition: families in the order they first appeared. */
void vtap_metrics_render(const struct vtap_metrics *m, struct sbuf *o);

/* The monitor of the policy named policy in m->set ("" when none) */
const char *vtap_metrics_monitor_of(struct vtap_metrics *m, const char *policy);

#endif
