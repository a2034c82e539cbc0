// SPDX-License-Identifier: GPL-2.0
/* The fixture table (fixtures.c) through vtap-dpdk's tap entry point,
 * vdp_tap() (user/core/tap.c: parse, classify, count, sample, as the burst
 * loop calls it on every frame): the same verdicts as the native and BPF
 * builds, the counters the kernel path keeps, sampling 1 in N from the
 * first match, and counter slots that survive reloads by policy name. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixtures.h"
#include "core/tap.h"
#include "core/policy_ids.h"

static struct fx_env env;

static void test_fixture(void **state)
{
	const struct fixture *f = *state;
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct vdp_stats *st = calloc(1, sizeof(*st));
	const struct vtap_rule *r;
	struct vtap_copy cp;
	uint8_t frame[FX_FRAME_MAX];
	size_t len;

	assert_non_null(c);
	assert_non_null(st);
	if (fx_compile(f, &env, c))
		fail_msg("fixture policies do not compile");
	len = fx_build(f, frame, sizeof(frame));
	r = vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len, fx_env_ifindex(&env, f->port),
		    f->dir, &cp);
	assert_int_equal(st->g.seen, 1);
	if (!f->verdict) {
		if (st->g.no_match != 1)
			fail_msg("on %s %s: a policy matched, expected no match", f->port,
				 fx_dir_name(f->dir));
		assert_null(r);
	} else {
		int idx = fx_policy_index(c, f->verdict);

		assert_true(idx >= 0);
		if (st->pol[idx].matched_pkts != 1)
			fail_msg("on %s %s: policy %s did not match (no_match %llu)", f->port,
				 fx_dir_name(f->dir), f->verdict,
				 (unsigned long long)st->g.no_match);
		assert_int_equal(st->pol[idx].matched_bytes, len);
		assert_int_equal(st->g.no_match, 0);
		if (f->copy) {
			assert_non_null(r);
			assert_int_equal(r->policy_id, (__u32)idx);
			assert_int_equal(cp.policy_id, (__u32)idx);
			if (f->copy_len)
				assert_int_equal(cp.snaplen, f->copy_len);
		} else {
			assert_null(r);
		}
	}
	/* the parse level decides "unparsed" exactly as the kernel counts it */
	{
		struct vtap_pkt pkt;

		vtap_parse(frame, frame + len, &pkt);
		assert_int_equal(st->g.unparsed, (pkt.flags & VTAP_PF_MALFORMED) ? 1 : 0);
	}
	fx_compiled_free(c);
	free(c);
	free(st);
}

static const char sample_yaml[] =
    "monitors: [{name: mon, type: local, port: sink0}]\n"
    "policies:\n"
    "  - {name: s, source: {ports: [vm1]}, direction: out, sample: 3, snaplen: 60,\n"
    "     match: {protocol: udp}, monitor: mon}\n";

/* 1 of every 3 matches is copied, the first one included; the others count
 * as sampled out; the rule carries the snaplen and the sink for the copy */
static void test_sample(void **state)
{
	struct fixture f = {.desc = "sample",
			    .port = "vm1",
			    .dir = VTAP_DIR_OUT,
			    .pkt = {.l3 = FX_IP4,
				    .src = "10.0.0.1",
				    .dst = "10.0.0.2",
				    .proto = 17,
				    .sport = 1000,
				    .dport = 2000,
				    .payload = 100}};
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct vdp_stats *st = calloc(1, sizeof(*st));
	uint8_t frame[FX_FRAME_MAX];
	size_t len;
	int copies = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(st);
	assert_int_equal(fx_compile_yaml(sample_yaml, &env, c), 0);
	len = fx_build(&f, frame, sizeof(frame));
	for (int i = 0; i < 10; i++) {
		struct vtap_copy cp;
		const struct vtap_rule *r =
		    vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len,
			    fx_env_ifindex(&env, "vm1"), VTAP_DIR_OUT, &cp);

		if (r) {
			assert_int_equal(i % 3, 0);
			assert_int_equal(cp.snaplen, 60);
			assert_int_equal(cp.sink_ifindex, fx_env_ifindex(&env, "sink0"));
			copies++;
		}
	}
	assert_int_equal(copies, 4);
	assert_int_equal(st->pol[0].matched_pkts, 10);
	assert_int_equal(st->pol[0].sampled_out, 6);
	/* the other direction is not tapped */
	{
		struct vtap_copy cp;

		assert_null(vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len,
				    fx_env_ifindex(&env, "vm1"), VTAP_DIR_IN, &cp));
	}
	assert_int_equal(st->g.no_match, 1);
	fx_compiled_free(c);
	free(c);
	free(st);
}

static void set_of(struct vtap_policy_set *set, const char *const *names, size_t n)
{
	memset(set, 0, sizeof(*set));
	set->policies = calloc(n + 1, sizeof(*set->policies));
	assert_non_null(set->policies);
	for (size_t i = 0; i < n; i++)
		snprintf(set->policies[i].name, sizeof(set->policies[i].name), "%s", names[i]);
	set->n_policies = n;
}

/* a policy keeps its counter slot across reloads; a removed policy's slot
 * is not handed out again before it is released (zeroed) */
static void test_ids(void **state)
{
	static const char *const a[] = {"web", "dns", "ssh"}, *const b[] = {"ssh", "new", "web"};
	struct vtap_policy_ids *ids = calloc(1, sizeof(*ids));
	struct vtap_policy_set set;
	__u32 got[3];

	(void)state;
	assert_non_null(ids);
	vtap_policy_ids_init(ids);
	set_of(&set, a, 3);
	assert_int_equal(vtap_policy_ids_assign(ids, &set, got, NULL), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 1);
	assert_int_equal(got[2], 2);
	vtap_policy_ids_commit(ids);
	vtap_policy_ids_quiesce(ids);
	free(set.policies);
	set_of(&set, b, 3);
	assert_int_equal(vtap_policy_ids_assign(ids, &set, got, NULL), 0);
	assert_int_equal(got[0], 2); /* ssh */
	assert_int_equal(got[2], 0); /* web */
	/* dns */
	assert_int_equal(vtap_policy_ids_step(ids, 1), VTAP_ID_LEAVING);
	assert_int_not_equal(got[1], 1); /* new: not dns's slot yet */
	vtap_policy_ids_commit(ids);
	vtap_policy_ids_quiesce(ids);
	free(set.policies);
	free(ids);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(fx_count + 3, sizeof(*tests));
	size_t n = 0;

	if (!tests)
		return 1;
	fx_env_init(&env, NULL);
	for (size_t i = 0; i < fx_count; i++) {
		tests[n].name = fx_table[i].desc;
		tests[n].test_func = test_fixture;
		tests[n].initial_state = (void *)&fx_table[i];
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sample);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ids);
	return _cmocka_run_group_tests("dpdk_tap", tests, n, NULL, NULL);
}
