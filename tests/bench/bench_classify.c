// SPDX-License-Identifier: GPL-2.0
/* bench_classify: what the TC tap costs per frame, measured in the kernel
 * with BPF_PROG_TEST_RUN (bpf_prog_test_run_opts, `repeat` runs of one frame,
 * the kernel's average duration per run).
 *
 * 1. The classifier, on frames it does not copy (design §4: a copy costs
 *    thirty times a lookup and would hide it): rule sets of 1 to 4096 rules
 *    (--sizes; default 1, 64, 1024, 4096) made by `bench_swap --emit` (see
 *    its header comment: every 64-rule word holds candidates for every
 *    field), IPv4 and IPv6 TCP frames that match nothing, whose winner is
 *    the last rule (a skip), or decoys (see F_V4_DECOY: the frames that make
 *    the search visit every word), program vtap_tc_out on a real veth;
 *    each with the flow cache hit (every frame
 *    but a flow's first), forced to miss (a flow's first frame) and off.
 *    Baselines: an empty TC program (r0 = -1; exit, loaded here from two raw
 *    instructions), the tap with no rules (returns before the port lookup)
 *    and the tap with 4096 rules on a port no rule taps (cached verdict).
 * 2. The copy: the tap with one mirror rule matching the frame, copying to a
 *    veth whose peer is up, against a program that only calls
 *    bpf_clone_redirect to the same veth (five raw instructions).
 *
 * Every variant runs once per round, rounds interleave the variants, the
 * table gives the median over rounds. Each verdict is checked once on the
 * counters (no match / skip matched / copied) before it is timed.
 *
 * Usage: bench_classify --rules DIR [--rounds R] [--repeat N] [--sizes LIST]
 *                       [--csv FILE]
 * DIR holds n<N>/ and c<N>/ for each N of --sizes (bench_swap --emit DIR).
 * Ends with `make bench-classify`'s tables (rules ns_per_pkt ratio_to_1rule).
 * Needs root:
 * runs in a private network namespace (unshare), pins its maps under
 * /sys/fs/bpf/vtap-bench-<pid> (removed at the end). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "kernel/loader.h"
#include "core/log.h"
#include "kernel/bpf_log.h"
#include "bench_util.h"

#define N_HOST_PORTS 16
#define MAX_ROUNDS 31
#define RATIO_TARGET 1.5
#define ABOVE_TARGET_NS 30.0

/* rule counts, --sizes; the first must be 1 (the ratios' base) */
#define MAX_SIZES 8
static int sizes[MAX_SIZES] = { 1, 64, 1024, 4096 };
static int n_sizes = 4;

static FILE *csv;
static struct vtap_loader ld;
static int fd_tap = -1, fd_empty = -1, fd_clone = -1;
static __u32 port_ifindex, other_ifindex, sink_ifindex;
static int repeat = 200000, copy_repeat = 50000;

/* ---- frames ---- */

/* decoy: no rule matches, but one rule of a shape matches the destination
 * and another rule of the same shape the port, so that shape survives the
 * classifier's shape filter and the search visits every word holding its
 * rules — the search's worst case (include/vtap/classify.h). */
enum {
	F_V4_NOMATCH,
	F_V4_SKIP,
	F_V6_NOMATCH,
	F_V6_SKIP,
	F_V4_DECOY,
	F_V6_DECOY,
	N_FRAMES
};
static const char *const frame_name[N_FRAMES] = { "v4-nomatch", "v4-skip", "v6-nomatch",
						  "v6-skip",    "v4-decoy", "v6-decoy" };
static const int frame_v6[N_FRAMES] = { 0, 0, 1, 1, 0, 1 };
static const char *const frame_want[N_FRAMES] = { "nomatch", "skip",    "nomatch",
						  "skip",    "nomatch", "nomatch" };
static __u8 frames[N_FRAMES][128];
static __u32 frame_len[N_FRAMES];

static __u16 csum16(const __u8 *p, size_t n)
{
	__u32 s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (__u32)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Ethernet + IPv4/IPv6 + a TCP ACK from port 40000 to dport; IPv4 frames
 * padded to 64 bytes. */
static __u32 build_tcp(__u8 *b, int v6, const char *src, const char *dst, __u16 dport)
{
	static const __u8 mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	__u8 *l3 = b + 14, *l4;
	__u32 len;

	memset(b, 0, 128);
	memcpy(b, mac, 12);
	b[12] = v6 ? 0x86 : 0x08;
	b[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		l3[0] = 0x60;
		l3[4] = 0;
		l3[5] = 20; /* payload length */
		l3[6] = 6;  /* TCP */
		l3[7] = 64;
		inet_pton(AF_INET6, src, l3 + 8);
		inet_pton(AF_INET6, dst, l3 + 24);
		l4 = l3 + 40;
	} else {
		l3[0] = 0x45;
		l3[3] = 40; /* total length */
		l3[8] = 64;
		l3[9] = 6;
		inet_pton(AF_INET, src, l3 + 12);
		inet_pton(AF_INET, dst, l3 + 16);
		__u16 c = csum16(l3, 20);
		l3[10] = (__u8)(c >> 8);
		l3[11] = (__u8)c;
		l4 = l3 + 20;
	}
	l4[0] = 40000 >> 8;
	l4[1] = 40000 & 0xff;
	l4[2] = (__u8)(dport >> 8);
	l4[3] = (__u8)dport;
	l4[12] = 5 << 4; /* data offset */
	l4[13] = 0x10;   /* ACK */
	l4[14] = 0xff;   /* window */
	len = (__u32)(l4 + 20 - b);
	return len < 64 ? 64 : len;
}

static void build_frames(void)
{
	frame_len[F_V4_NOMATCH] = build_tcp(frames[F_V4_NOMATCH], 0, "10.0.0.1", "192.0.2.1", 9999);
	frame_len[F_V4_SKIP] = build_tcp(frames[F_V4_SKIP], 0, "10.0.0.1", "198.18.0.1", 9999);
	frame_len[F_V6_NOMATCH] =
	    build_tcp(frames[F_V6_NOMATCH], 1, "fd00:1::1", "2001:db8::1", 9999);
	frame_len[F_V6_SKIP] =
	    build_tcp(frames[F_V6_SKIP], 1, "fd00:1::1", "2001:db8:ffff::1", 9999);
	/* rule 0's destination 10.0.0.1/32, rule 2's port 20002 (both shape
	 * destination + protocol + destination port; rule 2 is IPv6) */
	frame_len[F_V4_DECOY] = build_tcp(frames[F_V4_DECOY], 0, "10.0.0.1", "10.0.0.1", 20002);
	/* rule 2's destination fd00:3::/64, rule 0's port 80 (rule 0 is IPv4) */
	frame_len[F_V6_DECOY] = build_tcp(frames[F_V6_DECOY], 1, "fd00:1::1", "fd00:3::1", 80);
}

/* ---- programs ---- */

static int load_raw(const char *name, const struct bpf_insn *insns, size_t n)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, n, &o);

	if (fd < 0)
		fprintf(stderr, "bench_classify: cannot load %s: %s\n%s\n", name, strerror(errno),
			log);
	return fd;
}

static int load_baselines(void)
{
	/* r0 = -1 (TC_ACT_UNSPEC); exit */
	const struct bpf_insn empty[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	/* bpf_clone_redirect(ctx, sink, 0); r0 = -1; exit */
	const struct bpf_insn clone[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2,
		  .imm = (__s32)sink_ifindex },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_clone_redirect },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = -1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	fd_empty = load_raw("vtb_empty", empty, 2);
	fd_clone = load_raw("vtb_clone", clone, 5);
	return fd_empty < 0 || fd_clone < 0 ? -1 : 0;
}

/* One BPF_PROG_TEST_RUN; returns the kernel's ns per run, or -1. */
static double run(int fd, int f, __u32 ifindex, int rep, __u32 *retval)
{
	struct __sk_buff ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o);

	ctx.ifindex = ifindex;
	o.data_in = frames[f];
	o.data_size_in = frame_len[f];
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.repeat = rep;
	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench_classify: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	if (retval)
		*retval = o.retval;
	return (double)o.duration;
}

/* ---- setup ---- */

static int sh(const char *cmd)
{
	int r = system(cmd);

	if (r)
		fprintf(stderr, "bench_classify: '%s' failed (%d)\n", cmd, r);
	return r;
}

static int make_netns(void)
{
	if (bench_enter_netns("bench_classify") ||
	    sh("ip link add vtb-p0 type veth peer name vtb-q0") ||
	    sh("ip link set vtb-p0 up") || sh("ip link set vtb-q0 up") ||
	    sh("ip link add vtb-mon type veth peer name vtb-monp") ||
	    sh("ip link set vtb-mon up") || sh("ip link set vtb-monp up"))
		return -1;
	port_ifindex = if_nametoindex("vtb-p0");
	other_ifindex = if_nametoindex("vtb-q0");
	sink_ifindex = if_nametoindex("vtb-mon");
	return port_ifindex && other_ifindex && sink_ifindex ? 0 : -1;
}

struct ruleset {
	struct vtap_policy_set set;
	struct vtap_image img;
	int skip_id; /* policy id of zz-skip, -1 if none */
};

static struct vtap_host_port host_ports[N_HOST_PORTS];

static int compile_set(struct ruleset *rs)
{
	struct vtap_compile_env env = { .ports = host_ports, .n_ports = N_HOST_PORTS };
	struct vtap_errors errs = { 0 };
	__u32 sinks[8] = { 0 };
	int ret;

	for (size_t m = 0; m < rs->set.n_monitors && m < 8; m++)
		sinks[m] = if_nametoindex(rs->set.monitors[m].port);
	env.sink_ifindex = sinks;
	ret = vtap_compile(&rs->set, &env, &rs->img, &errs);
	for (size_t i = 0; i < errs.n && i < 5; i++)
		fprintf(stderr, "bench_classify: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	rs->skip_id = -1;
	for (size_t i = 0; i < rs->set.n_policies; i++)
		if (!strcmp(rs->set.policies[i].name, "zz-skip"))
			rs->skip_id = (int)i;
	return ret;
}

static int load_dir(const char *dir, struct ruleset *rs)
{
	struct vtap_errors errs = { 0 };
	int ret = vtap_policy_load_dir(dir, &rs->set, &errs);

	for (size_t i = 0; i < errs.n && i < 5; i++)
		fprintf(stderr, "bench_classify: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	if (ret)
		return -1;
	return compile_set(rs);
}

static int load_yaml(const char *text, struct ruleset *rs)
{
	char path[] = "/tmp/vtap-bench-XXXXXX.yaml";
	struct vtap_errors errs = { 0 };
	const char *paths[1] = { path };
	int fd = mkstemps(path, 5), ret;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("bench_classify: temporary policy");
		return -1;
	}
	close(fd);
	ret = vtap_policy_load_files(paths, 1, &rs->set, &errs);
	unlink(path);
	for (size_t i = 0; i < errs.n && i < 5; i++)
		fprintf(stderr, "bench_classify: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	if (ret)
		return -1;
	return compile_set(rs);
}

/* ---- verdict checks ---- */

static int check_verdict(const struct ruleset *rs, int f, __u32 ifindex, const char *want)
{
	struct vtap_global_counters g0, g1;
	struct vtap_counters c0 = { 0 }, c1 = { 0 };
	int pid = !strcmp(want, "copy") ? 0 : rs->skip_id;
	int ok;

	vtap_loader_read_global(&ld, &g0);
	if (pid >= 0)
		vtap_loader_read_stats(&ld, (__u32)pid, &c0);
	if (run(fd_tap, f, ifindex, 1, NULL) < 0)
		return -1;
	vtap_loader_read_global(&ld, &g1);
	if (pid >= 0)
		vtap_loader_read_stats(&ld, (__u32)pid, &c1);
	if (!strcmp(want, "nomatch"))
		ok = g1.no_match == g0.no_match + 1 && g1.seen == g0.seen + 1;
	else if (!strcmp(want, "skip"))
		ok = pid >= 0 && g1.no_match == g0.no_match &&
		     c1.matched_pkts == c0.matched_pkts + 1 && c1.copies == c0.copies;
	else
		ok = c1.copies == c0.copies + 1;
	if (!ok)
		fprintf(stderr, "bench_classify: %s frame on %u: expected %s, counters disagree\n",
			frame_name[f], ifindex, want);
	return ok ? 0 : -1;
}

/* ---- results ---- */

/* variants; [f] frame index where it applies */
enum {
	V_EMPTY,     /* [2]: v4, v6 */
	V_ZERO,      /* [2] */
	V_UNTAPPED,  /* [2] */
	V_CLONE,     /* [1] v4 */
	V_MIRROR,    /* [1] v4 */
	N_VARIANTS,
};
/* flow cache modes, in the order they are timed */
enum { M_HIT, M_MISS, M_OFF, N_MODES };
static const enum vtap_flow_cache_mode mode_value[N_MODES] = {
	VTAP_FLOW_CACHE_ON, VTAP_FLOW_CACHE_ALWAYS_MISS, VTAP_FLOW_CACHE_OFF
};
static const char *const mode_name[N_MODES] = { "cache-hit", "cache-miss", "no-cache" };
static const char *const mode_text[N_MODES] = {
	"flow cache hit: every frame after a flow's first (the steady state)",
	"flow cache miss: a flow's first frame (hash, compare, search, store)",
	"flow cache off (vtapd --no-flow-cache): the bit-vector search alone",
};
static double cls[N_MODES][2][MAX_SIZES][N_FRAMES][MAX_ROUNDS];
static const char *const layout_name[2] = { "interleaved", "clustered" };
static double base[N_VARIANTS][2][MAX_ROUNDS];

/* the median, leaving v in the order the rounds ran */
static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, (size_t)n * sizeof(*v));
	return bench_median(s, n);
}

static void csv_row(const char *variant, int n, int round, double ns)
{
	if (csv)
		fprintf(csv, "classify,%s,%d,%d,%.3f,ns\n", variant, n, round, ns);
}

static int apply(const struct ruleset *rs)
{
	int ret = vtap_loader_apply(&ld, &rs->img);

	for (size_t i = 0; !ret && i < rs->set.n_policies; i++)
		vtap_loader_zero_stats(&ld, (__u32)i);
	return ret;
}

/* One flow-cache mode: ns per frame per rule count, then 4096 / 1 rule and
 * 4096 rules - empty program per layout and frame, against the targets.
 * Returns the worst 4096 / 1 rule ratio over both layouts. */
static double report_mode(int mode, const double e[2], int rounds)
{
	double m[2][MAX_SIZES][N_FRAMES], worst_ratio[2] = { 0 }, worst_above[2] = { 0 };

	for (int l = 0; l < 2; l++)
		for (int s = 0; s < n_sizes; s++)
			for (int f = 0; f < N_FRAMES; f++)
				m[l][s][f] = median(cls[mode][l][s][f], rounds);
	printf("\n== classifier cost, %s\n"
	       "   BPF_PROG_TEST_RUN of %s, frames not copied; ns per frame, median of %d\n"
	       "   interleaved rounds of %d runs each. interleaved = rule kinds alternate inside\n"
	       "   every 64-rule word (with the decoy frames: the search's worst case); clustered =\n"
	       "   the same rules ranked\n"
	       "   by kind (see bench_swap.c)\n",
	       mode_text[mode], vtap_prog_name(VTAP_PROG_TC_OUT), rounds, repeat);
	printf("%7s", "rules");
	for (int l = 0; l < 2; l++)
		for (int f = 0; f < N_FRAMES; f++) {
			char h[16];

			snprintf(h, sizeof(h), "%c:%s", layout_name[l][0], frame_name[f]);
			printf(" %12s", h);
		}
	printf("\n");
	for (int s = 0; s < n_sizes; s++) {
		printf("%7d", sizes[s]);
		for (int l = 0; l < 2; l++)
			for (int f = 0; f < N_FRAMES; f++)
				printf(" %12.0f", m[l][s][f]);
		printf("\n");
	}
	printf("%12s %12s %14s %24s\n", "layout", "frame", "4096 / 1 rule",
	       "4096 rules - empty (ns)");
	for (int l = 0; l < 2; l++)
		for (int f = 0; f < N_FRAMES; f++) {
			double ratio = m[l][n_sizes - 1][f] / m[l][0][f];
			double above = m[l][n_sizes - 1][f] - e[frame_v6[f]];

			printf("%12s %12s %13.2fx %24.0f\n", layout_name[l], frame_name[f], ratio,
			       above);
			if (ratio > worst_ratio[l])
				worst_ratio[l] = ratio;
			if (above > worst_above[l])
				worst_above[l] = above;
			if (csv) {
				fprintf(csv, "classify,summary_ratio_4096_1_%s_%s_%s,4096,-1,%.4f,x\n",
					mode_name[mode], layout_name[l], frame_name[f], ratio);
				fprintf(csv,
					"classify,summary_above_empty_%s_%s_%s,4096,-1,%.1f,ns\n",
					mode_name[mode], layout_name[l], frame_name[f], above);
			}
		}
	for (int l = 0; l < 2; l++) {
		printf("target classifier 4096/1 <= %.1fx, %s, %s: worst %.2fx -> %s\n",
		       RATIO_TARGET, mode_name[mode], layout_name[l], worst_ratio[l],
		       worst_ratio[l] <= RATIO_TARGET ? "MET" : "NOT MET");
		printf("target classifier above empty <= %.0f ns (4096 rules), %s, %s: worst %.0f "
		       "ns -> %s\n",
		       ABOVE_TARGET_NS, mode_name[mode], layout_name[l], worst_above[l],
		       worst_above[l] <= ABOVE_TARGET_NS ? "MET" : "NOT MET");
	}
	return worst_ratio[0] > worst_ratio[1] ? worst_ratio[0] : worst_ratio[1];
}

/* --sizes 1,16,256,4096: ascending, from 1 to 4096 (the targets' end points) */
static int parse_sizes(const char *arg)
{
	char *end;
	int n = 0;

	for (const char *p = arg; *p; p = *end ? end + 1 : end) {
		long v = strtol(p, &end, 10);

		if (end == p || (*end && *end != ',') || n == MAX_SIZES || v < 1 ||
		    v > VTAP_MAX_RULES || (n && v <= sizes[n - 1]))
			return -1;
		sizes[n++] = (int)v;
	}
	if (n < 2 || sizes[0] != 1 || sizes[n - 1] != VTAP_MAX_RULES)
		return -1;
	n_sizes = n;
	return 0;
}

/* The table of `make bench-classify` (issue: header `rules ns_per_pkt
 * ratio_to_1rule`, one row per rule count, the empty program as the floor):
 * the IPv4 decoy frame, rules interleaved (the search's worst case: see
 * F_V4_DECOY), one table per flow-cache mode. */
static void report_simple(int mode, const double e[2], int rounds)
{
	double one = median(cls[mode][0][0][F_V4_DECOY], rounds);

	printf("\n# %s; IPv4 TCP 64 B decoy frame (no rule matches, one rule of a shape\n"
	       "# matches its destination, another its port), rules interleaved: the search's\n"
	       "# worst case\n",
	       mode_text[mode]);
	printf("rules ns_per_pkt ratio_to_1rule\n");
	printf("empty %.1f %.2f\n", e[0], e[0] / one);
	for (int s = 0; s < n_sizes; s++) {
		double ns = median(cls[mode][0][s][F_V4_DECOY], rounds);

		printf("%d %.1f %.2f\n", sizes[s], ns, ns / one);
	}
}

int main(int argc, char **argv)
{
	static struct ruleset rs[2][MAX_SIZES], zero, mirror;
	const char *rules = NULL;
	char pin[64], dir[4200];
	int rounds = 5, ret = 1;
	double t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc) {
			rules = argv[++i];
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			repeat = atoi(argv[++i]);
			copy_repeat = repeat / 4 > 0 ? repeat / 4 : 1;
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			if (parse_sizes(argv[++i])) {
				fprintf(stderr, "bench_classify: --sizes %s: want ascending rule counts "
						"from 1 to 4096, at most %d, e.g. 1,16,256,4096\n",
					argv[i], MAX_SIZES);
				return 2;
			}
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv = fopen(argv[++i], "a");
			if (!csv) {
				perror("bench_classify: --csv");
				return 1;
			}
		} else {
			rules = NULL;
			break;
		}
	}
	if (!rules) {
		fprintf(stderr,
			"usage: %s --rules DIR [--rounds R] [--repeat N] [--sizes LIST] [--csv FILE]\n"
			"  DIR from `bench_swap --emit DIR`\n",
			argv[0]);
		return 2;
	}
	if (rounds < 3)
		rounds = 3;
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	vtap_log_init("bench_classify", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();

	if (make_netns())
		return 1;
	build_frames();
	snprintf(host_ports[0].name, IF_NAMESIZE, "vtb-p0");
	host_ports[0].ifindex = port_ifindex;
	for (int i = 1; i < N_HOST_PORTS; i++) { /* not present: names for the globs */
		snprintf(host_ports[i].name, IF_NAMESIZE, "vtb-p%d", i);
		host_ports[i].ifindex = 1001 + (__u32)i;
	}
	for (int l = 0; l < 2; l++)
		for (int s = 0; s < n_sizes; s++) {
			snprintf(dir, sizeof(dir), "%s/%c%d", rules, l ? 'c' : 'n', sizes[s]);
			if (load_dir(dir, &rs[l][s]) || rs[l][s].skip_id < 0) {
				fprintf(stderr, "bench_classify: rule set %s unusable\n", dir);
				return 1;
			}
		}
	if (compile_set(&zero) ||
	    load_yaml("monitors:\n  - { name: mon, type: local, port: vtb-mon }\n"
		      "policies:\n  - name: copy-all-tcp\n    source: { ports: [vtb-p0] }\n"
		      "    direction: out\n    match: { protocol: tcp }\n    monitor: mon\n",
		      &mirror))
		return 1;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bench-%d", (int)getpid());
	if (vtap_loader_open(&ld, pin)) {
		fprintf(stderr, "bench_classify: cannot load the BPF object\n");
		return 1;
	}
	fd_tap = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
	if (fd_tap < 0 || load_baselines())
		goto out;

	/* verdicts, once */
	for (int l = 0; l < 2; l++)
		for (int s = 0; s < n_sizes; s++) {
			if (apply(&rs[l][s]))
				goto out;
			for (int f = 0; f < N_FRAMES; f++)
				if (check_verdict(&rs[l][s], f, port_ifindex,
						  frame_want[f]))
					goto out;
			if (s == n_sizes - 1 &&
			    check_verdict(&rs[l][s], F_V4_SKIP, other_ifindex, "nomatch"))
				goto out;
		}
	if (apply(&zero) || check_verdict(&zero, F_V4_NOMATCH, port_ifindex, "nomatch") ||
	    apply(&mirror) || check_verdict(&mirror, F_V4_NOMATCH, port_ifindex, "copy"))
		goto out;

	for (int r = 0; r < rounds; r++) {
		/* before each timed run an unrecorded tenth warms the caches */
		for (int l = 0; l < 2; l++) {
			for (int s = 0; s < n_sizes; s++) {
				char variant[48];

				if (apply(&rs[l][s]))
					goto out;
				for (int m = 0; m < N_MODES; m++) {
					if (vtap_loader_set_flow_cache(&ld, mode_value[m]))
						goto out;
					for (int f = 0; f < N_FRAMES; f++) {
						/* a round starts on an idle CPU: its first
						 * variant gets a whole unrecorded run */
						run(fd_tap, f, port_ifindex,
						    l + s + m + f ? repeat / 10 : repeat, NULL);
						t = run(fd_tap, f, port_ifindex, repeat, NULL);
						if (t < 0)
							goto out;
						cls[m][l][s][f][r] = t;
						snprintf(variant, sizeof(variant), "%s-%s-%s",
							 mode_name[m], layout_name[l], frame_name[f]);
						csv_row(variant, sizes[s], r, t);
					}
				}
				if (vtap_loader_set_flow_cache(&ld, VTAP_FLOW_CACHE_ON))
					goto out;
				if (l == 0 && s == n_sizes - 1) {
					for (int k = 0; k < 2; k++) {
						int f = k ? F_V6_SKIP : F_V4_SKIP;

						run(fd_tap, f, other_ifindex, repeat / 10, NULL);
						t = run(fd_tap, f, other_ifindex, repeat, NULL);
						base[V_UNTAPPED][k][r] = t;
						csv_row(k ? "untapped-v6" : "untapped-v4", sizes[s], r,
							t);
					}
				}
				/* the empty program, between the rule sets */
				if (l != 0 || s != 1)
					continue;
				for (int k = 0; k < 2; k++) {
					int f = k ? F_V6_NOMATCH : F_V4_NOMATCH;

					run(fd_empty, f, port_ifindex, repeat / 10, NULL);
					t = run(fd_empty, f, port_ifindex, repeat, NULL);
					base[V_EMPTY][k][r] = t;
					csv_row(k ? "empty-v6" : "empty-v4", 0, r, t);
				}
			}
		}
		if (apply(&zero))
			goto out;
		for (int k = 0; k < 2; k++) {
			int f = k ? F_V6_NOMATCH : F_V4_NOMATCH;

			run(fd_tap, f, port_ifindex, repeat / 10, NULL);
			t = run(fd_tap, f, port_ifindex, repeat, NULL);
			base[V_ZERO][k][r] = t;
			csv_row(k ? "zero-rules-v6" : "zero-rules-v4", 0, r, t);
		}
		/* copies: the bare helper, then the tap with one mirror rule */
		run(fd_clone, F_V4_NOMATCH, port_ifindex, copy_repeat / 10, NULL);
		t = run(fd_clone, F_V4_NOMATCH, port_ifindex, copy_repeat, NULL);
		base[V_CLONE][0][r] = t;
		csv_row("clone-only-v4", 0, r, t);
		if (apply(&mirror))
			goto out;
		run(fd_tap, F_V4_NOMATCH, port_ifindex, copy_repeat / 10, NULL);
		t = run(fd_tap, F_V4_NOMATCH, port_ifindex, copy_repeat, NULL);
		base[V_MIRROR][0][r] = t;
		csv_row("vtap-mirror-v4", 1, r, t);
		/* the copies are still being received by the sink veth's peer
		 * (softirq on this CPU): let that end before the next round's
		 * first timing */
		usleep(300000);
	}

	{
		double e[2];

		for (int k = 0; k < 2; k++)
			e[k] = median(base[V_EMPTY][k], rounds);
		for (int m = 0; m < N_MODES; m++) {
			double worst = report_mode(m, e, rounds);

			if (m == M_MISS) /* design §7, issue 18: the miss path's own target */
				printf("target a flow's first frame (cache miss) 4096/1 <= %.1fx, every "
				       "frame, both layouts: worst %.2fx -> %s\n",
				       RATIO_TARGET, worst, worst <= RATIO_TARGET ? "MET" : "NOT MET");
		}
		for (int m = 0; m < N_MODES; m++)
			report_simple(m, e, rounds);
		printf("\n%-36s v4 %4.0f   v6 %4.0f\n", "empty TC program (r0 = -1; exit)", e[0],
		       e[1]);
		printf("%-36s v4 %4.0f   v6 %4.0f\n", "vtap, no rules (before port lookup)",
		       median(base[V_ZERO][0], rounds), median(base[V_ZERO][1], rounds));
		printf("%-36s v4 %4.0f   v6 %4.0f\n", "vtap, 4096 rules, untapped port",
		       median(base[V_UNTAPPED][0], rounds), median(base[V_UNTAPPED][1], rounds));

		{
			double cl = median(base[V_CLONE][0], rounds);
			double mi = median(base[V_MIRROR][0], rounds);

			printf("\n== copy cost: BPF_PROG_TEST_RUN, IPv4 TCP 64 B to a veth, median of "
			       "%d rounds of %d runs\n",
			       rounds, copy_repeat);
			printf("%-44s %6.0f ns\n", "empty TC program", e[0]);
			printf("%-44s %6.0f ns  (copy %.0f ns above empty)\n",
			       "bpf_clone_redirect only (5 instructions)", cl, cl - e[0]);
			printf("%-44s %6.0f ns  (copy %.0f ns above empty)\n",
			       "vtap, 1 mirror rule (classify + copy)", mi, mi - e[0]);
			printf("vtap copy / bare helper copy (above empty): %.2fx\n",
			       (mi - e[0]) / (cl - e[0]));
			if (csv) {
				fprintf(csv, "classify,summary_clone_only_ns,0,-1,%.1f,ns\n", cl);
				fprintf(csv, "classify,summary_vtap_mirror_ns,1,-1,%.1f,ns\n", mi);
			}
		}
	}
	ret = 0;
out:
	vtap_loader_close(&ld, 1);
	if (fd_empty >= 0)
		close(fd_empty);
	if (fd_clone >= 0)
		close(fd_clone);
	if (csv)
		fclose(csv);
	return ret;
}
