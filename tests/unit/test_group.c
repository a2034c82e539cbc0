// SPDX-License-Identifier: GPL-2.0
/* Monitor groups (include/vtap/group.h), natively: the flow hash is the
 * same both ways of a connection, and by addresses alone for fragments and
 * port-less protocols; rendezvous hashing spreads flows evenly, a member
 * that is not usable loses only its own flows (to the others) and gets them
 * back; the members' order does not matter; the policy keys' errors; and
 * vdp_tap (vtap-dpdk) sends each flow's copies, both ways, to one member,
 * counting them per member. The BPF taps: test_bpf (test_group). */
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
#include <vtap/group.h>
#include "fixtures.h"
#include "core/tap.h"

static struct fx_env env;

static void parse_fx(const struct fx_pkt *k, struct vtap_pkt *pkt)
{
	struct fixture f = {.pkt = *k};
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));

	vtap_parse(frame, frame + len, pkt);
}

static uint64_t hash_of(const struct fx_pkt *k)
{
	struct vtap_pkt pkt;

	parse_fx(k, &pkt);
	return vtap_flow_hash_sym(&pkt);
}

static void test_symmetric(void **state)
{
	struct fx_pkt a = {.l3 = FX_IP4, .proto = 6, .src = "10.0.0.1", .dst = "10.0.0.2",
			   .sport = 40000, .dport = 80};
	struct fx_pkt b = {.l3 = FX_IP4, .proto = 6, .src = "10.0.0.2", .dst = "10.0.0.1",
			   .sport = 80, .dport = 40000};
	struct fx_pkt c = a, d = a, e = a, v6 = {.l3 = FX_IP6, .proto = 17, .src = "2001:db8::1",
						  .dst = "2001:db8::2", .sport = 5, .dport = 6};
	struct fx_pkt v6r = {.l3 = FX_IP6, .proto = 17, .src = "2001:db8::2", .dst = "2001:db8::1",
			     .sport = 6, .dport = 5};
	struct fx_pkt frag = a, icmp = a;

	(void)state;
	assert_true(hash_of(&a) == hash_of(&b));
	assert_true(hash_of(&v6) == hash_of(&v6r));
	c.sport = 40001;
	assert_true(hash_of(&a) != hash_of(&c));
	/* the ports pair with their addresses: swapping only the ports is
	 * another flow */
	d.sport = 80, d.dport = 40000;
	assert_true(hash_of(&a) != hash_of(&d));
	/* fragments (first or not) and other protocols: addresses only */
	frag.frag = FX_FRAG_FIRST;
	e.frag = FX_FRAG_LATER;
	icmp.proto = 1, icmp.sport = icmp.dport = 0, icmp.icmp_type = 8;
	assert_true(hash_of(&frag) == hash_of(&e));
	assert_true(hash_of(&frag) == hash_of(&icmp));
	assert_true(hash_of(&frag) != hash_of(&a));
}

static void group_of(struct vtap_group *g, int n)
{
	memset(g, 0, sizeof(*g));
	g->n = (__u32)n;
	for (int i = 0; i < n; i++) {
		g->m[i].sink_ifindex = 100 + (__u32)i;
		g->m[i].seed = 0x1234567ULL * (__u64)(i + 1) ^ 0xdeadbeefcafeULL;
	}
}

#define FLOWS 30000

static void test_rendezvous(void **state)
{
	struct vtap_group g, rev;
	static int pick[FLOWS];
	int count[3] = {0, 0, 0}, first;

	(void)state;
	group_of(&g, 3);
	for (int f = 0; f < FLOWS; f++) {
		pick[f] = vtap_group_pick(&g, (__u64)f * 0x9e3779b97f4a7c15ULL, &first);
		assert_int_equal(pick[f], first);
		count[pick[f]]++;
	}
	for (int i = 0; i < 3; i++)
		assert_in_range(count[i], FLOWS * 30 / 100, FLOWS * 37 / 100);
	/* member 1 is not usable: only its flows move, to the others */
	g.m[1].sink_ifindex = 0;
	for (int f = 0; f < FLOWS; f++) {
		int k = vtap_group_pick(&g, (__u64)f * 0x9e3779b97f4a7c15ULL, &first);

		assert_int_equal(first, pick[f]);
		if (pick[f] != 1)
			assert_int_equal(k, pick[f]);
		else
			assert_true(k == 0 || k == 2);
	}
	/* and back */
	g.m[1].sink_ifindex = 101;
	for (int f = 0; f < FLOWS; f++)
		assert_int_equal(vtap_group_pick(&g, (__u64)f * 0x9e3779b97f4a7c15ULL, &first),
				 pick[f]);
	/* the order of the members does not matter: the seeds do */
	rev = g;
	for (int i = 0; i < 3; i++)
		rev.m[i] = g.m[2 - i];
	for (int f = 0; f < FLOWS; f++)
		assert_int_equal(rev.m[vtap_group_pick(&rev, (__u64)f * 0x9e3779b97f4a7c15ULL,
						       &first)]
				     .sink_ifindex,
				 g.m[pick[f]].sink_ifindex);
	/* nobody usable */
	for (int i = 0; i < 3; i++)
		g.m[i].sink_ifindex = 0;
	assert_int_equal(vtap_group_pick(&g, 42, &first), -1);
}

static const char yaml[] =
    "monitors:\n"
    "  - {name: m1, type: local, port: sink0}\n"
    "  - {name: m2, type: local, port: ghost0}\n"
    "  - {name: g, type: group, members: [m1, m2]}\n"
    "policies:\n"
    "  - {name: web, source: {ports: [vm1]}, match: {protocol: tcp}, monitor: g}\n";

/* vtap-dpdk's tap: each flow's copies both ways to one member, m2 absent
 * (no port): its flows rehashed to m1, counted */
static void test_dpdk_tap(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct vdp_stats *st = calloc(1, sizeof(*st));
	uint32_t vm1 = fx_env_ifindex(&env, "vm1"), sink0 = fx_env_ifindex(&env, "sink0");
	uint8_t frame[FX_FRAME_MAX];
	unsigned first_m2 = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(st);
	assert_int_equal(fx_compile_yaml(yaml, &env, c), 0);
	assert_int_equal(c->img.n_groups, 1);
	assert_int_equal(c->img.groups[0].n, 2);
	assert_int_equal(c->img.groups[0].m[0].sink_ifindex, sink0);
	assert_int_equal(c->img.groups[0].m[1].sink_ifindex, 0);
	for (int f = 0; f < 100; f++) {
		struct fixture out = {.pkt = {.l3 = FX_IP4, .proto = 6, .src = "10.0.0.1",
					      .dst = "10.0.0.2", .sport = (uint16_t)(1000 + f),
					      .dport = 80}};
		struct fixture in = {.pkt = {.l3 = FX_IP4, .proto = 6, .src = "10.0.0.2",
					     .dst = "10.0.0.1", .sport = 80,
					     .dport = (uint16_t)(1000 + f)}};
		struct vtap_copy cp;
		struct vtap_pkt pkt;
		size_t len = fx_build(&out, frame, sizeof(frame));
		int first;

		vtap_parse(frame, frame + len, &pkt);
		vtap_group_pick(&c->img.groups[0], vtap_flow_hash_sym(&pkt), &first);
		first_m2 += first == 1;
		assert_non_null(vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len, vm1,
					VTAP_DIR_OUT, &cp));
		assert_int_equal(cp.sink_ifindex, sink0);
		len = fx_build(&in, frame, sizeof(frame));
		assert_non_null(vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len, vm1,
					VTAP_DIR_IN, &cp));
		assert_int_equal(cp.sink_ifindex, sink0);
	}
	assert_int_equal(st->members[0][0].copies, 200);
	assert_int_equal(st->members[0][0].rehashed, 2 * first_m2);
	assert_int_equal(st->members[0][1].copies, 0);
	assert_in_range(first_m2, 25, 75);
	fx_compiled_free(c);
	free(c);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_symmetric),
	    cmocka_unit_test(test_rendezvous),
	    cmocka_unit_test(test_dpdk_tap),
	};

	fx_env_init(&env, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
