// SPDX-License-Identifier: GPL-2.0
/* bench_classify_parts: the classifier's miss path taken apart, in the
 * kernel, with BPF_PROG_TEST_RUN (docs/architecture.md, "Where a flow's
 * first frame spends its time").
 *
 * Each part is a program that repeats one step of vtap_classify() over the
 * real, pinned maps holding a rule set of `bench_swap --emit` (both
 * generations hold it, as after two reloads):
 *   empty       r0 = -1; exit (raw instructions: the floor of every row)
 *   array       one index array lookup, K times (raw; inlined by the verifier)
 *   pool        one bitmap lookup and a load of one word, K times (raw)
 *   ports       the (port, direction) hash lookup (helper call), 8 times
 *               (bpf/vtap_bench_parts.bpf.c, like the rows below)
 *   src, dst    the address table search of bench_classify's frames, 8 times
 *   classify    the whole vtap_classify() once: lookups, summaries, words
 * The table gives ns per step, (run - empty) / steps, the median of
 * --rounds interleaved rounds, for 1 rule and 4096 rules (interleaved
 * layout) side by side.
 *
 * Usage: bench_classify_parts --rules DIR [--rounds R] [--repeat N]
 * DIR from `bench_swap --emit DIR`. Needs root: pins its maps under
 * /sys/fs/bpf/vtap-parts-<pid> (removed at the end). */
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
#include <bpf/libbpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "kernel/loader.h"
#include <vtap/map_names.h>
#include "vtap_tc.skel.h"
#include "vtap_bench_parts.skel.h"
#include "core/log.h"
#include "kernel/bpf_log.h"

#define K	   16 /* steps per program run */
#define MAX_INSNS  512
#define MAX_ROUNDS 31

static int repeat = 100000;

struct prog {
	struct bpf_insn in[MAX_INSNS];
	int n;
};

static void emit(struct prog *p, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	p->in[p->n++] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static void ld_map_fd(struct prog *p, __u8 reg, int fd)
{
	emit(p, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(p, 0, 0, 0, 0, 0);
}

/* key bytes at r10 - 32 (at most 32 bytes, a multiple of 4) */
static void store_key(struct prog *p, const void *key, size_t len)
{
	for (size_t i = 0; i < len; i += 4) {
		__s32 w;

		memcpy(&w, (const __u8 *)key + i, 4);
		emit(p, BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, (__s16)(-32 + (int)i), w);
	}
}

/* K times: r0 = lookup(map, key); with load 1 (2), r0 = *(u32 (u64) *)(r0 + off)
 * if found */
static void lookups(struct prog *p, int fd, const void *key, size_t len, int load, __s16 off)
{
	store_key(p, key, len);
	for (int i = 0; i < K; i++) {
		ld_map_fd(p, BPF_REG_1, fd);
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
		emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -32);
		emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		if (load) {
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0);
			emit(p, BPF_LDX | BPF_MEM | (load == 2 ? BPF_DW : BPF_W), BPF_REG_0,
			     BPF_REG_0, off, 0);
		}
	}
}

static void finish(struct prog *p)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int load(const struct prog *p, const char *name)
{
	static char log[1 << 16];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log));
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", p->in, (size_t)p->n, &o);

	if (fd < 0)
		fprintf(stderr, "bench_classify_parts: cannot load %s: %s\n%s\n", name,
			strerror(errno), log);
	return fd;
}

static double run(int fd)
{
	static __u8 frame[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = repeat);

	frame[12] = 0x08;
	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench_classify_parts: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return (double)o.duration;
}

static int load_set(const char *dir, struct vtap_image *img)
{
	static struct vtap_host_port hp[16];
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};
	struct vtap_compile_env env = {.ports = hp, .n_ports = 16};
	int ret;

	for (int i = 0; i < 16; i++) {
		snprintf(hp[i].name, sizeof(hp[i].name), "vtb-p%d", i);
		hp[i].ifindex = 1000 + (__u32)i;
	}
	ret = vtap_policy_load_dir(dir, &set, &errs) || vtap_compile(&set, &env, img, &errs);
	for (size_t i = 0; i < errs.n && i < 5; i++)
		fprintf(stderr, "bench_classify_parts: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	return ret ? -1 : 0;
}

#define PARTS_REPEAT 8 /* bpf/vtap_bench_parts.bpf.c */

/* bench_classify's frames, as the parser leaves them */
enum { F_V4_NOMATCH, F_V4_SKIP, F_V4_DECOY, F_V6_NOMATCH, F_V6_SKIP, F_V6_DECOY, N_FRAMES };
static const struct {
	const char *name, *src, *dst;
	__u16 dport;
} frame[N_FRAMES] = {
    {"v4-nomatch", "10.0.0.1", "192.0.2.1", 9999},
    {"v4-skip", "10.0.0.1", "198.18.0.1", 9999},
    {"v4-decoy", "10.0.0.1", "10.0.0.1", 20002},
    {"v6-nomatch", "fd00:1::1", "2001:db8::1", 9999},
    {"v6-skip", "fd00:1::1", "2001:db8:ffff::1", 9999},
    {"v6-decoy", "fd00:1::1", "fd00:3::1", 80},
};

static void make_pkt(struct vtap_pkt *p, int f)
{
	int v6 = f >= F_V6_NOMATCH;

	memset(p, 0, sizeof(*p));
	if (v6) {
		inet_pton(AF_INET6, frame[f].src, p->saddr);
		inet_pton(AF_INET6, frame[f].dst, p->daddr);
		p->flags = VTAP_PF_IPV6;
	} else {
		p->saddr[10] = p->saddr[11] = p->daddr[10] = p->daddr[11] = 0xff;
		inet_pton(AF_INET, frame[f].src, p->saddr + 12);
		inet_pton(AF_INET, frame[f].dst, p->daddr + 12);
	}
	p->level = VTAP_LEVEL_L4;
	p->proto = 6;
	p->sport = 40000;
	p->dport = frame[f].dport;
}

/* rows: the fixed ones, then src, dst, classify per frame */
enum { R_EMPTY, R_ARRAY, R_POOL, R_PORT, R_FRAMES };
#define N_ROWS (R_FRAMES + 3 * N_FRAMES)

static int raw_prog(struct vtap_loader *ld, int row, __u32 gen)
{
	static struct prog p;
	__u32 ak = gen * VTAP_PORT_SPACE + 9999, pool = gen * VTAP_POOL_PER_GEN + 1;

	p.n = 0;
	if (row == R_ARRAY)
		lookups(&p, vtap_loader_map_fd(ld, VTAP_MAP_DPORT), &ak, 4, 1, 0);
	else if (row == R_POOL)
		lookups(&p, vtap_loader_map_fd(ld, VTAP_MAP_POOL), &pool, 4, 2, 8);
	finish(&p);
	return load(&p, "vtb_part");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row_name(int row, char *out, size_t cap)
{
	static const char *const fixed[R_FRAMES] = {
	    "empty program (whole run)", "index array (dport), inlined",
	    "pool bitmap + one word, inlined", "ports: hash lookup (helper)"};
	static const char *const what[3] = {"src table", "dst table", "whole classifier"};

	if (row < R_FRAMES)
		snprintf(out, cap, "%s", fixed[row]);
	else
		snprintf(out, cap, "%s, %s", what[(row - R_FRAMES) % 3],
			 frame[(row - R_FRAMES) / 3].name);
}

int main(int argc, char **argv)
{
	static struct vtap_image img[2];
	static double t[2][N_ROWS][MAX_ROUNDS];
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct vtap_bench_parts *sk = NULL;
	struct vtap_loader ld;
	const char *rules = NULL;
	int rounds = 7, raw[R_PORT] = {-1, -1, -1}, ret = 1;
	char pin[64], dir[4200];
	cpu_set_t cpus;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc)
			rules = argv[++i];
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else
			rules = NULL;
	}
	if (!rules) {
		fprintf(stderr, "usage: %s --rules DIR [--rounds R] [--repeat N]\n", argv[0]);
		return 2;
	}
	rounds = rounds < 3 ? 3 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	vtap_log_init("bench_classify_parts", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	for (int s = 0; s < 2; s++) {
		snprintf(dir, sizeof(dir), "%s/n%d", rules, s ? 4096 : 1);
		if (load_set(dir, &img[s]))
			return 1;
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-parts-%d", (int)getpid());
	if (vtap_loader_open(&ld, pin))
		return 1;
	/* the parts' object on the same pinned maps */
	oo.pin_root_path = pin;
	sk = vtap_bench_parts__open_opts(&oo);
	if (!sk || vtap_bench_parts__load(sk)) {
		fprintf(stderr, "bench_classify_parts: cannot load the parts' programs\n");
		goto out;
	}
	sk->bss->parts_ifindex = 1000; /* vtb-p0 in load_set's ports */
	for (int r = 0; r < rounds; r++)
		for (int s = 0; s < 2; s++) {
			__u32 gen;

			/* both generations hold the set, as after two reloads */
			if (vtap_loader_apply(&ld, &img[s]) || vtap_loader_apply(&ld, &img[s]))
				goto out;
			gen = (__u32)vtap_loader_active_gen(&ld);
			sk->bss->parts_epoch = gen;
			for (int row = 0; row < R_PORT; row++) {
				if (raw[row] < 0 && (raw[row] = raw_prog(&ld, row, gen)) < 0)
					goto out;
				run(raw[row]);
				t[s][row][r] = run(raw[row]);
			}
			run(bpf_program__fd(sk->progs.parts_port));
			t[s][R_PORT][r] = run(bpf_program__fd(sk->progs.parts_port));
			for (int f = 0; f < N_FRAMES; f++) {
				int fd[3] = {bpf_program__fd(sk->progs.parts_src),
					     bpf_program__fd(sk->progs.parts_dst),
					     bpf_program__fd(sk->progs.parts_classify)};

				make_pkt(&sk->bss->parts_pkt, f);
				for (int k = 0; k < 3; k++) {
					run(fd[k]);
					t[s][R_FRAMES + 3 * f + k][r] = run(fd[k]);
				}
			}
		}
	printf("== the miss path's parts: BPF_PROG_TEST_RUN, median of %d rounds of %d runs\n",
	       rounds, repeat);
	printf("%-40s %12s %12s\n", "part (ns per step above empty)", "1 rule", "4096 rules");
	{
		double e[2] = {median(t[0][R_EMPTY], rounds), median(t[1][R_EMPTY], rounds)};

		printf("%-40s %12.1f %12.1f\n", "empty program (whole run)", e[0], e[1]);
		for (int row = 1; row < N_ROWS; row++) {
			int steps = row < R_PORT				   ? K
				    : (row - R_FRAMES) % 3 == 2 && row >= R_FRAMES ? 1
										   : PARTS_REPEAT;
			char name[64];

			row_name(row, name, sizeof(name));
			printf("%-40s %12.1f %12.1f\n", name,
			       (median(t[0][row], rounds) - e[0]) / steps,
			       (median(t[1][row], rounds) - e[1]) / steps);
		}
	}
	ret = 0;
out:
	for (int row = 0; row < R_PORT; row++)
		if (raw[row] >= 0)
			close(raw[row]);
	vtap_bench_parts__destroy(sk);
	vtap_loader_close(&ld, 1);
	return ret;
}
