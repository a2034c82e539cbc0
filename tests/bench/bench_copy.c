// SPDX-License-Identifier: GPL-2.0
/* bench_copy: where the time of one copy goes in the kernel, measured with
 * BPF_PROG_TEST_RUN (the kernel's mean ns per run of `repeat` runs of one
 * 64-byte IPv4 UDP frame), piece by piece:
 *
 *   empty          r0 = -1; exit (the test run's own floor)
 *   clone          bpf_clone_redirect to a veth with no program on its egress
 *                  (five raw instructions): the denominator of design §7's
 *                  "per copy in the kernel ÷ a bare bpf_clone_redirect"
 *   clone+ok       the same to a veth whose clsact egress runs a program that
 *                  only returns TC_ACT_OK: what any egress program costs a copy
 *   clone+sink     the same, the frame marked as vtap's copy, to a veth with
 *                  vtap_sink on its TCX egress (as vtapd attaches it to a
 *                  local monitor, with its counters): what vtap's sink costs
 *                  a copy; clone+clssink: the same on clsact egress (vtapd
 *                  --sink-hook clsact, kernels without TCX)
 *   sink alone     vtap_sink run by itself on a marked frame (no transmit)
 *   tap, skip      vtap_tc_out with one skip rule matching the frame: parse,
 *                  verdict (flow cache hit), counters, no copy
 *   tap, copy, no sink   vtap_tc_out copying to the veth without a program
 *                  (its rule taps one direction of one port: no one-copy
 *                  check, compile_dedup.c)
 *   tap, copy, dedup     the same with the one-copy check (dedup.h): its rule
 *                  taps both directions of its port
 *   tap, copy      vtap_tc_out copying to the monitor veth with vtap_sink on
 *                  TCX egress: a local monitor as vtapd sets it up (the
 *                  numerator); tap-copy-clsact: the sink on clsact instead
 *
 * Every variant runs once per round (a tenth of a run unrecorded first),
 * rounds interleave the variants, the table gives medians over rounds. Each
 * copy is checked once on the counters (copied, delivered by the sink, not
 * copied by the skip) before timing. Ends with the target line of design §7,
 * judged on the median of each round's own ratio.
 *
 * Usage: bench_copy [--rounds R] [--repeat N] [--csv FILE]
 * Needs root: runs in a private network namespace (unshare), pins its maps
 * under /sys/fs/bpf/vtap-bcopy-<pid> (removed at the end). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "core/log.h"
#include "kernel/attach.h"
#include "kernel/bpf_log.h"
#include "kernel/loader.h"
#include "kernel/tcx.h"
#include "bench_util.h"

#define MAX_ROUNDS  31
#define COPY_TARGET 1.05

/* the veths: taps' ports and the copies' destinations */
enum {
	P_TAP,	  /* vtb-p0: tapped, copied to vtb-mon */
	P_SKIP,	  /* vtb-p1: tapped, a skip rule */
	P_PLAIN,  /* vtb-p2: tapped, copied to vtb-c0 */
	P_CLS,	  /* vtb-p3: tapped, copied to vtb-t1 */
	P_DEDUP,  /* vtb-p4: tapped both ways, copied to vtb-c2 with the one-copy check */
	P_BARE,	  /* vtb-p5: tapped, copied to vtb-c3 as to a monitor without a sink program */
	D_PLAIN,  /* vtb-c0: no program */
	D_OK,	  /* vtb-c1: clsact egress, a program returning TC_ACT_OK */
	D_TCXOK,  /* vtb-t0: the same through TCX */
	D_MON,	  /* vtb-mon: vtap_sink on TCX egress (as vtapd attaches it) */
	D_CLSMON, /* vtb-t1: vtap_sink on clsact egress (--sink-hook clsact) */
	D_DEDUP,  /* vtb-c2: no program, P_DEDUP's monitor */
	/* vtb-c3: no program, P_BARE's monitor (vtapd --sink-hook nft). Its
	 * nft guard is left out: a copy made in tc skips netfilter's egress
	 * hook (skb->nf_skip_egress), one made by BPF_PROG_TEST_RUN would not */
	D_BARE,
	N_DEV
};
static const char *const dev_name[N_DEV] = {"vtb-p0", "vtb-p1", "vtb-p2", "vtb-p3", "vtb-p4",
					    "vtb-p5", "vtb-c0", "vtb-c1", "vtb-t0", "vtb-mon",
					    "vtb-t1", "vtb-c2", "vtb-c3"};
static __u32 ifx[N_DEV];
#define N_TAPPED (P_BARE + 1)

/* what runs (program, on which port's ifindex, marked as a copy or not) */
enum { R_EMPTY, R_CLONE, R_SINK, R_TAP };
static const struct variant {
	const char *name, *text;
	int run, port, dest, marked;
} variants[] = {
    {"empty", "empty TC program (r0 = -1; exit)", R_EMPTY, P_TAP, 0, 0},
    {"clone", "bpf_clone_redirect only, veth without egress program", R_CLONE, P_TAP, D_PLAIN, 0},
    {"clone+ok", "bpf_clone_redirect, clsact egress program returning OK", R_CLONE, P_TAP, D_OK, 0},
    {"clone+tcxok", "bpf_clone_redirect, TCX egress program returning OK", R_CLONE, P_TAP, D_TCXOK,
     0},
    {"clone+sink", "bpf_clone_redirect of a marked copy, vtap_sink (TCX)", R_CLONE, P_TAP, D_MON,
     1},
    {"clone+clssink", "bpf_clone_redirect of a marked copy, vtap_sink (clsact)", R_CLONE, P_TAP,
     D_CLSMON, 1},
    {"sink-alone", "vtap_sink alone on a marked copy (no transmit)", R_SINK, D_MON, 0, 1},
    {"tap-skip", "vtap tap, skip rule (parse, verdict, counters)", R_TAP, P_SKIP, 0, 0},
    {"tap-copy-nosink", "vtap tap + copy, sink veth without program", R_TAP, P_PLAIN, 0, 0},
    {"tap-copy-dedup", "the same with the one-copy check (dedup)", R_TAP, P_DEDUP, 0, 0},
    {"tap-copy-clsact", "vtap tap + copy, vtap_sink on clsact (--sink-hook clsact)", R_TAP, P_CLS,
     0, 0},
    {"tap-copy", "vtap tap + copy, local monitor as vtapd sets it up", R_TAP, P_TAP, 0, 0},
    {"tap-copy-bare", "vtap tap + copy, local monitor with --sink-hook nft", R_TAP, P_BARE, 0, 0},
};
#define N_V ((int)(sizeof(variants) / sizeof(variants[0])))
enum {
	V_EMPTY,
	V_CLONE,
	V_CLONE_OK,
	V_CLONE_TCXOK,
	V_CLONE_SINK,
	V_CLONE_CLSSINK,
	V_SINK_ALONE,
	V_TAP_SKIP,
	V_TAP_NOSINK,
	V_TAP_DEDUP,
	V_TAP_CLSACT,
	V_TAP_COPY,
	V_TAP_BARE
};

static struct vtap_loader ld;
static struct vtap_prog_att mon_sink; /* D_MON's, as vtapd holds it */
static int bare_slot;		      /* D_BARE's counters in vtap_bare */
static __u8 frame[64];

/* Ethernet + IPv4 + UDP 4000 -> 9, 64 bytes (trafgen's frame in bench.sh) */
static void build_frame(void)
{
	static const __u8 head[] = {
	    2,	  0,	0, 0,  0, 2,  2, 0, 0,	0,  0, 1, 0x08, 0x00,	    /* Ethernet */
	    0x45, 0,	0, 46, 0, 0,  0, 0, 64, 17, 0, 0, 10,	77,   0, 1, /* IPv4 ... */
	    10,	  77,	0, 99,						    /* ... to */
	    0x0f, 0xa0, 0, 9,  0, 26, 0, 0,				    /* UDP */
	};

	memcpy(frame, head, sizeof(head));
}

static int load_raw(const char *name, const struct bpf_insn *insns, size_t n)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, n, NULL);

	if (fd < 0)
		fprintf(stderr, "bench_copy: cannot load %s: %s\n", name, strerror(errno));
	return fd;
}

/* bpf_clone_redirect(ctx, ifindex, 0); r0 = -1; exit */
static int load_clone(__u32 ifindex)
{
	const struct bpf_insn clone[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = (__s32)ifindex},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 0},
	    {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_clone_redirect},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1},
	    {.code = BPF_JMP | BPF_EXIT},
	};

	return load_raw("vtb_clone", clone, 5);
}

/* One BPF_PROG_TEST_RUN: the kernel's mean ns per run, or -1. */
static double run(int fd, __u32 ifindex, __u32 mark, int rep)
{
	struct __sk_buff ctx = {.ifindex = ifindex, .mark = mark};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = rep);

	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench_copy: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return (double)o.duration;
}

/* every device of dev_name a veth whose peer is up, in a private namespace */
static int make_netns(void)
{
	char cmd[256];

	if (bench_enter_netns("bench_copy"))
		return -1;
	for (int i = 0; i < N_DEV; i++) {
		snprintf(cmd, sizeof(cmd),
			 "ip link add %s type veth peer name %sx && ip link set %s up && "
			 "ip link set %sx up",
			 dev_name[i], dev_name[i], dev_name[i], dev_name[i]);
		if (system(cmd) || !(ifx[i] = if_nametoindex(dev_name[i]))) {
			fprintf(stderr, "bench_copy: cannot make %s\n", dev_name[i]);
			return -1;
		}
	}
	return 0;
}

/* Policy ids are the policies' indexes: copy 0, skip 1, copy-plain 2,
 * copy-clsact 3, copy-dedup 4, copy-bare 5. */
static int apply_policies(void)
{
	static const char yaml[] =
	    "monitors:\n"
	    "  - { name: mon, type: local, port: vtb-mon }\n"
	    "  - { name: plain, type: local, port: vtb-c0 }\n"
	    "  - { name: clsact, type: local, port: vtb-t1 }\n"
	    "  - { name: dedup, type: local, port: vtb-c2 }\n"
	    "  - { name: bare, type: local, port: vtb-c3 }\n"
	    "policies:\n"
	    "  - { name: copy, source: { ports: [vtb-p0] }, direction: out, monitor: mon }\n"
	    "  - { name: skip, source: { ports: [vtb-p1] }, direction: out, action: skip }\n"
	    "  - { name: copy-plain, source: { ports: [vtb-p2] }, direction: out,"
	    " monitor: plain }\n"
	    "  - { name: copy-clsact, source: { ports: [vtb-p3] }, direction: out,"
	    " monitor: clsact }\n"
	    "  - { name: copy-dedup, source: { ports: [vtb-p4] }, direction: both,"
	    " monitor: dedup }\n"
	    "  - { name: copy-bare, source: { ports: [vtb-p5] }, direction: out,"
	    " monitor: bare }\n";
	char path[] = "/tmp/vtap-bcopy-XXXXXX.yaml";
	const char *paths[1] = {path};
	struct vtap_host_port hp[N_TAPPED];
	__u32 sinks[5] = {ifx[D_MON], ifx[D_PLAIN], ifx[D_CLSMON], ifx[D_DEDUP], ifx[D_BARE]};
	const int bare[5] = {-1, -1, -1, -1, bare_slot};
	struct vtap_compile_env env = {
	    .ports = hp, .n_ports = N_TAPPED, .sink_ifindex = sinks, .bare_slot = bare};
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	struct vtap_image img;
	int fd = mkstemps(path, 5), ret;

	for (int i = 0; i < N_TAPPED; i++) {
		snprintf(hp[i].name, sizeof(hp[i].name), "%s", dev_name[i]);
		hp[i].ifindex = ifx[i];
	}
	if (fd < 0 || write(fd, yaml, sizeof(yaml) - 1) != (ssize_t)sizeof(yaml) - 1) {
		perror("bench_copy: temporary policy");
		return -1;
	}
	close(fd);
	ret = vtap_policy_load_files(paths, 1, &set, &errs);
	unlink(path);
	if (!ret)
		ret = vtap_compile(&set, &env, &img, &errs);
	for (size_t i = 0; i < errs.n && i < 5; i++)
		fprintf(stderr, "bench_copy: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	vtap_policy_set_free(&set);
	if (ret)
		return -1;
	ret = vtap_loader_apply(&ld, &img);
	vtap_image_free(&img);
	return ret;
}

/* One frame through each tapped port: copied (and delivered by the sinks
 * that count), or matched by the skip rule and not copied. */
static int check_counts(int fd_tap)
{
	static const int port[N_TAPPED] = {P_TAP, P_SKIP, P_PLAIN, P_CLS, P_DEDUP, P_BARE};
	struct vtap_counters c0[N_TAPPED], c1[N_TAPPED];
	struct vtap_sink_counters m0, m1, t0, t1, b0, b1;
	int ok;

	for (int i = 0; i < N_TAPPED; i++)
		if (vtap_loader_read_stats(&ld, (__u32)i, &c0[i]))
			return -1;
	if (vtap_loader_read_sink(&ld, ifx[D_MON], &m0) ||
	    vtap_loader_read_sink(&ld, ifx[D_CLSMON], &t0) ||
	    vtap_loader_read_bare(&ld, (__u32)bare_slot, &b0))
		return -1;
	for (int i = 0; i < N_TAPPED; i++)
		if (run(fd_tap, ifx[port[i]], 0, 1) < 0 ||
		    vtap_loader_read_stats(&ld, (__u32)i, &c1[i]))
			return -1;
	if (vtap_loader_read_sink(&ld, ifx[D_MON], &m1) ||
	    vtap_loader_read_sink(&ld, ifx[D_CLSMON], &t1) ||
	    vtap_loader_read_bare(&ld, (__u32)bare_slot, &b1))
		return -1;
	ok = c1[0].copies == c0[0].copies + 1 && m1.delivered == m0.delivered + 1 &&
	     c1[1].matched_pkts == c0[1].matched_pkts + 1 && c1[1].copies == c0[1].copies &&
	     c1[2].copies == c0[2].copies + 1 && c1[3].copies == c0[3].copies + 1 &&
	     t1.delivered == t0.delivered + 1 && c1[4].copies == c0[4].copies + 1 &&
	     c1[5].copies == c0[5].copies + 1 && b1.delivered == b0.delivered + 1;
	if (!ok)
		fprintf(stderr,
			"bench_copy: the counters disagree with the variants (copied %llu, "
			"delivered %llu, skipped %llu, copied without sink %llu, by clsact %llu, "
			"counted by the tap for a bare monitor %llu)\n",
			(unsigned long long)(c1[0].copies - c0[0].copies),
			(unsigned long long)(m1.delivered - m0.delivered),
			(unsigned long long)(c1[1].matched_pkts - c0[1].matched_pkts),
			(unsigned long long)(c1[2].copies - c0[2].copies),
			(unsigned long long)(t1.delivered - t0.delivered),
			(unsigned long long)(b1.delivered - b0.delivered));
	return ok ? 0 : -1;
}

/* the programs of the variants, attached where they belong */
static int set_up(int *fd)
{
	const struct bpf_insn empty[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	const struct bpf_insn ok[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd_ok = load_raw("vtb_ok", ok, 2), fd_empty = load_raw("vtb_empty", empty, 2);
	int fd_sink = vtap_loader_prog(&ld, VTAP_PROG_SINK);
	int fd_tap = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
	bool created;

	if (fd_ok < 0 || fd_empty < 0 || fd_sink < 0 || fd_tap < 0)
		return -1;
	for (int v = 0; v < N_V; v++) {
		const struct variant *x = &variants[v];

		fd[v] = x->run == R_EMPTY  ? fd_empty
			: x->run == R_SINK ? fd_sink
			: x->run == R_TAP  ? fd_tap
					   : load_clone(ifx[x->dest]);
		if (fd[v] < 0)
			return -1;
	}
	/* the monitor's sink through vtapd's own call (kernel/attach.c) */
	if (vtap_hook_attach_tc((int)ifx[D_OK], VTAP_HOOK_EGRESS, fd_ok, &created) ||
	    vtap_hook_attach_tcx(&mon_sink, (int)ifx[D_MON], fd_sink) ||
	    vtap_hook_attach_tc((int)ifx[D_CLSMON], VTAP_HOOK_EGRESS, fd_sink, &created) ||
	    vtap_tcx_attach((int)ifx[D_TCXOK], fd_ok, -1) ||
	    vtap_loader_add_sink(&ld, ifx[D_MON]) || vtap_loader_add_sink(&ld, ifx[D_CLSMON]) ||
	    (bare_slot = vtap_loader_bare_take(&ld, ifx[D_BARE], 1500 + 18)) < 0 ||
	    apply_policies())
		return -1;
	return check_counts(fd_tap);
}

static double measure(int fd, int v, int rep)
{
	const struct variant *x = &variants[v];

	return run(fd, ifx[x->port], x->marked ? VTAP_COPY_MAGIC : 0, rep);
}

int main(int argc, char **argv)
{
	static double t[N_V][MAX_ROUNDS];
	int rounds = 21, repeat = 20000, fd[N_V], ret = 1;
	const char *only = NULL;
	double m[N_V], paired[4][MAX_ROUNDS], pm[4];
	FILE *csv = NULL;
	char pin[64];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "--csv") && !(csv = fopen(argv[i + 1], "a"))) {
			perror(argv[i + 1]);
			return 2;
		}
	}
	rounds = rounds < 3 ? 3 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	vtap_log_init("bench_copy", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();
	build_frame();
	if (make_netns())
		return 1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bcopy-%d", (int)getpid());
	if (vtap_loader_open(&ld, pin)) {
		fprintf(stderr, "bench_copy: cannot load the BPF object\n");
		return 1;
	}
	if (set_up(fd))
		goto out;
	/* --only VARIANT: that variant alone, --rounds times (for perf record) */
	for (int v = 0; only && v < N_V; v++) {
		if (strcmp(only, variants[v].name))
			continue;
		for (int r = 0; r < rounds; r++)
			printf("%s %.0f ns\n", variants[v].name, measure(fd[v], v, repeat));
		ret = 0;
		goto out;
	}
	printf("== copy cost in the kernel: BPF_PROG_TEST_RUN, IPv4 UDP 64 B, %d runs per "
	       "measurement,\n   median of %d interleaved rounds (ns per run; min: the least "
	       "disturbed round)\n",
	       repeat, rounds);
	for (int r = 0; r < rounds; r++) {
		for (int v = 0; v < N_V; v++) {
			measure(fd[v], v, repeat / 10);
			t[v][r] = measure(fd[v], v, repeat);
			if (t[v][r] < 0)
				goto out;
			if (csv)
				fprintf(csv, "copy,%s,1,%d,%.1f,ns\n", variants[v].name, r,
					t[v][r]);
		}
		/* the copies are still being received by the veths' peers
		 * (softirq on this CPU): let that end before the next round */
		usleep(200000);
	}
	/* each round's own ratios first (bench_median sorts t): the variants of
	 * one round ran within a few hundred ms of each other, under the same
	 * neighbours, so a ratio of one round's pair moves less than the
	 * ratio of two medians taken over different rounds */
	{
		static const int num[4] = {V_TAP_COPY, V_TAP_CLSACT, V_TAP_NOSINK, V_TAP_BARE};

		for (int k = 0; k < 4; k++) {
			for (int r = 0; r < rounds; r++)
				paired[k][r] = (t[num[k]][r] - t[V_EMPTY][r]) /
					       (t[V_CLONE][r] - t[V_EMPTY][r]);
			pm[k] = bench_median(paired[k], rounds);
		}
	}
	for (int v = 0; v < N_V; v++) {
		m[v] = bench_median(t[v], rounds);
		/* t[v] is sorted by bench_median() */
		printf("%-58s %6.0f  (%+5.0f above empty)  min %5.0f\n", variants[v].text, m[v],
		       m[v] - m[V_EMPTY], t[v][0]);
		if (csv)
			fprintf(csv, "copy,summary_%s,1,-1,%.1f,ns\n", variants[v].name, m[v]);
	}
	printf("pieces (differences of medians): egress program dispatch %.0f ns clsact, %.0f ns "
	       "TCX;\n  vtap_sink on a copy %.0f ns TCX, %.0f ns clsact (alone %.0f); the tap "
	       "without a copy %.0f ns;\n  the tap's copy beyond the bare helper %.0f ns; the "
	       "one-copy check %.0f ns\n",
	       m[V_CLONE_OK] - m[V_CLONE], m[V_CLONE_TCXOK] - m[V_CLONE],
	       m[V_CLONE_SINK] - m[V_CLONE], m[V_CLONE_CLSSINK] - m[V_CLONE],
	       m[V_SINK_ALONE] - m[V_EMPTY], m[V_TAP_SKIP] - m[V_EMPTY],
	       m[V_TAP_NOSINK] - m[V_CLONE], m[V_TAP_DEDUP] - m[V_TAP_NOSINK]);
	{
		double base = m[V_CLONE] - m[V_EMPTY];
		double ratio = (m[V_TAP_COPY] - m[V_EMPTY]) / base;

		printf(
		    "per copy / bare bpf_clone_redirect (above empty): local monitor as vtapd sets "
		    "it up (TCX) %.3fx, sink on clsact %.3fx, no sink program %.3fx,\n  "
		    "--sink-hook nft %.3fx\n",
		    ratio, (m[V_TAP_CLSACT] - m[V_EMPTY]) / base,
		    (m[V_TAP_NOSINK] - m[V_EMPTY]) / base, (m[V_TAP_BARE] - m[V_EMPTY]) / base);
		/* the least disturbed rounds: on a loaded host a round's noise
		 * only adds, so the minima agree better from run to run */
		printf("the same from each variant's least disturbed round: as set up %.3fx, "
		       "clsact %.3fx, no sink program %.3fx, nft %.3fx\n",
		       (t[V_TAP_COPY][0] - t[V_EMPTY][0]) / (t[V_CLONE][0] - t[V_EMPTY][0]),
		       (t[V_TAP_CLSACT][0] - t[V_EMPTY][0]) / (t[V_CLONE][0] - t[V_EMPTY][0]),
		       (t[V_TAP_NOSINK][0] - t[V_EMPTY][0]) / (t[V_CLONE][0] - t[V_EMPTY][0]),
		       (t[V_TAP_BARE][0] - t[V_EMPTY][0]) / (t[V_CLONE][0] - t[V_EMPTY][0]));
		printf("the same as the median of each round's own ratio: as set up %.3fx, clsact "
		       "%.3fx, no sink program %.3fx, --sink-hook nft %.3fx\n",
		       pm[0], pm[1], pm[2], pm[3]);
		/* the verdict on the rounds' own ratios: half the spread of the
		 * ratio of medians from run to run (docs/benchmarks.md) */
		printf("target per copy in the kernel / bare bpf_clone_redirect <= %.2fx "
		       "(above empty, median of the rounds' ratios): %.2fx -> %s\n",
		       COPY_TARGET, pm[0], pm[0] <= COPY_TARGET ? "MET" : "NOT MET");
		printf("the same with --sink-hook nft (not the default): %.2fx -> %s\n", pm[3],
		       pm[3] <= COPY_TARGET ? "MET" : "NOT MET");
		if (csv) {
			fprintf(csv, "copy,summary_ratio_tap_copy_clone,1,-1,%.4f,x\n", ratio);
			fprintf(csv, "copy,summary_paired_ratio_tap_copy_clone,1,-1,%.4f,x\n",
				pm[0]);
			fprintf(csv, "copy,summary_paired_ratio_tap_bare_clone,1,-1,%.4f,x\n",
				pm[3]);
		}
	}
	ret = 0;
out:
	vtap_loader_close(&ld, 1);
	if (csv)
		fclose(csv);
	return ret;
}
