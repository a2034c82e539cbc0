// SPDX-License-Identifier: GPL-2.0
/* The names vtapd gives the sink veths of capture and ovs monitors written
 * without port (core/sink_name.h): short enough for the peer's "p", the
 * same on every reload, different for monitors whose names would collide,
 * clear of other monitors' ports and peers and of interfaces in use, and
 * independent of the order of the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/policy.h"
#include "core/sink_name.h"

static void set_of(struct vtap_policy_set *set, struct vtap_monitor *m, size_t n)
{
	memset(set, 0, sizeof(*set));
	set->monitors = m;
	set->n_monitors = n;
}

static struct vtap_monitor mon(const char *name, enum vtap_monitor_type t, const char *port)
{
	struct vtap_monitor m = {.type = t};

	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.port, sizeof(m.port), "%s", port);
	return m;
}

static void test_form(void **state)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE];
	const char *name = "a-very-long-monitor-name-of-sixty-three-characters-xxxxxxxxxxxxx";

	(void)state;
	vtap_sink_name(name, 0, a);
	assert_true(strlen(a) <= 14); /* the peer, a + "p", fits 15 */
	assert_memory_equal(a, "vta-very", 8);
	assert_true(strchr("0123456789abcdef", a[strlen(a) - 1]) != NULL);
	vtap_sink_name(name, 0, b);
	assert_string_equal(a, b); /* deterministic */
	vtap_sink_name(name, 1, b);
	assert_string_not_equal(a, b); /* another salt, another name */
	vtap_sink_name("rec", 0, a);
	assert_int_equal(strlen(a), strlen("vtrec-0000"));
}

/* Two names that share their first 7 characters: different sinks */
static void test_shared_stem(void **state)
{
	struct vtap_monitor m[2] = {mon("capture-east", VTAP_MONITOR_CAPTURE, ""),
				    mon("capture-west", VTAP_MONITOR_OVS, "")};
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};

	(void)state;
	set_of(&set, m, 2);
	assert_int_equal(vtap_sink_names_assign(&set, NULL, NULL, &errs), 0);
	assert_memory_equal(m[0].port, "vtcapture-", 10);
	assert_memory_equal(m[1].port, "vtcapture-", 10);
	assert_string_not_equal(m[0].port, m[1].port);
}

/* Two names whose first salt gives the same sink name (found by search):
 * the second in name order takes the next salt */
static void test_hash_collision(void **state)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE], na[32] = "", nb[32] = "";
	struct vtap_monitor m[2];
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};
	int found = 0;

	(void)state;
	for (int i = 0; i < 70000 && !found; i++) {
		snprintf(nb, sizeof(nb), "samestem-%d", i);
		vtap_sink_name(nb, 0, b);
		snprintf(na, sizeof(na), "samestem-x");
		vtap_sink_name(na, 0, a);
		found = !strcmp(a, b);
	}
	assert_true(found);
	m[0] = mon(nb, VTAP_MONITOR_CAPTURE, "");
	m[1] = mon(na, VTAP_MONITOR_CAPTURE, "");
	set_of(&set, m, 2);
	assert_int_equal(vtap_sink_names_assign(&set, NULL, NULL, &errs), 0);
	assert_string_not_equal(m[0].port, m[1].port);
	/* the first by name keeps salt 0 */
	vtap_sink_name(strcmp(na, nb) < 0 ? na : nb, 0, a);
	assert_string_equal(strcmp(na, nb) < 0 ? m[1].port : m[0].port, a);
}

static const char *busy, *ours;
static enum vtap_ifname_owner owner(void *arg, const char *ifname)
{
	(void)arg;
	if (busy && !strcmp(ifname, busy))
		return VTAP_IFNAME_TAKEN;
	if (ours && !strncmp(ifname, ours, strlen(ours))) /* it and its peer */
		return VTAP_IFNAME_OURS;
	return VTAP_IFNAME_FREE;
}

/* A host interface by that name, or another monitor's port or peer */
static void test_clear_of_others(void **state)
{
	char first[IF_NAMESIZE], second[IF_NAMESIZE], peer[IF_NAMESIZE + 1];
	struct vtap_monitor m[2];
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};

	(void)state;
	vtap_sink_name("rec", 0, first);
	vtap_sink_name("rec", 1, second);
	busy = first;
	m[0] = mon("rec", VTAP_MONITOR_CAPTURE, "");
	set_of(&set, m, 1);
	assert_int_equal(vtap_sink_names_assign(&set, owner, NULL, &errs), 0);
	assert_string_equal(m[0].port, second);
	busy = NULL;

	/* our own veth from the last reload (and its peer): kept */
	ours = first;
	m[0] = mon("rec", VTAP_MONITOR_CAPTURE, "");
	assert_int_equal(vtap_sink_names_assign(&set, owner, NULL, &errs), 0);
	assert_string_equal(m[0].port, first);
	ours = NULL;

	/* a free name whose peer is the host's: the next salt */
	snprintf(peer, sizeof(peer), "%sp", first);
	busy = peer;
	m[0] = mon("rec", VTAP_MONITOR_CAPTURE, "");
	assert_int_equal(vtap_sink_names_assign(&set, owner, NULL, &errs), 0);
	assert_string_equal(m[0].port, second);
	busy = NULL;

	/* a local monitor whose port is the first choice's peer */
	snprintf(peer, sizeof(peer), "%sp", first);
	m[0] = mon("ids", VTAP_MONITOR_LOCAL, peer);
	m[1] = mon("rec", VTAP_MONITOR_OVS, "");
	set_of(&set, m, 2);
	assert_int_equal(vtap_sink_names_assign(&set, NULL, NULL, &errs), 0);
	assert_string_equal(m[1].port, second);
	assert_string_equal(m[0].port, peer); /* a given port is never changed */
}

/* The files' order does not matter */
static void test_order(void **state)
{
	struct vtap_monitor a[3] = {mon("zeta", VTAP_MONITOR_CAPTURE, ""),
				    mon("alpha", VTAP_MONITOR_CAPTURE, ""),
				    mon("local", VTAP_MONITOR_LOCAL, "mon0")};
	struct vtap_monitor b[3] = {a[2], a[1], a[0]};
	struct vtap_policy_set sa, sb;
	struct vtap_errors errs = {0};

	(void)state;
	set_of(&sa, a, 3);
	set_of(&sb, b, 3);
	busy = NULL;
	assert_int_equal(vtap_sink_names_assign(&sa, NULL, NULL, &errs), 0);
	assert_int_equal(vtap_sink_names_assign(&sb, NULL, NULL, &errs), 0);
	assert_string_equal(a[0].port, b[2].port);
	assert_string_equal(a[1].port, b[1].port);
	assert_string_equal(a[2].port, "mon0");
}

static enum vtap_ifname_owner all_taken(void *arg, const char *ifname)
{
	(void)arg;
	(void)ifname;
	return VTAP_IFNAME_TAKEN;
}

static void test_no_free_name(void **state)
{
	struct vtap_monitor m[1] = {mon("rec", VTAP_MONITOR_CAPTURE, "")};
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};

	(void)state;
	set_of(&set, m, 1);
	assert_int_equal(vtap_sink_names_assign(&set, all_taken, NULL, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "monitor rec: no free name for its sink veth"));
	vtap_errors_free(&errs);
}

/* The parser takes capture and ovs monitors without port; local needs one */
static void test_parse_without_port(void **state)
{
	char dir[] = "/tmp/vtap-sinkname.XXXXXX", path[64];
	const char *files[1] = {path};
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("monitors:\n  - {name: rec, type: capture}\n  - {name: sw, type: ovs, bridge: br0}\n"
	      "policies:\n  - {name: p, source: {ports: [vm1]}, monitor: rec}\n",
	      f);
	fclose(f);
	assert_int_equal(vtap_policy_load_files(files, 1, &set, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(set.n_monitors, 2);
	assert_string_equal(set.monitors[0].port, "");
	vtap_policy_set_free(&set);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_form),
	    cmocka_unit_test(test_shared_stem),
	    cmocka_unit_test(test_hash_collision),
	    cmocka_unit_test(test_clear_of_others),
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_no_free_name),
	    cmocka_unit_test(test_parse_without_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
