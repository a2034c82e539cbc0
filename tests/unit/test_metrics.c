// SPDX-License-Identifier: GPL-2.0
/* The Prometheus exposition (user/ctl/metrics.c) and --metrics' address
 * parsing (metrics_http.c), without a daemon: every counter of every field
 * table has a help line; a stats walk with metrics set gives one family per
 * counter, # HELP and # TYPE once each, its samples together, labelled with
 * the policy and its monitor; gauges have no _total; label values are
 * escaped; promtool (Prometheus' own checker) finds nothing to say. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctl/counters.h"
#include "ctl/metrics.h"
#include "ctl/metrics_http.h"
#include "ctl/views.h"
#include "sinks/capture.h"

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_every_counter_has_help(void **state)
{
	const struct vtap_field_table *t[] = {&vtap_counters_fields,	  &vtap_global_fields,
					      &vtap_sink_fields,	  &vtap_recv_fields,
					      &vtap_capture_stats_fields, &vtap_xsk_tx_fields};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (size_t k = 0; k < t[i]->n; k++) {
			assert_non_null(t[i]->f[k].help);
			assert_true(strlen(t[i]->f[k].help) > 5);
			assert_null(strchr(t[i]->f[k].help, '\n'));
		}
}

/* The stats walk of both daemons, in metrics mode, then rendered */
static void render(struct sbuf *o)
{
	struct vtap_monitor mons[2] = {{.name = "ids"}, {.name = "rec"}};
	struct vtap_policy pols[3] = {{.name = "web"}, {.name = "dns"}, {.name = "skip-ssh"}};
	struct vtap_policy_set set = {
	    .monitors = mons, .n_monitors = 2, .policies = pols, .n_policies = 3};
	struct vtap_counters c = {.matched_pkts = 10, .copies = 9, .copy_fail = 1};
	struct vtap_sink_counters s = {.delivered = 9};
	struct vtap_capture_stats cs = {.received = 4, .clients = 2};
	struct vtap_metrics m;
	struct vtap_stats_view sv;
	struct sbuf unused = {0};

	snprintf(pols[0].monitor, sizeof(pols[0].monitor), "ids");
	snprintf(pols[1].monitor, sizeof(pols[1].monitor), "rec");
	vtap_metrics_init(&m, &set);
	vtap_stats_begin(&sv, &unused, &(struct vtap_ctl_req){.fd = -1, .metrics = &m});
	for (size_t i = 0; i < 3; i++)
		vtap_stats_policy(&sv, pols[i].name, &c);
	vtap_stats_sinks(&sv);
	vtap_stats_sink(&sv, "mon0", &s, NULL, NULL);
	vtap_stats_receive(&sv, false);
	vtap_stats_end(&sv);
	assert_int_equal(unused.len, 0); /* nothing written as text or JSON */
	vtap_metrics_fields(&m, "vtap_capture", &vtap_capture_stats_fields, &cs,
			    "monitor=\"rec\",port=\"vtrec-0001\"");
	vtap_metrics_counter(&m, "vtap_reloads_total", "Policy reloads", "result=\"ok\"", 3);
	vtap_metrics_counter(&m, "vtap_reloads_total", NULL, "result=\"rejected\"", 1);
	vtap_metrics_gauge(&m, "vtap_last_apply_duration_seconds", "Last apply", "", 0.0125);
	vtap_metrics_render(&m, o);
	vtap_metrics_free(&m);
	sbuf_free(&unused);
}

static void test_families(void **state)
{
	struct sbuf o = {0};

	(void)state;
	render(&o);
	assert_false(o.oom);
	/* one HELP and TYPE per family, whatever the number of rows */
	assert_int_equal(occurrences(o.s, "# HELP vtap_policy_copies_total "), 1);
	assert_int_equal(occurrences(o.s, "# TYPE vtap_policy_copies_total counter\n"), 1);
	assert_non_null(strstr(o.s,
			       "# TYPE vtap_policy_copies_total counter\n"
			       "vtap_policy_copies_total{policy=\"web\",monitor=\"ids\"} 9\n"
			       "vtap_policy_copies_total{policy=\"dns\",monitor=\"rec\"} 9\n"
			       "vtap_policy_copies_total{policy=\"skip-ssh\",monitor=\"\"} 9\n"));
	assert_non_null(
	    strstr(o.s, "vtap_policy_copy_fail_total{policy=\"web\",monitor=\"ids\"} 1\n"));
	assert_non_null(strstr(o.s, "vtap_sink_delivered_total{port=\"mon0\"} 9\n"));
	/* every counter of the tables, as a family */
	for (size_t k = 0; k < vtap_counters_fields.n; k++) {
		char h[128];

		snprintf(h, sizeof(h), "# HELP vtap_policy_%s_total %s\n",
			 vtap_counters_fields.f[k].name, vtap_counters_fields.f[k].help);
		assert_non_null(strstr(o.s, h));
	}
	/* a gauge of a table: no _total */
	assert_non_null(strstr(o.s,
			       "# TYPE vtap_capture_clients gauge\n"
			       "vtap_capture_clients{monitor=\"rec\",port=\"vtrec-0001\"} 2\n"));
	assert_null(strstr(o.s, "vtap_capture_clients_total"));
	/* the second sample of a family keeps the first one's help */
	assert_non_null(strstr(o.s, "# HELP vtap_reloads_total Policy reloads\n"
				    "# TYPE vtap_reloads_total counter\n"
				    "vtap_reloads_total{result=\"ok\"} 3\n"
				    "vtap_reloads_total{result=\"rejected\"} 1\n"));
	assert_non_null(strstr(o.s, "vtap_last_apply_duration_seconds 0.0125\n"));
	sbuf_free(&o);
}

static void test_promtool(void **state)
{
	struct sbuf o = {0};
	char out[4096] = "", path[] = "/tmp/vtap-test-metrics.XXXXXX", cmd[128];
	int fd;
	FILE *p;
	size_t n;

	(void)state;
	render(&o);
	/* promtool reads stdin; what it says goes to our pipe */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, o.s, o.len), (ssize_t)o.len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1; echo rc=$?", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	unlink(path);
	if (strcmp(out, "rc=0\n"))
		fprintf(stderr, "promtool: %s", out);
	assert_string_equal(out, "rc=0\n");
	sbuf_free(&o);
}

static void test_label_escaping(void **state)
{
	struct sbuf l = {0};

	(void)state;
	vtap_metrics_label(&l, "a", "x\"y\\z\nw");
	vtap_metrics_label(&l, "b", "");
	assert_string_equal(l.s, "a=\"x\\\"y\\\\z\\nw\",b=\"\"");
	sbuf_free(&l);
}

static void test_addr_parse(void **state)
{
	const char *good[] = {"127.0.0.1:9750", "0.0.0.0:1", "[::1]:9750", "[::]:65535"};
	const char *bad[] = {
	    "9750",	      "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
	    "localhost:9750", "[::1]9750", "::1:9750",	 "1.2.3.4:9x",	"[127.0.0.1]:80",
	    ":9750",	      "[]:80"};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(vtap_metrics_addr_parse(good[i], &ss, &len, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(vtap_metrics_addr_parse(bad[i], &ss, &len, err, sizeof(err)), -1);
		/* the message names the value */
		assert_memory_equal(err, bad[i], strlen(bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_counter_has_help),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_promtool),
	    cmocka_unit_test(test_label_escaping),
	    cmocka_unit_test(test_addr_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
