// SPDX-License-Identifier: GPL-2.0
/* Policy ids across swaps (user/core/policy_ids.c), as vtapd and vtap-dpdk
 * use them: a kept name keeps its id; a new name never gets an id a running
 * generation may still count into; a full set can be replaced whole. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include "core/policy_ids.h"

/* n policies named PREFIX<i>, priority i */
static void set_of(struct vtap_policy_set *set, const char *prefix, size_t n)
{
	memset(set, 0, sizeof(*set));
	set->policies = calloc(n + 1, sizeof(*set->policies));
	assert_non_null(set->policies);
	for (size_t i = 0; i < n; i++) {
		snprintf(set->policies[i].name, sizeof(set->policies[i].name), "%s%zu", prefix, i);
		set->policies[i].priority = (int32_t)i;
		set->policies[i].action = VTAP_ACTION_MIRROR;
		set->policies[i].monitor_idx = 0;
	}
	set->n_policies = n;
}

struct fx {
	struct vtap_policy_ids *t;
	struct vtap_policy_set run;
	__u32 *run_ids;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->t = calloc(1, sizeof(*f->t));
	f->run_ids = calloc(VTAP_MAX_RULES, sizeof(__u32));
	vtap_policy_ids_init(f->t);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->run.policies);
	free(f->run_ids);
	free(f->t);
	free(f);
	return 0;
}

/* one swap, as a daemon does it: assign, (bridge), commit, quiesce */
static int swap(struct fx *f, const char *prefix, size_t n)
{
	struct vtap_policy_set next;
	__u32 *ids = calloc(n + 1, sizeof(*ids));
	int steps;

	set_of(&next, prefix, n);
	steps = vtap_policy_ids_assign(f->t, &next, ids, NULL);
	assert_true(steps >= 0);
	vtap_policy_ids_commit(f->t);
	vtap_policy_ids_quiesce(f->t);
	free(f->run.policies);
	f->run = next;
	memcpy(f->run_ids, ids, n * sizeof(*ids));
	free(ids);
	return steps;
}

static void assert_distinct(const __u32 *ids, size_t n)
{
	bool *seen = calloc(VTAP_MAX_RULES, sizeof(*seen));

	for (size_t i = 0; i < n; i++) {
		assert_true(ids[i] < VTAP_MAX_RULES);
		assert_false(seen[ids[i]]);
		seen[ids[i]] = true;
	}
	free(seen);
}

/* 4096 policies, then 4096 entirely new names: every id changes hands, so
 * the bridge goes first; with no id to spare it holds no policy at all */
static void test_full_set_replaced_whole(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next, bridge;
	__u32 *ids = calloc(VTAP_MAX_RULES, sizeof(*ids)), *bids = calloc(VTAP_MAX_RULES, 4);

	assert_int_equal(swap(f, "old", VTAP_MAX_RULES), 0);
	assert_distinct(f->run_ids, VTAP_MAX_RULES);
	set_of(&next, "new", VTAP_MAX_RULES);
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), VTAP_IDS_BRIDGE);
	assert_distinct(ids, VTAP_MAX_RULES);
	for (size_t i = 0; i < VTAP_MAX_RULES; i++)
		assert_int_equal(vtap_policy_ids_step(f->t, ids[i]), VTAP_ID_REUSED);
	assert_int_equal(vtap_policy_ids_bridge(f->t, &f->run, f->run_ids, &bridge, bids), 0);
	assert_int_equal(bridge.n_policies, 0);
	vtap_policy_ids_bridge_free(&bridge);
	vtap_policy_ids_commit(f->t);
	vtap_policy_ids_quiesce(f->t);
	assert_string_equal(vtap_policy_ids_owner(f->t, ids[7]), "new7");
	free(next.policies);
	free(ids);
	free(bids);
}

/* 4096 policies, then one new name: its id is a leaving one; the bridge
 * keeps every running rule but silences the leaving ones (skip, no
 * monitor) into a drain id that the new set does not use */
static void test_full_set_to_one_new(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next, bridge;
	__u32 id, *bids = calloc(VTAP_MAX_RULES, 4);

	swap(f, "old", VTAP_MAX_RULES);
	set_of(&next, "fresh", 1);
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, &id, NULL), VTAP_IDS_BRIDGE);
	assert_int_equal(vtap_policy_ids_bridge(f->t, &f->run, f->run_ids, &bridge, bids), 0);
	assert_int_equal(bridge.n_policies, VTAP_MAX_RULES);
	for (size_t i = 0; i < bridge.n_policies; i++) {
		assert_int_equal(bridge.policies[i].action, VTAP_ACTION_SKIP);
		assert_int_equal(bridge.policies[i].monitor_idx, -1);
		assert_int_not_equal(bids[i], id);
		assert_int_equal(vtap_policy_ids_step(f->t, bids[i]), VTAP_ID_DRAIN);
	}
	vtap_policy_ids_bridge_free(&bridge);
	vtap_policy_ids_commit(f->t);
	vtap_policy_ids_quiesce(f->t);
	free(next.policies);
	free(bids);
}

/* kept names keep their ids through a bridged swap; the bridge keeps them
 * as they run and silences only the leaving ones */
static void test_kept_names_keep_ids(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next, bridge;
	__u32 *ids = calloc(VTAP_MAX_RULES, sizeof(*ids)), *bids = calloc(VTAP_MAX_RULES, 4);
	__u32 kept_id;

	swap(f, "p", VTAP_MAX_RULES);
	kept_id = f->run_ids[10];
	/* keep p10 (priority 10 among the new ones: 0..99 are new names) */
	set_of(&next, "q", 100);
	snprintf(next.policies[50].name, sizeof(next.policies[50].name), "p10");
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), VTAP_IDS_BRIDGE);
	assert_int_equal(ids[50], kept_id);
	assert_int_equal(vtap_policy_ids_step(f->t, kept_id), VTAP_ID_KEPT);
	assert_distinct(ids, 100);
	assert_int_equal(vtap_policy_ids_bridge(f->t, &f->run, f->run_ids, &bridge, bids), 0);
	for (size_t i = 0; i < bridge.n_policies; i++) {
		bool kept = !strcmp(bridge.policies[i].name, "p10");

		assert_int_equal(bridge.policies[i].action,
				 kept ? VTAP_ACTION_MIRROR : VTAP_ACTION_SKIP);
		if (kept)
			assert_int_equal(bids[i], kept_id);
	}
	vtap_policy_ids_bridge_free(&bridge);
	vtap_policy_ids_commit(f->t);
	vtap_policy_ids_quiesce(f->t);
	assert_string_equal(vtap_policy_ids_owner(f->t, kept_id), "p10");
	free(next.policies);
	free(ids);
	free(bids);
}

/* every id is needed and some names are kept: the bridge holds the kept
 * policies no leaving one ranks before, as they run */
static void test_no_spare_keeps_unshadowed(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next, bridge;
	__u32 *ids = calloc(VTAP_MAX_RULES, sizeof(*ids)), *bids = calloc(VTAP_MAX_RULES, 4);

	swap(f, "p", VTAP_MAX_RULES);
	/* p0..p1 kept (they rank first), everything else new */
	set_of(&next, "n", VTAP_MAX_RULES);
	snprintf(next.policies[0].name, sizeof(next.policies[0].name), "p0");
	snprintf(next.policies[1].name, sizeof(next.policies[1].name), "p1");
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), VTAP_IDS_BRIDGE);
	assert_int_equal(vtap_policy_ids_bridge(f->t, &f->run, f->run_ids, &bridge, bids), 0);
	assert_int_equal(bridge.n_policies, 2);
	assert_string_equal(bridge.policies[0].name, "p0");
	assert_int_equal(bids[1], f->run_ids[1]);
	vtap_policy_ids_bridge_free(&bridge);
	vtap_policy_ids_abort(f->t);
	/* aborted: the running set's ids are untouched */
	assert_string_equal(vtap_policy_ids_owner(f->t, f->run_ids[5]), "p5");
	free(next.policies);
	free(ids);
	free(bids);
}

/* a retired id (its policy left at the last swap, no grace period since) is
 * handed out only with VTAP_IDS_WAIT, and a free one is preferred */
static void test_retired_ids_wait(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next;
	__u32 *ids = calloc(VTAP_MAX_RULES, sizeof(*ids));

	swap(f, "a", VTAP_MAX_RULES - 1);
	/* a0 leaves without a quiesce: its id is retired */
	set_of(&next, "a", VTAP_MAX_RULES - 1);
	snprintf(next.policies[0].name, sizeof(next.policies[0].name), "b0");
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), 0);
	assert_int_equal(ids[0], VTAP_MAX_RULES - 1); /* the free one */
	vtap_policy_ids_commit(f->t);
	next.policies[0].name[0] = 'c';
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), VTAP_IDS_WAIT);
	assert_int_equal(ids[0], f->run_ids[0]); /* a0's, retired */
	vtap_policy_ids_abort(f->t);
	free(next.policies);
	free(ids);
}

/* more policies than ids: refused with the policy's place */
static void test_too_many(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next;
	struct vtap_errors errs = {0};
	__u32 *ids = calloc(VTAP_MAX_RULES + 1, sizeof(*ids));

	set_of(&next, "x", VTAP_MAX_RULES + 1);
	next.policies[VTAP_MAX_RULES].loc =
	    (struct vtap_loc){.file = "big.yaml", .line = 9, .col = 5};
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msgs[0], "big.yaml:9:5: policy x4096"));
	vtap_errors_free(&errs);
	free(next.policies);
	free(ids);
}

/* a restart: the owners pinned by the previous run are adopted; the same
 * names keep their ids, and an id a kept generation counts into is not
 * handed to a new name in the same swap without the bridge */
static void test_adopt_restart(void **state)
{
	struct fx *f = *state;
	struct vtap_policy_set next;
	__u32 *ids = calloc(VTAP_MAX_RULES, sizeof(*ids));
	char name[VTAP_NAME_MAX];

	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		snprintf(name, sizeof(name), "p%u", VTAP_MAX_RULES - 1 - id);
		assert_int_equal(vtap_policy_ids_adopt(f->t, id, name), 0);
	}
	set_of(&next, "p", VTAP_MAX_RULES);
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), 0);
	for (size_t i = 0; i < VTAP_MAX_RULES; i++)
		assert_int_equal(ids[i], VTAP_MAX_RULES - 1 - i);
	snprintf(next.policies[3].name, sizeof(next.policies[3].name), "fresh");
	assert_int_equal(vtap_policy_ids_assign(f->t, &next, ids, NULL), VTAP_IDS_BRIDGE);
	assert_int_equal(ids[3], VTAP_MAX_RULES - 1 - 3); /* the leaving p3's */
	vtap_policy_ids_abort(f->t);
	free(next.policies);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_full_set_replaced_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_set_to_one_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept_names_keep_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_spare_keeps_unshadowed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retired_ids_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adopt_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
