// SPDX-License-Identifier: GPL-2.0
/* The counters' field tables and the answers built on them (user/ctl:
 * fields.c, counters.c, views.c) and the command table (command.c), without
 * a daemon: the text columns equal, byte for byte, what the hand-written
 * printf formats of vtapctl's tables printed before the tables existed;
 * the JSON parses (python3) and carries every counter under its C name;
 * unknown, empty and filtered commands answer as before. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ctl/command.h"
#include "ctl/counters.h"
#include "ctl/views.h"
#include "sinks/capture.h"
#include "sinks/xsk_tx.h"

/* Counters with distinct values, so a column in the wrong place shows */
static void fill(void *s, size_t size)
{
	uint64_t *v = s;

	for (size_t i = 0; i < size / sizeof(*v); i++)
		v[i] = 1000 + 111 * i;
}

static char *str(struct sbuf *o)
{
	return o->s ? o->s : "";
}

/* python3 -c: json.loads(stdin) must succeed and `expr` (with d = the
 * document) must hold */
static void assert_json(const char *doc, const char *expr)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(sys.stdin); assert %s, d'", expr);
	p = popen(cmd, "w");
	assert_non_null(p);
	fputs(doc, p);
	assert_int_equal(pclose(p), 0);
}

static void test_policy_row_text(void **state)
{
	struct vtap_counters c;
	struct sbuf got = {0}, want = {0};

	(void)state;
	fill(&c, sizeof(c));
	sbuf_printf(&got, "%-20s", "web");
	vtap_fields_row(&got, &vtap_counters_fields, &c);
	/* the format vtapctl stats printed before the tables */
	sbuf_printf(&want, "%-20s %12llu %14llu %12llu %10llu %10llu %10llu %10llu %10llu", "web",
		    (unsigned long long)c.matched_pkts, (unsigned long long)c.matched_bytes,
		    (unsigned long long)c.copies, (unsigned long long)c.copy_fail,
		    (unsigned long long)c.sampled_out, (unsigned long long)c.ring_full,
		    (unsigned long long)c.rate_limited, (unsigned long long)c.deduplicated);
	assert_string_equal(str(&got), str(&want));
	sbuf_free(&got);
	sbuf_free(&want);
	sbuf_printf(&got, "%-20s", "POLICY");
	vtap_fields_head(&got, &vtap_counters_fields);
	sbuf_printf(&want, "%-20s %12s %14s %12s %10s %10s %10s %10s %10s", "POLICY", "MATCHED",
		    "BYTES", "COPIES", "FAILED", "SAMPLED", "RINGFULL", "RATELIM", "DEDUP");
	assert_string_equal(str(&got), str(&want));
	sbuf_free(&got);
	sbuf_free(&want);
}

static void test_policy_json(void **state)
{
	struct vtap_counters c;
	struct sbuf o = {0};
	char want[512];

	(void)state;
	fill(&c, sizeof(c));
	sbuf_printf(&o, "{\"name\":\"web\"");
	vtap_fields_json(&o, &vtap_counters_fields, &c);
	sbuf_printf(&o, "}");
	snprintf(want, sizeof(want),
		 "{\"name\":\"web\",\"matched_pkts\":%llu,\"matched_bytes\":%llu,\"copies\":%llu,"
		 "\"copy_bytes\":%llu,\"copy_fail\":%llu,\"sampled_out\":%llu,\"ring_full\":%llu,"
		 "\"rate_limited\":%llu,\"deduplicated\":%llu}",
		 (unsigned long long)c.matched_pkts, (unsigned long long)c.matched_bytes,
		 (unsigned long long)c.copies, (unsigned long long)c.copy_bytes,
		 (unsigned long long)c.copy_fail, (unsigned long long)c.sampled_out,
		 (unsigned long long)c.ring_full, (unsigned long long)c.rate_limited,
		 (unsigned long long)c.deduplicated);
	assert_string_equal(str(&o), want);
	sbuf_free(&o);
}

/* Every table names exactly the members of its struct: as many fields as
 * the struct has counters, at distinct offsets, within the struct */
static void check_table(const struct vtap_field_table *t, size_t size, size_t n_counters)
{
	assert_int_equal(t->n, n_counters);
	for (size_t i = 0; i < t->n; i++) {
		assert_true(t->f[i].off + t->f[i].size <= size);
		for (size_t k = 0; k < i; k++) {
			assert_int_not_equal(t->f[i].off, t->f[k].off);
			assert_string_not_equal(t->f[i].name, t->f[k].name);
		}
		/* a text column has a heading and a width that holds it */
		if (t->f[i].col)
			assert_true(t->f[i].head && strlen(t->f[i].head) <= t->f[i].width);
	}
}

static void test_tables_cover_structs(void **state)
{
	(void)state;
	check_table(&vtap_counters_fields, sizeof(struct vtap_counters),
		    sizeof(struct vtap_counters) / 8);
	check_table(&vtap_global_fields, sizeof(struct vtap_global_counters),
		    sizeof(struct vtap_global_counters) / 8);
	check_table(&vtap_sink_fields, sizeof(struct vtap_sink_counters),
		    sizeof(struct vtap_sink_counters) / 8);
	check_table(&vtap_recv_fields, sizeof(struct vtap_recv_counters),
		    sizeof(struct vtap_recv_counters) / 8);
	check_table(&vtap_xsk_tx_fields, sizeof(struct vtap_xsk_tx_stats),
		    sizeof(struct vtap_xsk_tx_stats) / 8);
	/* 15 u64 counters and the number of clients (unsigned int) */
	check_table(&vtap_capture_stats_fields, sizeof(struct vtap_capture_stats), 16);
}

static void test_capture_text_and_u32(void **state)
{
	struct vtap_capture_stats st;
	struct sbuf got = {0}, want = {0};

	(void)state;
	fill(&st, offsetof(struct vtap_capture_stats, clients));
	st.clients = 7;
	vtap_fields_row(&got, &vtap_capture_stats_fields, &st);
	/* status' monitor sinks table: its columns are not in the JSON order */
	sbuf_printf(&want, " %10llu %10llu %10llu %8llu %8llu %8llu %8llu %8llu",
		    (unsigned long long)st.received, (unsigned long long)st.written,
		    (unsigned long long)st.live_sent, (unsigned long long)st.live_dropped,
		    (unsigned long long)st.no_socket, (unsigned long long)st.ring_full,
		    (unsigned long long)st.fill_empty, (unsigned long long)st.bad);
	assert_string_equal(str(&got), str(&want));
	sbuf_free(&got);
	sbuf_printf(&got, "{");
	vtap_fields_json(&got, &vtap_capture_stats_fields, &st);
	sbuf_printf(&got, "}");
	assert_json(str(&got), "d[\"clients\"] == 7 and len(d) == 16");
	sbuf_free(&got);
	sbuf_free(&want);
}

static void test_prose(void **state)
{
	struct vtap_xsk_tx_stats tx;
	struct vtap_global_counters g;
	struct sbuf o = {0}, want = {0};

	(void)state;
	fill(&tx, sizeof(tx));
	vtap_fields_prose(&o, &vtap_xsk_tx_fields, &tx);
	sbuf_printf(&want, "sent %llu, no frame %llu, TX ring full %llu, cut %llu, invalid %llu",
		    (unsigned long long)tx.sent, (unsigned long long)tx.no_frame,
		    (unsigned long long)tx.ring_full, (unsigned long long)tx.cut,
		    (unsigned long long)tx.invalid);
	assert_string_equal(str(&o), str(&want));
	sbuf_free(&o);
	sbuf_free(&want);
	fill(&g, sizeof(g));
	vtap_status_global(&o, &g, false);
	sbuf_printf(&want,
		    "frames seen: %llu (copies ignored %llu, unparsed %llu, no match %llu)\n",
		    (unsigned long long)g.seen, (unsigned long long)g.copies_seen,
		    (unsigned long long)g.unparsed, (unsigned long long)g.no_match);
	assert_string_equal(str(&o), str(&want));
	sbuf_free(&o);
	sbuf_free(&want);
	/* JSON: an object the caller closes */
	vtap_status_global(&o, &g, true);
	sbuf_printf(&o, "}");
	sbuf_printf(&want, "{%s}", str(&o));
	assert_json(str(&want),
		    "d[\"global\"][\"cache_misses\"] == 1666 and len(d[\"global\"]) == 7");
	sbuf_free(&o);
	sbuf_free(&want);
}

static void sum_fn(void *arg, const char *name, uint64_t v)
{
	uint64_t *sum = arg;

	assert_non_null(name);
	*sum += v;
}

static void test_each(void **state)
{
	struct vtap_sink_counters s;
	uint64_t sum = 0, want = 0;

	(void)state;
	fill(&s, sizeof(s));
	vtap_fields_each(&vtap_sink_fields, &s, sum_fn, &sum);
	for (size_t i = 0; i < sizeof(s) / 8; i++)
		want += 1000 + 111 * i;
	assert_int_equal(sum, want);
}

/* The whole stats answer: text tables and one JSON document */
static void stats_answer(struct sbuf *o, bool json, const char *only)
{
	struct vtap_stats_view sv;
	struct vtap_counters c;
	struct vtap_sink_counters s;
	struct vtap_recv_counters r;
	struct vtap_xsk_tx_stats tx;
	const char *names[] = {"web", "dns"};

	fill(&tx, sizeof(tx));
	fill(&c, sizeof(c));
	fill(&s, sizeof(s));
	fill(&r, sizeof(r));
	vtap_stats_begin(&sv, o, &(struct vtap_ctl_req){.json = json, .name = only, .fd = -1});
	for (int i = 0; i < 2; i++)
		if (vtap_stats_wants(&sv, names[i]))
			vtap_stats_policy(&sv, names[i], &c);
	if (vtap_stats_sinks(&sv))
		return;
	vtap_stats_sink(&sv, "mon0", &s, NULL, NULL);
	vtap_stats_sink(&sv, "mon1", &s, &vtap_xsk_tx_fields, &tx); /* its own counters too */
	vtap_stats_receive(&sv, true);
	vtap_stats_recv(&sv, 100, "vm9", &r);
	vtap_stats_recv(&sv, -1, "(unknown vni)", &r);
	vtap_stats_end(&sv);
}

static void test_stats_view(void **state)
{
	struct sbuf o = {0};

	(void)state;
	stats_answer(&o, true, NULL);
	assert_json(str(&o),
		    "[p[\"name\"] for p in d[\"policies\"]] == [\"web\", \"dns\"] and "
		    "d[\"sinks\"][1][\"delivered\"] == 1000 and "
		    "d[\"sinks\"][1][\"invalid\"] == 1666 and "
		    "d[\"receive\"][1][\"vni\"] == -1 and d[\"receive\"][0][\"vni\"] == 100");
	sbuf_free(&o);
	stats_answer(&o, true, "dns");
	assert_json(str(&o), "[p[\"name\"] for p in d[\"policies\"]] == [\"dns\"]");
	sbuf_free(&o);
	stats_answer(&o, false, "nope");
	assert_string_equal(str(&o), "no policy named nope\n");
	sbuf_free(&o);
	stats_answer(&o, false, NULL);
	assert_non_null(strstr(str(&o), "\nSINK                DELIVERED          BYTES  TRUNCATED "
					"   FOREIGN\nmon0   "));
	assert_non_null(
	    strstr(str(&o), "\n-          (unknown vni)            1000           1111 "));
	assert_non_null(strstr(str(&o), "\nVNI        PORT                 RECEIVED          BYTES"
					"    DELIVERED     FAILED\n100        vm9 "));
	sbuf_free(&o);
}

/* ---- the command table ---- */

static int h_echo(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)srv;
	sbuf_printf(o, "%s argc=%d json=%d name=%s fd=%d\n", r->argv[0], r->argc, r->json,
		    r->name ? r->name : "-", r->fd);
	return 0;
}

static int h_fail(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)srv;
	(void)r;
	sbuf_printf(o, "it failed\n");
	return -1;
}

static const struct vtap_ctl_command cmds[] = {
    {"echo", h_echo, 0},
    {"stream", h_echo, VTAP_CTL_STREAM},
    {"fail", h_fail, VTAP_CTL_QUIT},
};
static const struct vtap_ctl_table table = {cmds, 3};

static int run(const char *line, struct sbuf *o, const struct vtap_ctl_command **cmd)
{
	char buf[256];
	struct vtap_ctl_req r;

	snprintf(buf, sizeof(buf), "%s", line);
	sbuf_free(o);
	return vtap_ctl_dispatch(&table, NULL, buf, 42, &r, o, cmd);
}

static void test_dispatch(void **state)
{
	const struct vtap_ctl_command *cmd;
	struct sbuf o = {0};

	(void)state;
	assert_int_equal(run("echo web --json", &o, &cmd), 0);
	assert_ptr_equal(cmd, &cmds[0]);
	/* the connection goes to VTAP_CTL_STREAM handlers only */
	assert_string_equal(str(&o), "echo argc=3 json=1 name=web fd=-1\n");
	assert_int_equal(run("stream p 5\n", &o, &cmd), 0);
	assert_string_equal(str(&o), "stream argc=3 json=0 name=5 fd=42\n");
	assert_int_equal(run("fail", &o, &cmd), -1);
	assert_string_equal(str(&o), "it failed\n");
	assert_int_equal(run("  \t\r\n", &o, &cmd), -1);
	assert_null(cmd);
	assert_string_equal(str(&o), "empty command\n");
	assert_int_equal(run("bogus x", &o, &cmd), -1);
	assert_null(cmd);
	assert_string_equal(str(&o), "unknown command bogus (echo, stream, fail)\n");
	sbuf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_policy_row_text),
	    cmocka_unit_test(test_policy_json),
	    cmocka_unit_test(test_tables_cover_structs),
	    cmocka_unit_test(test_capture_text_and_u32),
	    cmocka_unit_test(test_prose),
	    cmocka_unit_test(test_each),
	    cmocka_unit_test(test_stats_view),
	    cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests_name("ctl_fields", tests, NULL, NULL);
}
