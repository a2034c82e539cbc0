// SPDX-License-Identifier: GPL-2.0
/* One copy per frame (include/vtap/dedup.h), natively: the fingerprint
 * stays when forwarding changes what it may (MAC addresses, TTL and the
 * IPv4 checksum, the IPv6 hop limit, VLAN tags) and changes with what makes
 * another frame (IPv4 identification, TCP sequence number, length, UDP
 * payload); the slots' 32-bit times across their wrap; and vtap-dpdk's
 * tap (vdp_tap) sends a frame seen leaving vm1 and entering vm2 once. The
 * BPF taps: test_bpf (test_dedup). */
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
#include <vtap/dedup.h>
#include "fixtures.h"
#include "core/tap.h"

static struct fx_env env;

static uint64_t fp_of(const struct fx_pkt *k, void (*edit)(uint8_t *frame, size_t len))
{
	struct fixture f = {.pkt = *k};
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));
	struct vtap_pkt pkt;

	if (edit)
		edit(frame, len);
	vtap_parse(frame, frame + len, &pkt);
	return vtap_frame_fp(frame, frame + len, &pkt, (uint32_t)len);
}

/* what a router between the VMs does to an untagged IPv4 frame */
static void routed4(uint8_t *b, size_t len)
{
	(void)len;
	memset(b, 0x0a, 12); /* both MAC addresses */
	b[14 + 8]--;	     /* TTL */
	b[14 + 10] ^= 0x5a;  /* the header checksum */
	b[14 + 11] ^= 0xa5;
}

static void routed6(uint8_t *b, size_t len)
{
	(void)len;
	memset(b, 0x0b, 12);
	b[14 + 7]--; /* hop limit */
}

static void other_id(uint8_t *b, size_t len)
{
	(void)len;
	b[14 + 5] ^= 1;
}

static void other_seq(uint8_t *b, size_t len)
{
	(void)len;
	b[14 + 20 + 7] ^= 1;
}

static void other_payload(uint8_t *b, size_t len)
{
	b[len - 100] ^= 1; /* a UDP payload byte among the first 12 */
}

static void test_fingerprint(void **state)
{
	struct fx_pkt tcp4 = {.l3 = FX_IP4, .proto = 6, .sport = 1, .dport = 80, .payload = 100};
	struct fx_pkt tcp6 = {.l3 = FX_IP6, .proto = 6, .sport = 1, .dport = 80, .payload = 100};
	struct fx_pkt udp4 = {.l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53, .payload = 100};
	struct fx_pkt qinq = tcp4, longer = tcp4;

	(void)state;
	qinq.tpid[0] = 0x88a8, qinq.tci[0] = 100, qinq.tpid[1] = 0x8100, qinq.tci[1] = 10;
	longer.payload = 101;
	assert_true(fp_of(&tcp4, NULL) == fp_of(&tcp4, routed4));
	assert_true(fp_of(&tcp6, NULL) == fp_of(&tcp6, routed6));
	assert_true(fp_of(&tcp4, NULL) == fp_of(&qinq, NULL));
	assert_true(fp_of(&tcp4, NULL) != fp_of(&tcp4, other_id));
	assert_true(fp_of(&tcp4, NULL) != fp_of(&tcp4, other_seq));
	assert_true(fp_of(&tcp4, NULL) != fp_of(&longer, NULL));
	assert_true(fp_of(&udp4, NULL) != fp_of(&udp4, other_payload));
	assert_true(fp_of(&tcp4, NULL) != fp_of(&tcp6, NULL));
	/* one frame, two monitors: two keys */
	assert_true(vtap_dedup_key(7, 10, 0, 0) != vtap_dedup_key(7, 11, 0, 0));
	assert_true(vtap_dedup_key(7, 10, 2, 1) != vtap_dedup_key(7, 10, 2, 2));
}

/* The 32-bit slot times (dedup.h) across their wrap: a copy noted just
 * before it is seen just after it; the oldest slot is the one furthest
 * before now whichever side of the wrap; an empty slot goes first; a slot
 * "after now" (another CPU's) is the youngest; the window ends where it
 * did with 64-bit times, to within a unit. */
static void test_slot_time_wrap(void **state)
{
	struct vtap_dedup_bucket b;
	__u32 here = vtap_dedup_where(7, VTAP_DIR_OUT), there = vtap_dedup_where(9, VTAP_DIR_IN);
	__u32 w = VTAP_DEDUP_WINDOW_T, before = 0xffffff00u, after = 0x100u;
	int take = -1;

	(void)state;
	assert_int_not_equal(vtap_dedup_where(7, VTAP_DIR_OUT), vtap_dedup_where(7, VTAP_DIR_IN));
	assert_int_equal(vtap_dedup_time(50000000ULL), w); /* 50 ms: 48828 units */
	memset(&b, 0, sizeof(b));
	assert_int_equal(vtap_dedup_seen(&b, 42, before, here, &take), 0);
	assert_int_equal(take, 0); /* empty: the first */
	vtap_dedup_note(&b, take, 42, before, here);
	assert_int_equal(vtap_dedup_seen(&b, 42, after, there, &take), 1);
	assert_int_equal(vtap_dedup_seen(&b, 42, after, here, &take), 0); /* same tap point */
	assert_int_equal(take, 0);
	assert_int_equal(vtap_dedup_seen(&b, 42, before + w - 1, there, &take), 1);
	assert_int_equal(vtap_dedup_seen(&b, 42, before + w, there, &take), 0);
	/* fill the bucket across the wrap: 0 at before, 1 and 2 after it */
	assert_int_equal(vtap_dedup_seen(&b, 43, after, here, &take), 0);
	assert_int_equal(take, 1);
	vtap_dedup_note(&b, take, 43, after, here);
	vtap_dedup_note(&b, 2, 44, after + 1, here);
	assert_int_equal(vtap_dedup_seen(&b, 45, after + 2, here, &take), 0);
	assert_int_equal(take, 3);		     /* the last empty one */
	vtap_dedup_note(&b, 3, 45, after + 5, here); /* "after now" below */
	assert_int_equal(vtap_dedup_seen(&b, 46, after + 2, here, &take), 0);
	assert_int_equal(take, 0); /* before the wrap: the oldest */
	vtap_dedup_note(&b, 0, 46, after + 2, here);
	assert_int_equal(vtap_dedup_seen(&b, 47, after + 2, here, &take), 0);
	assert_int_equal(take, 1);
}

/* Slots of one age (one tick of the coarse clock) are replaced from where
 * the key's high bits start the search, not always the first. */
static void test_slot_ties(void **state)
{
	struct vtap_dedup_bucket b;
	__u32 here = vtap_dedup_where(7, VTAP_DIR_OUT), now = 1000;
	int take = -1, seen[VTAP_DEDUP_WAYS] = {0};

	(void)state;
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < VTAP_DEDUP_WAYS; i++)
		vtap_dedup_note(&b, i, 100 + (__u64)i, now, here);
	for (__u64 k = 0; k < VTAP_DEDUP_WAYS; k++) {
		assert_int_equal(vtap_dedup_seen(&b, k << 40 | 7, now, here, &take), 0);
		assert_int_equal(take, (int)k);
		seen[take]++;
	}
	for (int i = 0; i < VTAP_DEDUP_WAYS; i++)
		assert_int_equal(seen[i], 1);
	/* an older slot still goes first, wherever the search starts */
	b.s[2].t = now - 5;
	for (__u64 k = 0; k < VTAP_DEDUP_WAYS; k++) {
		assert_int_equal(vtap_dedup_seen(&b, k << 40 | 7, now, here, &take), 0);
		assert_int_equal(take, 2);
	}
}

static const char yaml[] = "monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n"
			   "  - {name: one, source: {ports: [vm1]}, monitor: mon}\n"
			   "  - {name: two, source: {ports: [vm2]}, monitor: mon}\n";

static void test_dpdk_tap_once(void **state)
{
	struct fixture f = {.pkt = {.l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53}};
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct vdp_stats *st = calloc(1, sizeof(*st));
	uint32_t vm1 = fx_env_ifindex(&env, "vm1"), vm2 = fx_env_ifindex(&env, "vm2");
	uint8_t frame[FX_FRAME_MAX];
	struct vtap_copy cp;
	size_t len;

	(void)state;
	assert_non_null(c);
	assert_non_null(st);
	assert_int_equal(fx_compile_yaml(yaml, &env, c), 0);
	len = fx_build(&f, frame, sizeof(frame));
#define TAP(port, dir) vdp_tap(&c->img, st, frame, (uint32_t)len, (uint32_t)len, port, dir, &cp)
	assert_non_null(TAP(vm1, VTAP_DIR_OUT));
	assert_null(TAP(vm2, VTAP_DIR_IN));
	assert_non_null(TAP(vm1, VTAP_DIR_OUT)); /* the same bytes again: another frame */
	assert_null(TAP(vm2, VTAP_DIR_IN));
#undef TAP
	assert_int_equal(st->pol[1].deduplicated, 2);
	assert_int_equal(st->pol[1].matched_pkts, 2);
	fx_compiled_free(c);
	free(c);
	free(st);
}

/* Which rules keep the check (compile_dedup.c): those whose monitor gets
 * copies from two tap points or more, a group's members counted as one
 * with the group; a rule alone at its tap point for its monitor skips it. */
static const struct {
	const char *what, *policies;
	bool one, two; /* policies "one" and "two" (if any) keep the check */
} dedup_cases[] = {
    {"one port, out", "  - {name: one, source: {ports: [vm1]}, direction: out, monitor: mon}\n",
     false, false},
    {"one port, both ways", "  - {name: one, source: {ports: [vm1]}, monitor: mon}\n", true, false},
    {"two ports, out",
     "  - {name: one, source: {ports: [vm1, vm2]}, direction: out, monitor: mon}\n", true, false},
    {"a glob matching one port",
     "  - {name: one, source: {ports: [vm1, \"nope*\"]}, direction: out, "
     "monitor: mon}\n",
     false, false},
    {"two policies, one monitor",
     "  - {name: one, source: {ports: [vm1]}, direction: out, "
     "monitor: mon}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, "
     "monitor: mon}\n",
     true, true},
    {"two policies, one tap point",
     "  - {name: one, source: {ports: [vm1]}, direction: out, "
     "monitor: mon}\n"
     "  - {name: two, priority: 1, source: {ports: [vm1]}, "
     "direction: out, monitor: mon}\n",
     false, false},
    {"two monitors",
     "  - {name: one, source: {ports: [vm1]}, direction: out, monitor: mon}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, monitor: mon2}\n",
     false, false},
    {"two monitors on one port",
     "  - {name: one, source: {ports: [vm1]}, direction: out, monitor: mon}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, monitor: same}\n",
     true, true},
    {"the other without dedup",
     "  - {name: one, source: {ports: [vm1]}, direction: out, "
     "monitor: mon}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, dedup: false, "
     "monitor: mon}\n",
     false, false},
    {"the other a skip",
     "  - {name: one, source: {ports: [vm1]}, direction: out, monitor: mon}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, action: skip}\n",
     false, false},
    {"a group and its member",
     "  - {name: one, source: {ports: [vm1]}, direction: out, "
     "monitor: grp}\n"
     "  - {name: two, source: {ports: [vm2]}, direction: in, "
     "monitor: mon2}\n",
     true, true},
};

static bool keeps_dedup(const struct fx_compiled *c, const char *name)
{
	int idx = fx_policy_index(c, name);

	assert_true(idx >= 0);
	for (__u32 r = 0; r < c->img.gen.n_rules; r++)
		if (c->img.rank_policy[r] == idx)
			return c->img.rules[r].flags & VTAP_RULE_DEDUP;
	fail_msg("policy %s has no rule", name);
	return false;
}

static void test_dedup_where_needed(void **state)
{
	char yaml[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(dedup_cases) / sizeof(dedup_cases[0]); i++) {
		struct fx_compiled *c = calloc(1, sizeof(*c));

		assert_non_null(c);
		snprintf(yaml, sizeof(yaml),
			 "monitors: [{name: mon, type: local, port: sink0}, "
			 "{name: mon2, type: local, port: ghost0}, "
			 "{name: same, type: local, port: sink0}, "
			 "{name: grp, type: group, members: [mon, mon2]}]\npolicies:\n%s",
			 dedup_cases[i].policies);
		print_message("    %s\n", dedup_cases[i].what);
		if (fx_compile_yaml(yaml, &env, c))
			fail_msg("%s: %s", dedup_cases[i].what, c->errs.n ? c->errs.msgs[0] : "?");
		assert_int_equal(keeps_dedup(c, "one"), dedup_cases[i].one);
		if (fx_policy_index(c, "two") >= 0 &&
		    fx_policy_mirrors(c, fx_policy_index(c, "two")))
			assert_int_equal(keeps_dedup(c, "two"), dedup_cases[i].two);
		fx_compiled_free(c);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fingerprint),	       cmocka_unit_test(test_slot_time_wrap),
	    cmocka_unit_test(test_slot_ties),	       cmocka_unit_test(test_dpdk_tap_once),
	    cmocka_unit_test(test_dedup_where_needed),
	};

	fx_env_init(&env, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
