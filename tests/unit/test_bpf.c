// SPDX-License-Identifier: GPL-2.0
/* The fixture table (fixtures.c) through the REAL TC program in the kernel:
 * the loader (user/kernel/loader.c) writes each fixture's compiled image into the
 * maps, BPF_PROG_TEST_RUN runs the frame through vtap_tc_out / vtap_tc_in
 * with the ifindex of a real port, and the verdict is read back from the
 * per-policy counters. It must equal the native verdict and the expected one.
 * The fixtures of direction out run through the XDP tap (vtap_xdp_out) as
 * well, with the same checks, and each of its copies must be in the ring
 * buffer: the right session, lengths and bytes.
 *
 * The ports are veth pairs in a private network namespace (unshare at
 * start); the maps are pinned under /sys/fs/bpf/vtap-test-<pid>, removed at
 * the end. Needs root. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixtures.h"
#include "sink_reader.h"
#include <vtap/dedup.h>
#include "prefix_gen.h"
#include "kernel/loader.h"
#include "kernel/tc.h"
#include "vtap_tc.skel.h"
#include <vtap/abi.h>
#include <vtap/map_names.h>

static struct fx_env env;
static struct vtap_loader ld;
static bool ld_open;
static int fd_out = -1, fd_in = -1, fd_xdp = -1;
static struct ring_buffer *ring;
/* what the real sink program on sink0's egress delivers to its peer */
static int sink_fd = -1;

/* The records the XDP tap wrote during one run. */
#define RING_MAX_RECS 4
static struct {
	struct vtap_ring_rec rec;
	uint8_t data[FX_FRAME_MAX];
} recs[RING_MAX_RECS];
static size_t n_recs;
/* what a record longer than FX_FRAME_MAX must hold (its header is kept in
 * recs, its bytes compared here): records that held it */
static const uint8_t *long_frame;
static size_t n_long_same;

static int on_record(void *ctx, void *data, size_t size)
{
	const struct vtap_ring_rec *r = data;

	(void)ctx;
	if (n_recs < RING_MAX_RECS && size >= sizeof(*r) && r->cap_len > FX_FRAME_MAX) {
		recs[n_recs].rec = *r;
		if (long_frame && size >= sizeof(*r) + r->cap_len &&
		    !memcmp(r + 1, long_frame, r->cap_len))
			n_long_same++;
	}
	if (n_recs < RING_MAX_RECS && size >= sizeof(*r) && r->cap_len <= FX_FRAME_MAX &&
	    size >= sizeof(*r) + r->cap_len) {
		recs[n_recs].rec = *r;
		memcpy(recs[n_recs].data, r + 1, r->cap_len);
	}
	n_recs++;
	return 0;
}

/* A fixture and the hook it runs through. */
struct fx_run {
	const struct fixture *f;
	bool xdp;
	char name[300];
};

/* ---- setup: namespace, devices, loader ---- */

static uint32_t real_ifindex(const char *name)
{
	return if_nametoindex(name);
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	if (r)
		fprintf(stderr, "test_bpf: '%s' failed (%d)\n", cmd, r);
	return r;
}

static int make_dev(const char *name)
{
	if (sh("ip link add %s type veth peer name p-%s", name, name) ||
	    sh("ip link set p-%s up", name) || sh("ip link set %s up", name))
		return -1;
	return 0;
}

static int group_setup(void **state)
{
	char pin[64];
	cpu_set_t cpus;
	int ret;

	(void)state;
	/* Per-CPU counters (and sampling on them) are read as sums; keep every
	 * run on one CPU so a sequence of runs is one sequence. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		fprintf(stderr, "test_bpf: sched_setaffinity: %s\n", strerror(errno));
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "test_bpf: unshare(CLONE_NEWNET): %s (run as root)\n",
			strerror(errno));
		return -1;
	}
	if (sh("ip link set lo up"))
		return -1;
	for (size_t i = 0; i < FX_N_PORTS; i++)
		if (make_dev(fx_port_names[i]))
			return -1;
	for (size_t i = 0; i < FX_N_SINKS; i++)
		if (make_dev(fx_sink_names[i]))
			return -1;
	fx_env_init(&env, real_ifindex);
	for (size_t i = 0; i < env.n_ports; i++)
		if (!env.ports[i].ifindex)
			return -1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-test-%d", (int)getpid());
	ret = vtap_loader_open(&ld, pin);
	if (ret) {
		fprintf(stderr, "test_bpf: vtap_loader_open(%s): %s\n", pin, strerror(-ret));
		return -1;
	}
	ld_open = true;
	fd_out = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
	fd_in = vtap_loader_prog(&ld, VTAP_PROG_TC_IN);
	fd_xdp = vtap_loader_prog(&ld, VTAP_PROG_XDP_OUT);
	if (fd_out < 0 || fd_in < 0 || fd_xdp < 0) {
		fprintf(stderr, "test_bpf: programs %s/%s/%s not found\n",
			vtap_prog_name(VTAP_PROG_TC_OUT), vtap_prog_name(VTAP_PROG_TC_IN),
			vtap_prog_name(VTAP_PROG_XDP_OUT));
		return -1;
	}
	ring = ring_buffer__new(vtap_loader_ring_fd(&ld), on_record, NULL, NULL);
	if (!ring) {
		fprintf(stderr, "test_bpf: ring_buffer__new: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < env.n_sinks; i++) {
		bool created;

		vtap_loader_add_sink(&ld, env.sinks[i].ifindex);
		if (vtap_tc_attach((int)env.sinks[i].ifindex, VTAP_HOOK_EGRESS,
				   vtap_loader_prog(&ld, VTAP_PROG_SINK), &created)) {
			fprintf(stderr, "test_bpf: cannot attach the sink program\n");
			return -1;
		}
	}
	sink_fd = sink_reader_open("p-sink0");
	if (sink_fd < 0) {
		fprintf(stderr, "test_bpf: packet socket on p-sink0: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	ring_buffer__free(ring);
	ring = NULL;
	if (sink_fd >= 0)
		close(sink_fd);
	sink_fd = -1;
	if (ld_open)
		vtap_loader_close(&ld, 1);
	ld_open = false;
	/* the namespace (and its veths) goes away with the process */
	return 0;
}

/* ---- helpers ---- */

/* Run one frame through the tap; returns bpf_prog_test_run_opts' result. */
static int run_frame(uint8_t dir, uint32_t ifindex, const uint8_t *frame, size_t len,
		     uint32_t mark)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	ctx.ifindex = ifindex;
	ctx.mark = mark;
	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = 1;
	return bpf_prog_test_run_opts(dir == VTAP_DIR_IN ? fd_in : fd_out, &opts);
}

/* The same through the XDP tap (direction out only): the frame as
 * received on ifindex, queue 0. The ring is drained into recs. */
static int run_frame_xdp(uint32_t ifindex, const uint8_t *frame, size_t len)
{
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int ret;

	ctx.ingress_ifindex = ifindex;
	ctx.data_end = (__u32)len; /* no metadata: the frame is all data */
	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = 1;
	n_recs = 0;
	ret = bpf_prog_test_run_opts(fd_xdp, &opts);
	if (!ret && opts.retval != XDP_PASS)
		fail_msg("the XDP tap returned %u, not XDP_PASS", opts.retval);
	if (ring_buffer__consume(ring) < 0)
		fail_msg("ring_buffer__consume failed");
	return ret;
}

/* Forget the copies' fingerprints (include/vtap/dedup.h): each fixture is
 * a world of its own, while the table would take a frame an earlier fixture
 * ran through another port as the same frame, tapped twice. */
static void dedup_forget(void)
{
	static struct vtap_dedup_bucket zero[VTAP_DEDUP_BUCKETS];
	static __u32 keys[VTAP_DEDUP_BUCKETS];
	__u32 count = VTAP_DEDUP_BUCKETS;

	for (__u32 i = 0; i < VTAP_DEDUP_BUCKETS; i++)
		keys[i] = i;
	assert_int_equal(bpf_map_update_batch(vtap_loader_map_fd(&ld, VTAP_MAP_DEDUP), keys, zero,
					      &count, NULL),
			 0);
}

/* Apply c's image and check that the active generation flipped. */
static void apply(struct fx_compiled *c)
{
	int before = vtap_loader_active_gen(&ld), after;

	assert_true(before == 0 || before == 1);
	assert_int_equal(vtap_loader_apply(&ld, &c->img), 0);
	after = vtap_loader_active_gen(&ld);
	assert_int_equal(after, !before);
	for (size_t i = 0; i < c->set.n_policies; i++)
		assert_int_equal(vtap_loader_zero_stats(&ld, (__u32)i), 0);
}

/* c: zeroed or compiled before (what it held is freed first: the tests
 * compile one set after another into one c) */
static void compile_or_fail(const char *yaml, struct fx_compiled *c)
{
	fx_compiled_free(c);
	if (fx_compile_yaml(yaml, &env, c)) {
		for (size_t i = 0; i < c->errs.n; i++)
			print_message("    %s\n", c->errs.msgs[i]);
		fail_msg("policies do not compile");
	}
}

static bool sink_present(const struct fx_compiled *c, int policy)
{
	int m = c->set.policies[policy].monitor_idx;

	return m >= 0 && c->sink_ifindex[m] != 0;
}

/* Frames the kernel's BPF_PROG_TEST_RUN will not build an skb from. */
static bool test_run_refuses(const uint8_t *frame, size_t len)
{
	uint16_t proto;

	if (len < VTAP_ETH_HLEN)
		return true;
	proto = (uint16_t)(frame[12] << 8 | frame[13]);
	return (proto == VTAP_ETH_P_IP && len < VTAP_ETH_HLEN + 20) ||
	       (proto == VTAP_ETH_P_IPV6 && len < VTAP_ETH_HLEN + 40);
}

/* The copy the sink delivered for the last run: want bytes, the head of
 * frame. */
static void check_sink_copy(const uint8_t *frame, uint16_t want)
{
	uint8_t got[FX_FRAME_MAX + 8];
	int n = sink_reader_next(sink_fd, got, sizeof(got), 1000);

	if (n != want)
		fail_msg("the sink delivered a copy of %d bytes, expected %u", n, want);
	assert_memory_equal(got, frame, want);
}

/* ---- one test per fixture ---- */

/* The same frame again: its verdict now comes from the flow cache, then
 * (cache off, then forced miss) from the classifier again; all must be the
 * first run's.
 * winner: the policy that matched the first run, or -1. */
static void repeat_from_cache(const struct fixture *f, const uint8_t *frame, size_t len,
			      int winner, const struct vtap_global_counters *g1)
{
	struct vtap_global_counters g2, g3, g4;
	struct vtap_counters k;

	assert_int_equal(run_frame(f->dir, fx_env_ifindex(&env, f->port), frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g2), 0);
	assert_int_equal(g2.cache_hits - g1->cache_hits, 1);
	assert_int_equal(g2.cache_misses - g1->cache_misses, 0);

	assert_int_equal(vtap_loader_set_flow_cache(&ld, VTAP_FLOW_CACHE_OFF), 0);
	assert_int_equal(run_frame(f->dir, fx_env_ifindex(&env, f->port), frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g3), 0);
	assert_int_equal(g3.cache_hits - g2.cache_hits, 0);
	assert_int_equal(g3.cache_misses - g2.cache_misses, 0);

	/* forced miss (what bench_classify times as a flow's first frame) */
	assert_int_equal(vtap_loader_set_flow_cache(&ld, VTAP_FLOW_CACHE_ALWAYS_MISS), 0);
	assert_int_equal(run_frame(f->dir, fx_env_ifindex(&env, f->port), frame, len, 0), 0);
	assert_int_equal(vtap_loader_set_flow_cache(&ld, VTAP_FLOW_CACHE_ON), 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g4), 0);
	assert_int_equal(g4.cache_hits - g3.cache_hits, 0);
	assert_int_equal(g4.cache_misses - g3.cache_misses, 1);

	/* four runs, one verdict */
	if (winner < 0) {
		assert_int_equal(g4.no_match - g1->no_match, 3);
		return;
	}
	assert_int_equal(g4.no_match - g1->no_match, 0);
	assert_int_equal(vtap_loader_read_stats(&ld, (__u32)winner, &k), 0);
	assert_int_equal(k.matched_pkts, 4);
}

static void test_fixture(void **state)
{
	const struct fx_run *run = *state;
	const struct fixture *f = run->f;
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct vtap_global_counters g0, g1;
	uint8_t frame[FX_FRAME_MAX];
	struct vtap_pkt pkt;
	const char *native, *bpf = NULL;
	size_t len;
	int rank, winner = -1, ret;

	assert_non_null(c);
	if (f->bug)
		print_message("# known bug: %s\n", f->bug);
	compile_or_fail(f->yaml, c);
	/* a failed assertion in an earlier fixture may have left it off */
	assert_int_equal(vtap_loader_set_flow_cache(&ld, VTAP_FLOW_CACHE_ON), 0);
	len = fx_build(f, frame, sizeof(frame));
	vtap_parse(frame, frame + len, &pkt);
	rank = vtap_image_classify(&c->img, &pkt, fx_env_ifindex(&env, f->port), f->dir);
	native = fx_rank_name(c, rank);

	apply(c);
	dedup_forget();
	assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
	if (run->xdp) {
		ret = run_frame_xdp(fx_env_ifindex(&env, f->port), frame, len);
		if (len < VTAP_ETH_HLEN) {
			/* XDP's BPF_PROG_TEST_RUN refuses only frames shorter
			 * than an Ethernet header */
			assert_int_equal(ret, -EINVAL);
			goto out;
		}
	} else {
		sink_reader_drain(sink_fd);
		ret = run_frame(f->dir, fx_env_ifindex(&env, f->port), frame, len, 0);
	}
	if (!run->xdp && test_run_refuses(frame, len)) {
		/* BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet
		 * header, and untagged IPv4/IPv6 frames shorter than the
		 * minimal IP header; only the native path sees them
		 * (test_classify). Tagged variants of them are in the table. */
		assert_int_equal(ret, -EINVAL);
		print_message("# %zu-byte frame: BPF_PROG_TEST_RUN refuses it (EINVAL), "
			      "checked natively only\n",
			      len);
		goto out;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g1), 0);

	for (size_t i = 0; i < c->set.n_policies; i++) {
		struct vtap_counters k;

		assert_int_equal(vtap_loader_read_stats(&ld, (__u32)i, &k), 0);
		if (!k.matched_pkts) {
			if (k.copies || k.copy_fail || k.sampled_out)
				fail_msg("policy %s: copies %llu copy_fail %llu sampled_out %llu "
					 "without a match",
					 c->set.policies[i].name, (unsigned long long)k.copies,
					 (unsigned long long)k.copy_fail,
					 (unsigned long long)k.sampled_out);
			continue;
		}
		if (winner >= 0 || k.matched_pkts != 1)
			fail_msg("policy %s matched %llu (another: %s)", c->set.policies[i].name,
				 (unsigned long long)k.matched_pkts,
				 winner >= 0 ? c->set.policies[winner].name : "none");
		winner = (int)i;
		bpf = c->set.policies[i].name;
		assert_int_equal(k.matched_bytes, len);
		assert_int_equal(k.sampled_out, 0);
		if (!fx_policy_mirrors(c, winner)) {
			assert_int_equal(k.copies, 0);
			assert_int_equal(k.copy_fail, 0);
		} else if (sink_present(c, winner)) {
			if (k.copies != 1 || k.copy_fail != 0)
				fail_msg("mirror to a present sink: copies %llu copy_fail %llu",
					 (unsigned long long)k.copies,
					 (unsigned long long)k.copy_fail);
			assert_int_equal(k.copy_bytes, len);
		} else {
			if (k.copies != 0 || k.copy_fail != 1)
				fail_msg("mirror to an absent sink: copies %llu copy_fail %llu",
					 (unsigned long long)k.copies,
					 (unsigned long long)k.copy_fail);
			assert_int_equal(k.copy_bytes, 0);
		}
	}
	assert_int_equal(g1.seen - g0.seen, 1);
	assert_int_equal(g1.copies_seen - g0.copies_seen, 0);
	assert_int_equal(g1.no_match - g0.no_match, bpf ? 0 : 1);
	if ((g1.unparsed - g0.unparsed) != ((pkt.flags & VTAP_PF_MALFORMED) ? 1u : 0u))
		fail_msg("gstats unparsed +%llu, the native parse says %s",
			 (unsigned long long)(g1.unparsed - g0.unparsed),
			 (pkt.flags & VTAP_PF_MALFORMED) ? "malformed" : "well-formed");

	if (!native != !bpf || (bpf && strcmp(bpf, native)))
		fail_msg("on %s %s: kernel verdict %s, native verdict %s", f->port,
			 fx_dir_name(f->dir), bpf ? bpf : "no match", native ? native : "no match");
	if (!f->verdict != !bpf || (bpf && strcmp(bpf, f->verdict)))
		fail_msg("on %s %s: kernel verdict %s, expected %s", f->port, fx_dir_name(f->dir),
			 bpf ? bpf : "no match", f->verdict ? f->verdict : "no match");
	if (bpf)
		assert_int_equal(fx_policy_mirrors(c, winner), f->copy);
	assert_int_equal(g1.cache_misses - g0.cache_misses, 1);
	assert_int_equal(g1.cache_hits - g0.cache_hits, 0);
	if (!run->xdp && f->copy_len)
		check_sink_copy(frame, f->copy_len);
	/* the cache's own checks run the frame again through the TC program,
	 * which refuses some frames XDP takes: once, on the TC pass */
	if (!run->xdp)
		repeat_from_cache(f, frame, len, winner, &g1);
	if (run->xdp) {
		/* a record for each copy, none otherwise */
		bool copied = bpf && fx_policy_mirrors(c, winner) && sink_present(c, winner);
		uint32_t snap = bpf ? c->set.policies[winner].snaplen : 0;
		uint32_t cap = snap && snap < len ? snap : (uint32_t)len;

		if (f->copy_len)
			cap = f->copy_len;

		assert_int_equal(n_recs, copied ? 1 : 0);
		if (copied) {
			assert_int_equal(recs[0].rec.policy_id, winner);
			assert_int_equal(recs[0].rec.orig_len, len);
			assert_int_equal(recs[0].rec.cap_len, cap);
			assert_int_equal(recs[0].rec.ifindex, fx_env_ifindex(&env, f->port));
			assert_int_equal(recs[0].rec.dir, VTAP_DIR_OUT);
			assert_true(recs[0].rec.tai_ns != 0);
			assert_memory_equal(recs[0].data, frame, cap);
		}
	}
out:
	fx_compiled_free(c);
	free(c);
}

/* ---- the copy mark, sampling, generations ---- */

#define MONS "monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n"

static void test_copy_never_copied(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 6, .sport = 1, .dport = 80 } };
	struct vtap_global_counters g0, g1;
	struct vtap_counters k;
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));
	static const uint32_t marks[] = { VTAP_COPY_MAGIC, VTAP_COPY_MAGIC | 64,
					  VTAP_COPY_MAGIC | 0xffff };

	(void)state;
	assert_non_null(c);
	compile_or_fail(MONS "  - {name: all, source: {ports: [vm1]}, monitor: mon}\n", c);
	apply(c);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		for (int dir = VTAP_DIR_IN; dir <= VTAP_DIR_OUT; dir++) {
			assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
			assert_int_equal(run_frame((uint8_t)dir, fx_env_ifindex(&env, "vm1"), frame,
						   len, marks[i]),
					 0);
			assert_int_equal(vtap_loader_read_global(&ld, &g1), 0);
			assert_int_equal(g1.copies_seen - g0.copies_seen, 1);
			assert_int_equal(g1.seen - g0.seen, 0);
			assert_int_equal(g1.no_match - g0.no_match, 0);
			assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
			assert_int_equal(k.matched_pkts, 0);
			assert_int_equal(k.copies, 0);
			assert_int_equal(k.copy_fail, 0);
		}
	}
	/* another mark is no copy: classified and copied */
	assert_int_equal(run_frame(VTAP_DIR_OUT, fx_env_ifindex(&env, "vm1"), frame, len, 0x7a710000),
			 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
	assert_int_equal(k.matched_pkts, 1);
	assert_int_equal(k.copies, 1);
	fx_compiled_free(c);
	free(c);
}

/* A rate cap (pps 1, burst 3) for all CPUs and both hooks: of 10 frames
 * in a moment, 2 through TC and 8 through XDP, 3 are copied — the TC tap's
 * 2 and one record in the ring — and 7 counted over the cap, not as
 * failures. A reload with the same cap keeps the bucket (still empty). */
static void test_rate_cap(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 } };
	struct vtap_counters k;
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame)), recs_seen = 0;
	uint32_t vm1 = fx_env_ifindex(&env, "vm1");

	(void)state;
	assert_non_null(c);
	compile_or_fail(MONS "  - {name: capped, source: {ports: [vm1]}, "
			     "rate: {pps: 1, burst: 3}, dedup: false, monitor: mon}\n",
			c);
	apply(c);
	assert_int_equal(vtap_loader_set_rate(&ld, 0, &c->set.policies[0].rate), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(run_frame(VTAP_DIR_OUT, vm1, frame, len, 0), 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(run_frame_xdp(vm1, frame, len), 0);
		recs_seen += n_recs;
	}
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
	assert_int_equal(k.matched_pkts, 10);
	assert_int_equal(k.copies, 3);
	assert_int_equal(k.rate_limited, 7);
	assert_int_equal(k.copy_fail, 0);
	assert_int_equal(recs_seen, 1);
	/* the same cap written again: the bucket is kept, still empty */
	assert_int_equal(vtap_loader_set_rate(&ld, 0, &c->set.policies[0].rate), 0);
	assert_int_equal(run_frame(VTAP_DIR_IN, vm1, frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
	assert_int_equal(k.copies, 3);
	assert_int_equal(k.rate_limited, 8);
	/* no cap: every frame copied */
	compile_or_fail(MONS "  - {name: capped, source: {ports: [vm1]}, dedup: false, "
			     "monitor: mon}\n",
			c);
	apply(c);
	assert_int_equal(run_frame(VTAP_DIR_IN, vm1, frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
	assert_int_equal(k.copies, 1);
	assert_int_equal(k.rate_limited, 0);
	fx_compiled_free(c);
	free(c);
}

/* The policies of yaml in effect, no fingerprint left: frame leaves vm1
 * and enters vm2; *second: the counters of the second policy. */
static void both_ends(const char *yaml, struct fx_compiled *c, const uint8_t *frame, size_t len,
		      struct vtap_counters *second)
{
	compile_or_fail(yaml, c);
	apply(c);
	dedup_forget();
	assert_int_equal(run_frame(VTAP_DIR_OUT, fx_env_ifindex(&env, "vm1"), frame, len, 0), 0);
	assert_int_equal(run_frame(VTAP_DIR_IN, fx_env_ifindex(&env, "vm2"), frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 1, second), 0);
}

/* One copy per frame: the same frame tapped leaving vm1 and entering vm2
 * (TC, or XDP out and TC in) reaches the monitor once, the second counted
 * deduplicated; the same frame again at the same tap point is another frame
 * (copied); after the window it is another frame too; a frame tapped for
 * two monitors goes to both; dedup: false copies it twice. */
static void test_dedup(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 6, .sport = 1, .dport = 80,
				      .payload = 100 } };
	struct vtap_counters k1, k2;
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));
	uint32_t vm1 = fx_env_ifindex(&env, "vm1"), vm2 = fx_env_ifindex(&env, "vm2");
	/* the BPF taps read the window on the coarse clock (admit.h): one
	 * tick (10 ms at HZ=100) either way */
	struct timespec gap = { 0, VTAP_DEDUP_WINDOW_NS + 25000000 };

	(void)state;
	assert_non_null(c);
	both_ends(MONS "  - {name: one, source: {ports: [vm1]}, monitor: mon}\n"
		       "  - {name: two, source: {ports: [vm2]}, monitor: mon}\n",
		  c, frame, len, &k2);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k1), 0);
	assert_int_equal(k1.copies, 1);
	assert_int_equal(k2.copies, 0);
	assert_int_equal(k2.deduplicated, 1);
	/* the same frame again at vm1: another frame, copied; then at vm2 */
	assert_int_equal(run_frame(VTAP_DIR_OUT, vm1, frame, len, 0), 0);
	assert_int_equal(run_frame(VTAP_DIR_IN, vm2, frame, len, 0), 0);
	/* XDP out, TC in: no skb metadata between them, the same answer */
	assert_int_equal(run_frame_xdp(vm1, frame, len), 0);
	assert_int_equal(n_recs, 1);
	assert_int_equal(run_frame(VTAP_DIR_IN, vm2, frame, len, 0), 0);
	/* past the window: another frame */
	nanosleep(&gap, NULL);
	assert_int_equal(run_frame(VTAP_DIR_IN, vm2, frame, len, 0), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k1), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 1, &k2), 0);
	assert_int_equal(k1.copies, 3);
	assert_int_equal(k1.deduplicated, 0);
	assert_int_equal(k2.copies, 1);
	assert_int_equal(k2.deduplicated, 3);
	assert_int_equal(k1.copy_fail + k2.copy_fail, 0);

	/* dedup: false on the second: twice */
	both_ends(MONS "  - {name: one, source: {ports: [vm1]}, monitor: mon}\n"
		       "  - {name: two, source: {ports: [vm2]}, dedup: false, monitor: mon}\n",
		  c, frame, len, &k2);
	assert_int_equal(k2.copies, 1);
	assert_int_equal(k2.deduplicated, 0);
	/* two monitors: each gets the frame (the second's sink is absent
	 * here: its copy is a failure, not a duplicate) */
	both_ends("monitors: [{name: mon, type: local, port: sink0}, "
		  "{name: mon2, type: local, port: ghost0}]\npolicies:\n"
		  "  - {name: one, source: {ports: [vm1]}, monitor: mon}\n"
		  "  - {name: two, source: {ports: [vm2]}, monitor: mon2}\n",
		  c, frame, len, &k2);
	assert_int_equal(k2.deduplicated, 0);
	assert_int_equal(k2.copy_fail, 1);
	fx_compiled_free(c);
	free(c);
}

static void test_sample(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 } };
	struct vtap_counters k, o;
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));

	(void)state;
	assert_non_null(c);
	compile_or_fail(MONS "  - {name: other, priority: 1, source: {ports: [vm1]}, "
			     "match: {protocol: tcp}, monitor: mon}\n"
			     "  - {name: sampled, priority: 2, source: {ports: [vm1]}, sample: 3, "
			     "dedup: false, monitor: mon}\n",
			c);
	apply(c);
	for (int i = 0; i < 6; i++)
		assert_int_equal(run_frame(i % 2 ? VTAP_DIR_IN : VTAP_DIR_OUT,
					   fx_env_ifindex(&env, "vm1"), frame, len, 0),
				 0);
	assert_int_equal(vtap_loader_read_stats(&ld, (__u32)fx_policy_index(c, "sampled"), &k), 0);
	assert_int_equal(k.matched_pkts, 6);
	assert_int_equal(k.copies, 2);
	assert_int_equal(k.sampled_out, 4);
	assert_int_equal(k.copy_fail, 0);
	assert_int_equal(vtap_loader_read_stats(&ld, (__u32)fx_policy_index(c, "other"), &o), 0);
	assert_int_equal(o.matched_pkts, 0);
	fx_compiled_free(c);
	free(c);
}

/* A ring that is not drained fills up: every copy after that is counted
 * as ring_full (and copy_fail), none is lost without a count, and every
 * copy counted is a record in the ring. */
static void test_ring_overflow(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 } };
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	/* more records than the ring holds, whatever its size */
	__u32 runs = ld.ring_size / (uint32_t)(sizeof(struct vtap_ring_rec) + len) + 1000;
	struct vtap_counters k;

	(void)state;
	assert_non_null(c);
	compile_or_fail(MONS "  - {name: all, source: {ports: [vm1]}, monitor: mon}\n", c);
	apply(c);
	ctx.ingress_ifindex = fx_env_ifindex(&env, "vm1");
	ctx.data_end = (__u32)len;
	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = runs;
	assert_int_equal(bpf_prog_test_run_opts(fd_xdp, &opts), 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, &k), 0);
	print_message("# %u runs: copies %llu ring_full %llu (ring %u bytes)\n", runs,
		      (unsigned long long)k.copies, (unsigned long long)k.ring_full, ld.ring_size);
	assert_int_equal(k.matched_pkts, runs);
	assert_true(k.ring_full > 0);
	assert_int_equal(k.copy_fail, k.ring_full);
	assert_int_equal(k.copies + k.ring_full, runs);
	n_recs = 0;
	assert_true(ring_buffer__consume(ring) >= 0);
	assert_int_equal(n_recs, k.copies);
	fx_compiled_free(c);
	free(c);
}

/* Copies longer than one piece of the scratch buffer (VTAP_RING_PIECE: a
 * TSO VM's GSO super-frames at TC, frags at XDP) are reserved in the ring
 * at their size and read into it piece by piece, the last piece ending at
 * the copy's end: every length gives one record of the frame's bytes,
 * whole (VTAP_RING_PIECE itself the one-piece path's longest, multiples of
 * a piece, the longest record) or cut to a snaplen or to the longest
 * record, and a ring without room for one counts it. The XDP tap, whose
 * test runs take frames of several pages (frags, up to ~72 KiB). */
#define LONG_FRAME (VTAP_RING_COPY_MAX + 1000)
static void test_ring_long_copy(void **state)
{
	static const uint32_t lens[] = { VTAP_RING_PIECE,     VTAP_RING_PIECE + 1,
					 2 * VTAP_RING_PIECE, 40000,
					 65549,		      4 * VTAP_RING_PIECE,
					 VTAP_RING_COPY_MAX,  LONG_FRAME };
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 } };
	uint8_t head[FX_FRAME_MAX], *frame = malloc(LONG_FRAME);
	size_t hlen = fx_build(&f, head, sizeof(head));
	uint32_t vm1 = fx_env_ifindex(&env, "vm1");
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct vtap_counters k;
	__u32 runs;

	(void)state;
	assert_non_null(c);
	assert_non_null(frame);
	memcpy(frame, head, hlen);
	for (uint32_t i = (uint32_t)hlen; i < LONG_FRAME; i++)
		frame[i] = (uint8_t)(i * 7 + i / 251);
	compile_or_fail(MONS "  - {name: cut, priority: 1, source: {ports: [vm1]}, match: {protocol: udp, "
			     "dst_ports: [54]}, snaplen: 20000, monitor: mon}\n"
			     "  - {name: all, priority: 2, source: {ports: [vm1]}, monitor: mon}\n",
			c);
	apply(c);
	long_frame = frame;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n_long_same = 0;
		assert_int_equal(run_frame_xdp(vm1, frame, lens[i]), 0);
		print_message("# %u bytes: %zu records, %zu of the frame's bytes\n", lens[i], n_recs,
			      n_long_same);
		assert_int_equal(n_recs, 1);
		assert_int_equal(n_long_same, 1);
		assert_int_equal(recs[0].rec.cap_len,
				 lens[i] < VTAP_RING_COPY_MAX ? lens[i] : VTAP_RING_COPY_MAX);
		assert_int_equal(recs[0].rec.orig_len, lens[i]);
		assert_int_equal(recs[0].rec.policy_id, fx_policy_index(c, "all"));
	}
	/* cut to its snaplen (port 54: policy cut) */
	frame[14 + 20 + 3] = 54;
	n_long_same = 0;
	assert_int_equal(run_frame_xdp(vm1, frame, 40000), 0);
	assert_int_equal(n_recs, 1);
	assert_int_equal(n_long_same, 1);
	assert_int_equal(recs[0].rec.cap_len, 20000);
	assert_int_equal(recs[0].rec.orig_len, 40000);
	assert_int_equal(recs[0].rec.policy_id, fx_policy_index(c, "cut"));
	frame[14 + 20 + 3] = 53;
	/* a ring not drained fills: every long copy a record or counted */
	assert_int_equal(vtap_loader_read_stats(&ld, (__u32)fx_policy_index(c, "all"), &k), 0);
	runs = ld.ring_size / 40000 + 10;
	ctx.ingress_ifindex = vm1;
	ctx.data_end = 40000;
	opts.data_in = frame;
	opts.data_size_in = 40000;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = runs;
	assert_int_equal(bpf_prog_test_run_opts(fd_xdp, &opts), 0);
	{
		struct vtap_counters before = k;

		assert_int_equal(vtap_loader_read_stats(&ld, (__u32)fx_policy_index(c, "all"), &k),
				 0);
		n_recs = 0;
		assert_true(ring_buffer__consume(ring) >= 0);
		print_message("# %u runs of 40000 bytes: copies +%llu ring_full +%llu, %zu records\n",
			      runs, (unsigned long long)(k.copies - before.copies),
			      (unsigned long long)(k.ring_full - before.ring_full), n_recs);
		assert_true(k.ring_full > before.ring_full);
		assert_int_equal(k.copy_fail - before.copy_fail, k.ring_full - before.ring_full);
		assert_int_equal(k.copies - before.copies + k.ring_full - before.ring_full, runs);
		assert_int_equal(n_recs, k.copies - before.copies);
	}
	long_frame = NULL;
	free(frame);
	fx_compiled_free(c);
	free(c);
}

/* One run of opts through the TC tap (direction out), the ring drained
 * into recs, policy 0's counters after it into k. */
static void run_tc_out(struct bpf_test_run_opts *opts, struct vtap_counters *k)
{
	n_recs = 0;
	assert_int_equal(bpf_prog_test_run_opts(fd_out, opts), 0);
	assert_true(ring_buffer__consume(ring) >= 0);
	assert_int_equal(vtap_loader_read_stats(&ld, 0, k), 0);
}

/* A copy to a capture monitor through the TC tap: a plain frame goes into
 * the ring buffer (one record: the whole frame, its policy, sink and kind;
 * nothing to the sink veth), a GSO frame too; once the sink is marked as
 * having had a copy the ring cannot carry, no frame of it is. */
static void test_capture_path(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture f = { .pkt = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 } };
	uint8_t frame[FX_FRAME_MAX], got[FX_FRAME_MAX + 16];
	size_t len = fx_build(&f, frame, sizeof(frame));
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct vtap_counters k;
	uint32_t sink = fx_env_ifindex(&env, "sink0"), flag;

	(void)state;
	assert_non_null(c);
	compile_or_fail("monitors: [{name: rec, type: capture, port: sink0}]\npolicies:\n"
			"  - {name: all, source: {ports: [vm1]}, monitor: rec}\n",
			c);
	apply(c);
	ctx.ifindex = fx_env_ifindex(&env, "vm1");
	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = 1;
	sink_reader_drain(sink_fd); /* what earlier tests sent there */
	run_tc_out(&opts, &k);
	assert_int_equal(k.copies, 1);
	assert_int_equal(n_recs, 1);
	assert_int_equal(recs[0].rec.policy_id, 0);
	assert_int_equal(recs[0].rec.cap_len, len);
	assert_int_equal(recs[0].rec.orig_len, len);
	assert_int_equal(recs[0].rec.sink_ifindex, sink);
	assert_int_equal(recs[0].rec.sink_kind, VTAP_SINK_CAPTURE);
	assert_int_equal(recs[0].rec.dir, VTAP_DIR_OUT);
	assert_memory_equal(recs[0].data, frame, len);
	assert_true(sink_reader_next(sink_fd, got, sizeof(got), 100) < 0);

	/* the same frame as a GSO super-frame: into the ring too, whole (a
	 * TSO VM's TCP; tests/ns/test_capture.sh has real ones, up to 64 KiB) */
	ctx.gso_size = 1000;
	ctx.gso_segs = 1;
	run_tc_out(&opts, &k);
	assert_int_equal(n_recs, 1);
	assert_int_equal(k.matched_pkts, 2);
	assert_int_equal(k.copies, 2);
	assert_int_equal(k.copy_fail, 0);
	assert_int_equal(recs[0].rec.cap_len, len);
	assert_memory_equal(recs[0].data, frame, len);
	assert_true(sink_reader_next(sink_fd, got, sizeof(got), 100) < 0);
	assert_int_not_equal(
	    bpf_map_lookup_elem(vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH), &sink, &flag), 0);

	/* an entry another vtap left (value 1: when every GSO copy moved a
	 * capture) is not this one's mark: the copy still takes the ring */
	flag = 1;
	assert_int_equal(bpf_map_update_elem(vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH), &sink,
					     &flag, BPF_NOEXIST),
			 0);
	run_tc_out(&opts, &k);
	assert_int_equal(n_recs, 1);
	assert_int_equal(k.copies, 3);

	/* a sink that has had a copy the ring cannot carry (a stack-held VLAN
	 * tag, which BPF_PROG_TEST_RUN cannot give a frame, or one longer
	 * than a record or the ring, which its frames cannot be: the first is
	 * tests/ns/test_capture.sh's) is marked in vtap_cap_veth: from then on
	 * it takes every copy through the sink veth (one file, one path: the
	 * order the copies were made in), tagged */
	flag = VTAP_CAP_VETH_MOVED;
	assert_int_equal(bpf_map_update_elem(vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH), &sink,
					     &flag, BPF_ANY),
			 0);
	ctx.gso_size = 0;
	ctx.gso_segs = 0;
	run_tc_out(&opts, &k);
	assert_int_equal(n_recs, 0);
	assert_int_equal(k.copies, 4);
	assert_int_equal(sink_reader_next(sink_fd, got, sizeof(got), 1000),
			 (int)len + VTAP_SESSION_TAGS_LEN);
	assert_memory_equal(got, frame, 12);
	assert_int_equal(got[12] << 8 | got[13], 0x8100);
	assert_int_equal(got[14] << 8 | got[15], 1); /* VID = policy id + 1 */
	assert_int_equal(got[16] << 8 | got[17], VTAP_CAP_LEN_ETHERTYPE);
	assert_memory_equal(got + 12 + VTAP_SESSION_TAGS_LEN, frame + 12, len - 12);
	/* a prune keeps the choice of the sinks it is given, removes the
	 * choice of any other port (left by a vtapd before) */
	{
		__u32 gone = sink + 7777, one = 1;
		int cv = vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH);

		assert_int_equal(bpf_map_update_elem(cv, &gone, &one, BPF_NOEXIST), 0);
		assert_true(vtap_loader_prune_cap_veth(&ld, &sink, 1) >= 1);
		assert_int_not_equal(bpf_map_lookup_elem(cv, &gone, &flag), 0);
		assert_int_equal(bpf_map_lookup_elem(cv, &sink, &flag), 0);
		assert_int_equal(vtap_loader_prune_cap_veth(&ld, &sink, 1), 0);
	}
	/* the sink's removal forgets it */
	assert_int_equal(vtap_loader_del_sink(&ld, sink), 0);
	assert_int_not_equal(
	    bpf_map_lookup_elem(vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH), &sink, &flag), 0);
	assert_int_equal(vtap_loader_add_sink(&ld, sink), 0);
	fx_compiled_free(c);
	free(c);
}

/* One copy of frame (gso: its GSO segment size, 0 none) to the ovs
 * monitor on sink: through the ring (true: one record, its gso_size
 * given) or the sink veth (false: the frame with its session tag; a
 * made-up GSO frame, without the kernel's GSO type, is one the veth's
 * transmit refuses: counted, not read). */
static bool ovs_copy_by_ring(const uint8_t *frame, size_t len, __u32 gso, int sink_fd_)
{
	struct __sk_buff ctx = { .ifindex = (__u32)fx_env_ifindex(&env, "vm1"), .gso_size = gso,
				 .gso_segs = gso ? 2 : 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint8_t got[FX_FRAME_MAX + 16];
	struct vtap_counters k, before;
	int n;

	assert_int_equal(vtap_loader_read_stats(&ld, 0, &before), 0);
	run_tc_out(&opts, &k);
	if (gso) /* a made-up GSO frame fails the veth's transmit: counted */
		assert_int_equal(k.copies + k.copy_fail, before.copies + before.copy_fail + 1);
	else
		assert_int_equal(k.copies, before.copies + 1);
	n = sink_reader_next(sink_fd_, got, sizeof(got), n_recs || gso ? 100 : 1000);
	if (n_recs) {
		assert_int_equal(n_recs, 1);
		assert_true(n < 0);
		assert_int_equal(recs[0].rec.sink_kind, VTAP_SINK_VLAN);
		assert_int_equal(recs[0].rec.gso_size, gso);
		assert_int_equal(recs[0].rec.cap_len, len);
		assert_memory_equal(recs[0].data, frame, len);
		return true;
	}
	if (gso)
		return false;
	assert_int_equal(n, (int)len + 4);
	assert_memory_equal(got, frame, 12);
	assert_int_equal(got[12] << 8 | got[13], 0x8100);
	assert_int_equal(got[14] << 8 | got[15], 1); /* VID = policy id + 1 */
	assert_memory_equal(got + 16, frame + 12, len - 12);
	return false;
}

static __u32 ovs_path(__u32 sink)
{
	__u32 v = 0;

	if (bpf_map_lookup_elem(vtap_loader_map_fd(&ld, VTAP_MAP_CAP_VETH), &sink, &v))
		return 0;
	return v;
}

/* An ovs monitor's copies through the TC tap: the sink veth, until vtapd
 * says it can send records (VTAP_OVS_RING_READY) and a TCP GSO super-frame
 * comes; then the ring for every copy (a GSO one with its segment size,
 * which vtapd cuts by: tests/unit/test_segment.c), until one the ring
 * cannot carry for it (a GSO frame not TCP): the sink veth for good. */
static void test_ovs_ring_path(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	struct fixture t = { .pkt = { .l3 = FX_IP4, .proto = 6, .sport = 1, .dport = 80 } };
	struct fixture u = { .pkt = { .l3 = FX_IP6, .proto = 17, .sport = 1, .dport = 53 } };
	uint8_t tcp[FX_FRAME_MAX], udp[FX_FRAME_MAX];
	size_t tlen = fx_build(&t, tcp, sizeof(tcp)), ulen = fx_build(&u, udp, sizeof(udp));
	__u32 sink = fx_env_ifindex(&env, "sink0");

	(void)state;
	assert_non_null(c);
	compile_or_fail("monitors: [{name: o, type: ovs, port: sink0, bridge: br-x, ovs_port: mon}]\n"
			"policies:\n  - {name: all, source: {ports: [vm1]}, monitor: o}\n",
			c);
	apply(c);
	sink_reader_drain(sink_fd);
	assert_int_equal(vtap_loader_ovs_ring(&ld, sink, false), 0);
	/* no word from vtapd: the sink veth, GSO or not */
	assert_false(ovs_copy_by_ring(tcp, tlen, 1000, sink_fd));
	assert_false(ovs_copy_by_ring(tcp, tlen, 0, sink_fd));
	assert_int_equal(ovs_path(sink), 0);
	/* ready: still the sink veth until a TCP super-frame */
	assert_int_equal(vtap_loader_ovs_ring(&ld, sink, true), 0);
	assert_int_equal(ovs_path(sink), VTAP_OVS_RING_READY);
	assert_false(ovs_copy_by_ring(tcp, tlen, 0, sink_fd));
	assert_false(ovs_copy_by_ring(udp, ulen, 0, sink_fd));
	assert_int_equal(ovs_path(sink), VTAP_OVS_RING_READY);
	assert_true(ovs_copy_by_ring(tcp, tlen, 1000, sink_fd));
	assert_int_equal(ovs_path(sink), VTAP_OVS_RING);
	/* from then on every copy: one flow's copies keep their order */
	assert_true(ovs_copy_by_ring(tcp, tlen, 0, sink_fd));
	assert_true(ovs_copy_by_ring(udp, ulen, 0, sink_fd));
	assert_true(ovs_copy_by_ring(tcp, tlen, 1448, sink_fd));
	/* vtapd's word again changes nothing the tap has chosen */
	assert_int_equal(vtap_loader_ovs_ring(&ld, sink, true), 0);
	assert_int_equal(ovs_path(sink), VTAP_OVS_RING);
	/* a UDP super-frame, which vtapd does not cut: the sink veth, for good */
	assert_false(ovs_copy_by_ring(udp, ulen, 1000, sink_fd));
	assert_int_equal(ovs_path(sink), VTAP_CAP_VETH_MOVED);
	assert_false(ovs_copy_by_ring(tcp, tlen, 1000, sink_fd));
	assert_int_equal(vtap_loader_ovs_ring(&ld, sink, true), 0);
	assert_false(ovs_copy_by_ring(tcp, tlen, 1000, sink_fd));
	/* not ready (vtapd's TX gone): the entry goes, the sink veth */
	assert_int_equal(vtap_loader_ovs_ring(&ld, sink, false), 0);
	assert_int_equal(ovs_path(sink), 0);
	assert_false(ovs_copy_by_ring(tcp, tlen, 1000, sink_fd));
	fx_compiled_free(c);
	free(c);
}

/* Which policy id a frame hits under the active generation (-1: none). */
static int hit(uint8_t dir, const char *port, const struct fx_pkt *p, size_t n_ids)
{
	struct fixture f = { .pkt = *p };
	uint8_t frame[FX_FRAME_MAX];
	size_t len = fx_build(&f, frame, sizeof(frame));
	int who = -1;

	for (size_t i = 0; i < n_ids; i++)
		assert_int_equal(vtap_loader_zero_stats(&ld, (__u32)i), 0);
	assert_int_equal(run_frame(dir, fx_env_ifindex(&env, port), frame, len, 0), 0);
	for (size_t i = 0; i < n_ids; i++) {
		struct vtap_counters k;

		assert_int_equal(vtap_loader_read_stats(&ld, (__u32)i, &k), 0);
		if (k.matched_pkts) {
			assert_int_equal(who, -1);
			who = (int)i;
		}
	}
	return who;
}

static void test_generations(void **state)
{
	struct fx_compiled *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct fx_compiled *e = calloc(1, sizeof(*e));
	const struct fx_pkt tcp = { .l3 = FX_IP4, .proto = 6, .sport = 1, .dport = 80 };
	const struct fx_pkt udp = { .l3 = FX_IP4, .proto = 17, .sport = 1, .dport = 53 };
	int g;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(e);
	/* A: id 0 = tcp on vm1 and vm2, id 1 = udp on vm1 */
	compile_or_fail(MONS "  - {name: a-tcp, priority: 1, source: {ports: [vm1, vm2]}, "
			     "match: {protocol: tcp}, monitor: mon}\n"
			     "  - {name: a-udp, priority: 2, source: {ports: [vm1]}, "
			     "match: {protocol: udp}, action: skip}\n",
			a);
	/* B: id 0 = udp on vm1, id 1 = anything on vm1; vm2 not tapped */
	compile_or_fail(MONS "  - {name: b-udp, priority: 1, source: {ports: [vm1]}, "
			     "match: {protocol: udp}, monitor: mon}\n"
			     "  - {name: b-any, priority: 2, source: {ports: [vm1]}, action: skip}\n",
			b);
	compile_or_fail(MONS, e);

	g = vtap_loader_active_gen(&ld);
	apply(a);
	assert_int_equal(vtap_loader_active_gen(&ld), !g);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 2), 0);
	assert_int_equal(hit(VTAP_DIR_IN, "vm2", &tcp, 2), 0);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &udp, 2), 1);

	apply(b);
	assert_int_equal(vtap_loader_active_gen(&ld), g);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 2), 1);
	assert_int_equal(hit(VTAP_DIR_IN, "vm2", &tcp, 2), -1);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &udp, 2), 0);

	/* B again: written over A's generation, none of A's entries remain */
	apply(b);
	assert_int_equal(vtap_loader_active_gen(&ld), !g);
	assert_int_equal(hit(VTAP_DIR_IN, "vm2", &tcp, 2), -1);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 2), 1);

	apply(a);
	assert_int_equal(vtap_loader_active_gen(&ld), g);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 2), 0);
	assert_int_equal(hit(VTAP_DIR_IN, "vm2", &tcp, 2), 0);

	/* an empty set: nothing matches */
	apply(e);
	assert_int_equal(vtap_loader_active_gen(&ld), !g);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 2), -1);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &udp, 2), -1);

	fx_compiled_free(a);
	fx_compiled_free(b);
	fx_compiled_free(e);
	free(a);
	free(b);
	free(e);
}

/* This CPU's (CPU 0's) slot for a frame to vm1 port sport -> dport under
 * the current epoch: its index, or -1. */
static int find_slot(int fd, __u32 epoch, __u16 sport, __u16 dport, struct vtap_flow_slot *v)
{
	for (__u32 i = 0; i < VTAP_FLOW_CACHE_SLOTS; i++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &i, v), 0);
		if (v[0].key.valid && v[0].key.epoch == epoch &&
		    v[0].key.ifindex == fx_env_ifindex(&env, "vm1") && v[0].key.sport == sport &&
		    v[0].key.dport == dport)
			return (int)i;
	}
	return -1;
}

/* A cache slot whose rank no longer fits its check word (what two writers
 * interleaving on one slot would leave) is a miss, never a verdict: the
 * frame is classified again and the slot rewritten. Both ways: the rank
 * changed under the key, and another key's rank and check under this key. */
static void test_flow_cache_torn_slot(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	const struct fx_pkt tcp = { .l3 = FX_IP4, .proto = 6, .sport = 7, .dport = 80 };
	const struct fx_pkt other = { .l3 = FX_IP4, .proto = 6, .sport = 7, .dport = 81 };
	int ncpu = libbpf_num_possible_cpus(), fd, i, j;
	__s32 rank;
	__u32 check;
	struct vtap_global_counters g0, g1;
	struct vtap_flow_slot *v;
	struct vtap_cfg cfg;
	__u32 zero = 0;
	char path[96];

	(void)state;
	assert_non_null(c);
	assert_true(ncpu > 0);
	v = calloc((size_t)ncpu, sizeof(*v));
	assert_non_null(v);
	compile_or_fail(MONS "  - {name: t-tcp, priority: 1, source: {ports: [vm1]}, "
			     "match: {protocol: tcp, dst_ports: [80]}, action: skip}\n",
			c);
	apply(c);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 1), 0); /* classified, cached */
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 1), 0); /* from the cache */

	snprintf(path, sizeof(path), "/sys/fs/bpf/vtap-test-%d/%s", (int)getpid(),
		 VTAP_STR(VTAP_MAP_CFG));
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &zero, &cfg), 0);
	close(fd);
	snprintf(path, sizeof(path), "/sys/fs/bpf/vtap-test-%d/%s", (int)getpid(),
		 VTAP_STR(VTAP_MAP_FCACHE));
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	/* the runs are pinned to CPU 0 */
	i = find_slot(fd, cfg.active_gen, 7, 80, v);
	assert_true(i >= 0);
	assert_int_equal(v[0].rank, 0);
	v[0].rank = VTAP_NO_MATCH; /* check word left as it was */
	assert_int_equal(bpf_map_update_elem(fd, &i, v, BPF_EXIST), 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 1), 0); /* the rule, not "no match" */
	assert_int_equal(vtap_loader_read_global(&ld, &g1), 0);
	assert_int_equal(g1.cache_misses - g0.cache_misses, 1);
	assert_int_equal(g1.cache_hits - g0.cache_hits, 0);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &tcp, 1), 0); /* rewritten: a hit again */
	assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
	assert_int_equal(g0.cache_hits - g1.cache_hits, 1);

	/* port 81 matches nothing; its slot gets port 80's rank and check */
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &other, 1), -1);
	i = find_slot(fd, cfg.active_gen, 7, 80, v);
	assert_true(i >= 0);
	rank = v[0].rank;
	check = v[0].check;
	j = find_slot(fd, cfg.active_gen, 7, 81, v);
	assert_true(j >= 0 && j != i);
	assert_int_equal(v[0].rank, VTAP_NO_MATCH);
	v[0].rank = rank;
	v[0].check = check;
	assert_int_equal(bpf_map_update_elem(fd, &j, v, BPF_EXIST), 0);
	assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
	assert_int_equal(hit(VTAP_DIR_OUT, "vm1", &other, 1), -1); /* still no match */
	assert_int_equal(vtap_loader_read_global(&ld, &g1), 0);
	assert_int_equal(g1.cache_misses - g0.cache_misses, 1);
	close(fd);
	free(v);
	fx_compiled_free(c);
	free(c);
}

/* ---- the index arrays in the kernel ---- */

/* The index arrays (protocol, L4 ports, VLAN) hold four 16-bit pool
 * indices per map value (include/vtap/map_types.h): every key must find
 * its own index, not a neighbour's in the same value. Rules on eight
 * adjacent values of each field (two whole values), frames on every value
 * from two below to two above, in both generations: each verdict must be
 * the value's rule, and the native classifier's. */
#define IX_RUN 8
static const struct {
	const char *match; /* the rules' match, %d = the value */
	int first;	   /* the rules' first value */
} ix_field[] = {
    {"protocol: tcp, dst_ports: [%d]", 1000},
    {"protocol: tcp, src_ports: [%d]", 3001},
    {"vlan: %d", 102},
    {"protocol: %d", 140},
};
#define IX_FIELDS (sizeof(ix_field) / sizeof(ix_field[0]))

static void ix_frame(size_t field, int v, struct fx_pkt *p)
{
	*p = (struct fx_pkt){.l3 = FX_IP4, .proto = 6, .sport = 9, .dport = 9};
	if (field == 0)
		p->dport = (uint16_t)v;
	else if (field == 1)
		p->sport = (uint16_t)v;
	else if (field == 2) {
		p->tpid[0] = 0x8100;
		p->tci[0] = (uint16_t)v;
	} else
		p->proto = (uint8_t)v;
}

static void test_index_arrays(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = malloc(16384), *at;
	uint32_t vm1 = fx_env_ifindex(&env, "vm1");
	int n_rules = (int)(IX_FIELDS * IX_RUN), checked = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(y);
	at = y + sprintf(y, MONS);
	for (size_t f = 0; f < IX_FIELDS; f++)
		for (int i = 0; i < IX_RUN; i++) {
			at += sprintf(at,
				      "  - {name: ix%zu-%d, priority: %d, source: {ports: [vm1]}, "
				      "match: {",
				      f, i, (int)(f * IX_RUN) + i + 1);
			at += sprintf(at, ix_field[f].match, ix_field[f].first + i);
			at += sprintf(at, "}, action: skip}\n");
		}
	compile_or_fail(y, c);
	free(y);
	for (int round = 0; round < 2; round++) { /* one generation, then the other */
		apply(c);
		for (size_t f = 0; f < IX_FIELDS; f++)
			for (int v = ix_field[f].first - 2; v < ix_field[f].first + IX_RUN + 2;
			     v++) {
				struct fixture fx = {.port = "vm1", .dir = VTAP_DIR_OUT};
				uint8_t frame[FX_FRAME_MAX];
				struct vtap_pkt pkt;
				int want = -1, rank, got;
				size_t len;

				ix_frame(f, v, &fx.pkt);
				if (v >= ix_field[f].first && v < ix_field[f].first + IX_RUN)
					want = (int)(f * IX_RUN) + v - ix_field[f].first;
				len = fx_build(&fx, frame, sizeof(frame));
				vtap_parse(frame, frame + len, &pkt);
				rank = vtap_image_classify(&c->img, &pkt, vm1, VTAP_DIR_OUT);
				assert_int_equal(rank >= 0 ? (int)c->img.rules[rank].policy_id : -1,
						 want);
				got = hit(VTAP_DIR_OUT, "vm1", &fx.pkt, (size_t)n_rules);
				if (got != want)
					fail_msg(
					    "generation %d, %s value %d: the BPF tap says %d, the "
					    "value's rule is %d",
					    vtap_loader_active_gen(&ld), ix_field[f].match, v, got,
					    want);
				checked++;
			}
	}
	print_message("# index arrays: %d frames, both generations, every verdict the "
		      "value's own rule\n",
		      checked);
	fx_compiled_free(c);
	free(c);
}

/* ---- the address tables in the kernel ---- */

/* Prefixes of every length of both families, nested (prefix_gen.h), and
 * frames near them through the TC tap: each verdict must be the native
 * classifier's over the same image (which test_classify checks against the
 * reference matcher), so the BPF build of the search (its masks, shifts
 * and bounds) answers as the native one does. Every frame is a flow's
 * first (its source port is new), so the classifier runs. */
#define PG_RULES  900
#define PG_FRAMES 3000

static void test_prefixes(void **state)
{
	struct fx_compiled *c = calloc(1, sizeof(*c));
	char *y = pg_yaml(PG_RULES, "action: skip");
	uint32_t vm1 = fx_env_ifindex(&env, "vm1");
	bool won[PG_RULES] = {false};
	size_t winners = 0;

	(void)state;
	assert_non_null(c);
	compile_or_fail(y, c);
	free(y);
	apply(c);
	for (int i = 0; i < PG_FRAMES; i++) {
		struct fixture f = {.desc = "prefixes", .port = "vm1", .dir = VTAP_DIR_OUT};
		char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
		struct vtap_global_counters g0, g1;
		struct vtap_counters k0 = {0}, k1 = {0};
		uint8_t a[16], b[16], frame[FX_FRAME_MAX];
		int v6 = (int)pg_rand(2), rank, want;
		struct vtap_pkt pkt;
		size_t len;

		pg_addr(v6, a);
		pg_addr(v6, b);
		inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? a : a + 12, src, sizeof(src));
		inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? b : b + 12, dst, sizeof(dst));
		f.pkt.l3 = v6 ? FX_IP6 : FX_IP4;
		f.pkt.src = src;
		f.pkt.dst = dst;
		f.pkt.proto = 6;
		f.pkt.sport = (uint16_t)(1024 + i);
		f.pkt.dport = 80;
		len = fx_build(&f, frame, sizeof(frame));
		vtap_parse(frame, frame + len, &pkt);
		rank = vtap_image_classify(&c->img, &pkt, vm1, VTAP_DIR_OUT);
		want = rank >= 0 ? (int)c->img.rules[rank].policy_id : -1;
		assert_int_equal(vtap_loader_read_global(&ld, &g0), 0);
		if (want >= 0)
			assert_int_equal(vtap_loader_read_stats(&ld, (__u32)want, &k0), 0);
		assert_int_equal(run_frame(VTAP_DIR_OUT, vm1, frame, len, 0), 0);
		assert_int_equal(vtap_loader_read_global(&ld, &g1), 0);
		if (want >= 0)
			assert_int_equal(vtap_loader_read_stats(&ld, (__u32)want, &k1), 0);
		if (want < 0 ? g1.no_match != g0.no_match + 1
			     : k1.matched_pkts != k0.matched_pkts + 1)
			fail_msg("frame %d (%s -> %s): the BPF tap disagrees with the native "
				 "classifier, which says %s",
				 i, src, dst, want < 0 ? "no match" : c->set.policies[want].name);
		if (want >= 0 && !won[want]) {
			won[want] = true;
			winners++;
		}
	}
	/* the frames reach deep into the nests: many rules win */
	print_message("# prefixes: %d frames, %zu of %d rules won one, every verdict the "
		      "native one\n",
		      PG_FRAMES, winners, PG_RULES);
	assert_true(winners > PG_RULES / 10);
	fx_compiled_free(c);
	free(c);
}

int main(void)
{
	static const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_copy_never_copied), cmocka_unit_test(test_sample),
		cmocka_unit_test(test_rate_cap), cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_generations), cmocka_unit_test(test_flow_cache_torn_slot),
		cmocka_unit_test(test_ring_overflow), cmocka_unit_test(test_ring_long_copy),
		cmocka_unit_test(test_capture_path),
		cmocka_unit_test(test_ovs_ring_path),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_index_arrays),
	};
	const size_t n_extra = sizeof(extra) / sizeof(extra[0]);
	struct CMUnitTest *tests = calloc(2 * fx_count + n_extra, sizeof(*tests));
	struct fx_run *runs = calloc(2 * fx_count, sizeof(*runs));
	size_t n = 0, r = 0;

	if (!tests || !runs)
		return 1;
	/* output piped into a reader that goes away (| head) must not kill us
	 * before the teardown removes the pins */
	signal(SIGPIPE, SIG_IGN);
	for (int xdp = 0; xdp < 2; xdp++) {
		for (size_t i = 0; i < fx_count; i++) {
			/* XDP sees the frames a VM sends only */
			if (xdp && fx_table[i].dir != VTAP_DIR_OUT)
				continue;
			runs[r].f = &fx_table[i];
			runs[r].xdp = xdp;
			snprintf(runs[r].name, sizeof(runs[r].name), "%s%s", xdp ? "xdp: " : "",
				 fx_table[i].desc);
			tests[n].name = runs[r].name;
			tests[n].test_func = test_fixture;
			tests[n].initial_state = &runs[r];
			n++;
			r++;
		}
	}
	for (size_t i = 0; i < n_extra; i++)
		tests[n++] = extra[i];
	return _cmocka_run_group_tests("bpf", tests, n, group_setup, group_teardown);
}
