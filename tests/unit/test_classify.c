// SPDX-License-Identifier: GPL-2.0
/* The fixture table (fixtures.c) through the native build of the parser
 * (include/vtap/parse.h) and the classifier over a compiled image
 * (user/core/image_classify.c): one test per fixture, plus a scale test with
 * 4096 rules and the compiler's rule limit. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixtures.h"
#include "../fuzz/reference.h"
#include "prefix_gen.h"

static struct fx_env env;

static void print_errs(const struct vtap_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		print_message("    %s\n", e->msgs[i]);
}

static void test_fixture(void **state)
{
	const struct fixture *f = *state;
	struct fx_compiled *c = calloc(1, sizeof(*c));
	uint8_t frame[FX_FRAME_MAX];
	struct vtap_pkt pkt;
	const char *got;
	size_t len;
	int level, rank, idx;

	assert_non_null(c);
	if (f->bug)
		print_message("# known bug: %s\n", f->bug);
	if (fx_compile(f, &env, c)) {
		print_errs(&c->errs);
		fail_msg("fixture policies do not compile");
	}
	len = fx_build(f, frame, sizeof(frame));
	level = vtap_parse(frame, frame + len, &pkt);
	assert_int_equal(level, pkt.level);
	if (level != f->level)
		fail_msg("%zu-byte frame parsed as %s, expected %s", len, fx_level_name(level),
			 fx_level_name(f->level));
	rank = vtap_image_classify(&c->img, &pkt, fx_env_ifindex(&env, f->port), f->dir);
	got = fx_rank_name(c, rank);
	if (rank >= 0)
		assert_non_null(got);
	if (!f->verdict != !got || (got && strcmp(got, f->verdict)))
		fail_msg("on %s %s: verdict %s (rank %d), expected %s", f->port, fx_dir_name(f->dir),
			 got ? got : "no match", rank, f->verdict ? f->verdict : "no match");
	if (f->verdict) {
		idx = fx_policy_index(c, f->verdict);
		assert_true(idx >= 0);
		assert_int_equal(c->img.rules[rank].policy_id, (__u32)idx);
		if (fx_policy_mirrors(c, idx) != f->copy)
			fail_msg("policy %s %s, fixture expects %s", f->verdict,
				 fx_policy_mirrors(c, idx) ? "mirrors" : "skips",
				 f->copy ? "a copy" : "no copy");
		assert_int_equal(c->img.rules[rank].action,
				 f->copy ? VTAP_ACT_MIRROR : VTAP_ACT_SKIP);
	}
	fx_compiled_free(c);
	free(c);
}

/* ---- scale: 4096 distinct rules ---- */

/* Rule i (priority i): i < n_cidr: destination 10.(100 + i / 256).(i % 256).0/24;
 * otherwise udp destination port 10000 + i. Odd rules skip, even ones mirror. */
static char *scale_yaml(int n_cidr)
{
	size_t cap = 64 + (size_t)VTAP_MAX_RULES * 200, off = 0;
	char *y = malloc(cap);

	assert_non_null(y);
	off += (size_t)snprintf(y + off, cap - off,
				"monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n");
	for (int i = 0; i < VTAP_MAX_RULES; i++) {
		if (i < n_cidr)
			off += (size_t)snprintf(
				y + off, cap - off,
				"  - {name: r%04d, priority: %d, source: {ports: [vm1]}, "
				"destination: {cidr: 10.%d.%d.0/24}, %s}\n",
				i, i, 100 + i / 256, i % 256, i % 2 ? "action: skip" : "monitor: mon");
		else
			off += (size_t)snprintf(
				y + off, cap - off,
				"  - {name: r%04d, priority: %d, source: {ports: [vm1]}, "
				"match: {protocol: udp, dst_ports: [%d]}, %s}\n",
				i, i, 10000 + i, i % 2 ? "action: skip" : "monitor: mon");
		assert_true(off < cap);
	}
	return y;
}

static void scale_check(struct fx_compiled *c, int n_cidr, int i, const char *want)
{
	struct fixture f = { .desc = "scale", .port = "vm1", .dir = VTAP_DIR_OUT };
	char dst[32];
	uint8_t frame[FX_FRAME_MAX];
	struct vtap_pkt pkt;
	size_t len;
	const char *got;
	int rank;

	f.pkt.l3 = FX_IP4;
	f.pkt.proto = 17;
	f.pkt.sport = 40000;
	if ((i >= 0 && i < n_cidr) || i >= VTAP_MAX_RULES + 256) {
		snprintf(dst, sizeof(dst), "10.%d.%d.9", 100 + i / 256, i % 256);
		f.pkt.dst = dst;
		f.pkt.dport = 53;
	} else {
		f.pkt.dport = (uint16_t)(10000 + i);
	}
	len = fx_build(&f, frame, sizeof(frame));
	assert_int_equal(vtap_parse(frame, frame + len, &pkt), VTAP_LEVEL_L4);
	rank = vtap_image_classify(&c->img, &pkt, fx_env_ifindex(&env, "vm1"), VTAP_DIR_OUT);
	got = fx_rank_name(c, rank);
	if (!want != !got || (got && strcmp(got, want)))
		fail_msg("rule %d: got %s, expected %s", i, got ? got : "no match",
			 want ? want : "no match");
	if (want)
		assert_int_equal(rank, i); /* priority i = rank i */
}

static void scale_run(int n_cidr)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = scale_yaml(n_cidr);
	char name[16];
	static const int hits[] = { 0, 1, 63, 64, 2047, 2048, 4031, 4032, 4094, 4095 };

	assert_non_null(c);
	if (fx_compile_yaml(y, &env, c)) {
		print_errs(&c->errs);
		fail_msg("4096 rules do not compile");
	}
	free(y);
	assert_int_equal(c->img.gen.n_rules, VTAP_MAX_RULES);
	for (size_t k = 0; k < sizeof(hits) / sizeof(hits[0]); k++) {
		snprintf(name, sizeof(name), "r%04d", hits[k]);
		scale_check(c, n_cidr, hits[k], name);
	}
	/* every rule once */
	for (int i = 0; i < VTAP_MAX_RULES; i += 1) {
		snprintf(name, sizeof(name), "r%04d", i);
		scale_check(c, n_cidr, i, name);
	}
	/* no match: a port / a prefix no rule has */
	scale_check(c, n_cidr, VTAP_MAX_RULES + 256, NULL); /* 10.117.0.9 */
	scale_check(c, n_cidr, VTAP_MAX_RULES + 8000, NULL); /* 10.147.64.9 */
	if (n_cidr < VTAP_MAX_RULES) {
		scale_check(c, n_cidr, -1, NULL); /* udp 9999 */
		scale_check(c, n_cidr, VTAP_MAX_RULES, NULL); /* udp 14096 */
	}
	fx_compiled_free(c);
	free(c);
}

/* 4096 rules, each its own udp destination port */
static void test_scale_4096_ports(void **state)
{
	(void)state;
	scale_run(0);
}

/* 4095 rules with their own /24, the last one a port */
static void test_scale_4095_prefixes_1_port(void **state)
{
	(void)state;
	scale_run(VTAP_MAX_RULES - 1);
}

/* 4096 rules, each its own destination /24 (VTAP_MAX_RULES distinct
 * prefixes must fit; the per-family roots do not count) */
static void test_scale_4096_prefixes(void **state)
{
	(void)state;
	scale_run(VTAP_MAX_RULES);
}

/* ---- mixed shapes over many words, against the reference matcher ---- */

/* Rules of random shapes (more than VTAP_SHAPE_SLOTS, so slots are shared),
 * with overlapping prefixes and port ranges and random priorities, spread
 * over 24 words; random frames drawn from the same values. The classifier
 * (with its per-shape summaries) must pick what the linear reference matcher
 * of the fuzzers picks: the first matching policy in (priority, name)
 * order. */
#define MIX_RULES 1500
#define MIX_FRAMES 20000

static uint32_t mix_seed = 12345;
static uint32_t mix_rand(uint32_t n)
{
	mix_seed = mix_seed * 1103515245u + 12345u;
	return (mix_seed >> 8) % n;
}

static const char *const mix_src4[] = { "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32" };
static const char *const mix_src6[] = { "fd00::/16", "fd00:1::/32", "fd00:1:2::/48" };
static const char *const mix_dst4[] = { "192.168.0.0/16", "192.168.1.0/24", "192.168.1.7/32" };
static const char *const mix_dst6[] = { "2001:db8::/32", "2001:db8:1::/48" };
static const char *const mix_ports[] = { "80", "443", "\"1000-2000\"", "\"1500-1600\"",
					 "\"2000-2001\"" };
static const char *const mix_protos[] = { "tcp", "udp", "sctp", "icmp" };
static const char *const mix_l4protos[] = { "tcp", "udp", "sctp" };
static const char *const mix_dirs[] = { "in", "out", "both" };
static const char *const mix_srcports[] = { "[vm1]", "[vm2]", "[\"vm*\"]" };

#define PICK(a) (a)[mix_rand(sizeof(a) / sizeof((a)[0]))]

static char *mix_yaml(void)
{
	size_t cap = (size_t)MIX_RULES * 400, off = 0;
	char *y = malloc(cap);

	assert_non_null(y);
	off += (size_t)snprintf(y + off, cap - off,
				"monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n");
	for (int i = 0; i < MIX_RULES; i++) {
		unsigned int shape;

		do /* two fields at least: most frames must miss most rules */
			shape = mix_rand(64);
		while (__builtin_popcount(shape) < 2);
		int v6 = mix_rand(3) == 0;

		off += (size_t)snprintf(y + off, cap - off,
					"  - name: m%04d\n    priority: %u\n    source: { ports: %s%s%s%s }\n"
					"    direction: %s\n",
					i, mix_rand(400), PICK(mix_srcports),
					shape & 1 ? ", cidr: " : "",
					shape & 1 ? (v6 ? PICK(mix_src6) : PICK(mix_src4)) : "", "",
					PICK(mix_dirs));
		if (shape & 2)
			off += (size_t)snprintf(y + off, cap - off, "    destination: { cidr: %s }\n",
						v6 ? PICK(mix_dst6) : PICK(mix_dst4));
		if (shape & (4 | 8 | 16 | 32)) {
			off += (size_t)snprintf(y + off, cap - off, "    match: {");
			const char *sep = " ";

			if (shape & 4) {
				off += (size_t)snprintf(y + off, cap - off, "%sprotocol: %s", sep,
							(shape & 24) ? PICK(mix_l4protos) : PICK(mix_protos));
				sep = ", ";
			}
			if (shape & 8) {
				off += (size_t)snprintf(y + off, cap - off, "%ssrc_ports: [%s]", sep,
							PICK(mix_ports));
				sep = ", ";
			}
			if (shape & 16) {
				off += (size_t)snprintf(y + off, cap - off, "%sdst_ports: [%s, %s]", sep,
							PICK(mix_ports), PICK(mix_ports));
				sep = ", ";
			}
			if (shape & 32)
				off += (size_t)snprintf(y + off, cap - off, "%svlan: [%u]", sep,
							mix_rand(3) * 10);
			off += (size_t)snprintf(y + off, cap - off, " }\n");
		}
		off += (size_t)snprintf(y + off, cap - off, "    %s\n",
					i % 3 ? "monitor: mon" : "action: skip");
		assert_true(off < cap);
	}
	return y;
}

static void test_mixed_shapes_vs_reference(void **state)
{
	static const char *const a4[] = { "10.1.2.3", "10.1.9.9", "10.7.0.1", "192.168.1.7",
					  "192.168.2.1", "172.16.0.1" };
	static const char *const a6[] = { "fd00:1:2::5", "fd00:9::1", "2001:db8:1::1",
					  "2001:db8:2::1", "fe80::1" };
	static const uint16_t l4ports[] = { 80, 443, 1000, 1550, 2000, 2001, 9999 };
	static const uint8_t protos[] = { 6, 17, 132, 1 };
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = mix_yaml();
	size_t matched = 0;

	(void)state;
	assert_non_null(c);
	if (fx_compile_yaml(y, &env, c)) {
		print_errs(&c->errs);
		fail_msg("the mixed rule set does not compile");
	}
	free(y);
	for (int i = 0; i < MIX_FRAMES; i++) {
		struct fixture f = { .desc = "mixed" };
		uint8_t frame[FX_FRAME_MAX];
		const struct vtap_policy *best = NULL;
		const char *got, *port;
		struct vtap_pkt pkt;
		size_t len;
		int v6 = mix_rand(2), vlan = (int)mix_rand(3) * 10;

		port = mix_rand(2) ? "vm1" : "vm2";
		f.port = port;
		f.dir = mix_rand(2) ? VTAP_DIR_IN : VTAP_DIR_OUT;
		f.pkt.l3 = v6 ? FX_IP6 : FX_IP4;
		f.pkt.src = v6 ? PICK(a6) : PICK(a4);
		f.pkt.dst = v6 ? PICK(a6) : PICK(a4);
		f.pkt.proto = PICK(protos);
		if (v6 && f.pkt.proto == 1)
			f.pkt.proto = 58;
		f.pkt.sport = PICK(l4ports);
		f.pkt.dport = PICK(l4ports);
		if (vlan) {
			f.pkt.tpid[0] = 0x8100;
			f.pkt.tci[0] = (uint16_t)vlan;
		}
		len = fx_build(&f, frame, sizeof(frame));
		vtap_parse(frame, frame + len, &pkt);
		got = fx_rank_name(c, vtap_image_classify(&c->img, &pkt, fx_env_ifindex(&env, port),
							  f.dir));
		for (size_t p = 0; p < c->set.n_policies; p++) {
			const struct vtap_policy *pol = &c->set.policies[p];

			if (ref_match(pol, &pkt, port, f.dir) &&
			    (!best || vtap_policy_order_cmp(pol, best) < 0))
				best = pol;
		}
		if (!got != !best || (got && strcmp(got, best->name)))
			fail_msg("frame %d (%s %s %s -> %s proto %u %u -> %u vlan %d): classifier %s, "
				 "reference %s",
				 i, port, f.dir == VTAP_DIR_IN ? "in" : "out", f.pkt.src, f.pkt.dst,
				 f.pkt.proto, f.pkt.sport, f.pkt.dport, vlan, got ? got : "no match",
				 best ? best->name : "no match");
		matched += best != NULL;
	}
	/* the draw must exercise matches and misses both */
	print_message("# mixed shapes: %zu of %d frames matched a rule\n", matched, MIX_FRAMES);
	assert_true(matched > MIX_FRAMES / 20 && matched < MIX_FRAMES - MIX_FRAMES / 20);
	fx_compiled_free(c);
	free(c);
}

/* ---- the address tables: many prefix lengths, nested, both families ---- */

/* Rules whose only CIDRs are prefixes of random length (every length of
 * both families occurs: the search over lengths is eight steps deep, and
 * markers lie on the way to most prefixes) cut from a few base addresses
 * with random bits flipped, so they nest deeply; frames with addresses
 * near those bases. The classifier must pick what the reference matcher
 * picks. */
#define PFX_RULES  900
#define PFX_FRAMES 20000

static void test_prefixes_vs_reference(void **state)
{
	size_t winners = 0;
	struct fx_compiled *c = calloc(1, sizeof(*c));
	bool won[PFX_RULES] = {false};
	char *y = pg_yaml(PFX_RULES, "monitor: mon");

	(void)state;
	assert_non_null(c);
	if (fx_compile_yaml(y, &env, c)) {
		print_errs(&c->errs);
		fail_msg("the prefix rule set does not compile");
	}
	free(y);
	for (int i = 0; i < PFX_FRAMES; i++) {
		const struct vtap_policy *best = NULL;
		struct vtap_pkt pkt = {.level = VTAP_LEVEL_L4, .proto = 6, .sport = 1, .dport = 2};
		int v6 = (int)pg_rand(2), r;
		const char *got;

		pg_addr(v6, pkt.saddr);
		pg_addr(v6, pkt.daddr);
		if (v6)
			pkt.flags = VTAP_PF_IPV6;
		r = vtap_image_classify(&c->img, &pkt, fx_env_ifindex(&env, "vm1"), VTAP_DIR_OUT);
		got = fx_rank_name(c, r);
		for (size_t p = 0; p < c->set.n_policies; p++) {
			const struct vtap_policy *pol = &c->set.policies[p];

			if (ref_match(pol, &pkt, "vm1", VTAP_DIR_OUT) &&
			    (!best || vtap_policy_order_cmp(pol, best) < 0))
				best = pol;
		}
		if (!got != !best || (got && strcmp(got, best->name))) {
			char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, pkt.saddr, s, sizeof(s));
			inet_ntop(AF_INET6, pkt.daddr, d, sizeof(d));
			fail_msg("frame %d (%s -> %s): classifier %s, reference %s", i, s, d,
				 got ? got : "no match", best ? best->name : "no match");
		}
		if (best && !won[best - c->set.policies]) {
			won[best - c->set.policies] = true;
			winners++;
		}
	}
	for (int side = 0; side < 2; side++) {
		size_t used = 0;

		for (size_t k = 0; k < VTAP_PFX_SLOTS; k++)
			used += c->img.pfx[side][k].len_fam != 0;
		print_message(
		    "# prefixes: %s table: %zu entries (prefixes and markers), slots read "
		    "per probe at most %u\n",
		    side ? "destination" : "source", used, c->img.gen.pfx_probes[side] + 1);
	}
	/* the draw must reach deep into the nests: many rules win */
	print_message("# prefixes: %zu of %d rules won a frame\n", winners, PFX_RULES);
	assert_true(winners > PFX_RULES / 10);
	fx_compiled_free(c);
	free(c);
}

/* ---- limits ---- */

static void test_limit_rules(void **state)
{
	struct vtap_policy_set set = { 0 };
	struct vtap_compile_env ce = { 0 };
	struct vtap_errors errs = { 0 };
	struct vtap_image *img = calloc(1, sizeof(*img));
	static char port[] = "vm1";
	char *ports[1] = { port };
	size_t n = VTAP_MAX_RULES + 1;
	bool found = false;

	(void)state;
	assert_non_null(img);
	set.policies = calloc(n, sizeof(*set.policies));
	assert_non_null(set.policies);
	set.n_policies = n;
	for (size_t i = 0; i < n; i++) {
		struct vtap_policy *p = &set.policies[i];

		snprintf(p->name, sizeof(p->name), "p%zu", i);
		p->priority = (int32_t)i;
		p->ports = ports;
		p->n_ports = 1;
		p->direction = VTAP_DIR_BOTH;
		p->protocol = -1;
		p->action = VTAP_ACTION_SKIP;
		p->sample = 1;
		p->monitor_idx = -1;
	}
	ce.ports = env.ports;
	ce.n_ports = env.n_ports;
	assert_int_not_equal(vtap_compile(&set, &ce, img, &errs), 0);
	assert_true(errs.n > 0);
	for (size_t i = 0; i < errs.n; i++) {
		print_message("    %s\n", errs.msgs[i]);
		if (strstr(errs.msgs[i], "4096"))
			found = true;
	}
	assert_true(found);
	/* and exactly at the limit it compiles */
	vtap_errors_free(&errs);
	set.n_policies = VTAP_MAX_RULES;
	assert_int_equal(vtap_compile(&set, &ce, img, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(img->gen.n_rules, VTAP_MAX_RULES);
	vtap_image_free(img);
	free(img);
	free(set.policies);
}

/* The address tables hold prefixes plus the search's markers: 8191 /32s,
 * each alone in its /24, with one /24 present, need a marker each (16383
 * entries) and are refused with the reason; 6000 fit. */
static char *lone32_yaml(int n)
{
	size_t cap = 256 + (size_t)n * 24, off = 0;
	char *y = malloc(cap);

	assert_non_null(y);
	off += (size_t)snprintf(y + off, cap - off,
				"policies:\n  - {name: net, source: {ports: [vm1]}, "
				"destination: {cidr: 10.255.255.0/24}, action: skip}\n");
	for (int i = 0; i < n; i++) {
		if (i % 128 == 0)
			off += (size_t)snprintf(
			    y + off, cap - off,
			    "%s  - {name: h%d, source: {ports: [vm1]}, action: skip, "
			    "destination: {cidr: [",
			    i ? "]}}\n" : "", i);
		off += (size_t)snprintf(y + off, cap - off, "%s10.%d.%d.1", i % 128 ? ", " : "",
					i >> 8, i & 255);
	}
	off += (size_t)snprintf(y + off, cap - off, "]}}\n");
	assert_true(off < cap);
	return y;
}

static void test_limit_prefix_table(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = lone32_yaml(VTAP_MAX_PREFIXES - 1);
	bool found = false;

	(void)state;
	assert_non_null(c);
	assert_int_not_equal(fx_compile_yaml(y, &env, c), 0);
	for (size_t i = 0; i < c->errs.n; i++) {
		print_message("    %s\n", c->errs.msgs[i]);
		if (strstr(c->errs.msgs[i], "destination prefixes need more than 14336") &&
		    strstr(c->errs.msgs[i], "address table entries"))
			found = true;
	}
	assert_true(found);
	fx_compiled_free(c);
	free(y);
	memset(c, 0, sizeof(*c));
	y = lone32_yaml(6000);
	if (fx_compile_yaml(y, &env, c)) {
		print_errs(&c->errs);
		fail_msg("6000 lone /32s and a /24 do not compile");
	}
	fx_compiled_free(c);
	free(c);
	free(y);
}

/* The parser refuses more than 4096 policies too (the same limit). */
static void test_limit_rules_yaml(void **state)
{
	size_t cap = 64 + (size_t)(VTAP_MAX_RULES + 1) * 120, off = 0;
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = malloc(cap);
	bool found = false;

	(void)state;
	assert_non_null(y);
	assert_non_null(c);
	off += (size_t)snprintf(y + off, cap - off, "policies:\n");
	for (int i = 0; i <= VTAP_MAX_RULES; i++)
		off += (size_t)snprintf(y + off, cap - off,
					"  - {name: p%d, source: {ports: [vm1]}, action: skip}\n", i);
	assert_true(off < cap);
	assert_int_not_equal(fx_compile_yaml(y, &env, c), 0);
	for (size_t i = 0; i < c->errs.n; i++)
		if (strstr(c->errs.msgs[i], "4096"))
			found = true;
	assert_true(found);
	fx_compiled_free(c);
	free(c);
	free(y);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(fx_count + 8, sizeof(*tests));
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
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scale_4096_ports);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scale_4095_prefixes_1_port);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scale_4096_prefixes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limit_rules);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limit_rules_yaml);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_limit_prefix_table);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mixed_shapes_vs_reference);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_prefixes_vs_reference);
	return _cmocka_run_group_tests("classify", tests, n, NULL, NULL);
}
