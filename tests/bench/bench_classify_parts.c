// SPDX-License-Identifier: GPL-2.0
/* bench_classify_parts: the classifier's miss path taken apart, in the
 * kernel, with BPF_PROG_TEST_RUN (docs/architecture.md, "Where a flow's
 * first frame spends its time").
 *
 * Each part is a program of a few raw instructions that repeats one step of
 * vtap_classify() K times over the real, pinned maps holding a rule set of
 * `bench_swap --emit` (both generations hold it, as after two reloads):
 *   empty       r0 = -1; exit (the floor every other row is above)
 *   ports       the (port, direction) hash lookup (helper call)
 *   src/dst ... an LPM trie walk with the frame's address (helper call)
 *   array       one index array lookup (inlined by the verifier)
 *   pool        one bitmap lookup and a load of one word (inlined)
 * The table gives ns per step: (run - empty) / K, the median of --rounds
 * interleaved rounds, for 1 rule and 4096 rules (interleaved layout) side
 * by side.
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
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "kernel/loader.h"
#include <vtap/map_names.h>
#include "vtap_tc.skel.h"
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

enum {
	P_EMPTY,
	P_PORTS,
	P_SRC4,
	P_SRC6,
	P_DST4_NOMATCH,
	P_DST4_SKIP,
	P_DST4_DECOY,
	P_DST6_NOMATCH,
	P_DST6_SKIP,
	P_DST6_DECOY,
	P_ARRAY,
	P_POOL,
	N_PARTS
};
static const char *const part_name[N_PARTS] = {
    "empty program (whole run)", "ports: hash lookup",	    "src LPM, v4 10.0.0.1",
    "src LPM, v6 fd00:1::1",	 "dst LPM, v4 192.0.2.1",   "dst LPM, v4 198.18.0.1",
    "dst LPM, v4 10.0.0.1",	 "dst LPM, v6 2001:db8::1", "dst LPM, v6 2001:db8:ffff::1",
    "dst LPM, v6 fd00:3::1",	 "index array (dport)",	    "pool bitmap + one word",
};

static void lpm_key(struct vtap_lpm_key *k, __u32 gen, int v6, const char *a)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = VTAP_LPM_HDR_BITS + 128;
	k->gen = gen;
	k->family = v6 ? VTAP_FAMILY_V6 : VTAP_FAMILY_V4;
	if (v6) {
		inet_pton(AF_INET6, a, k->addr);
	} else {
		k->addr[10] = k->addr[11] = 0xff;
		inet_pton(AF_INET, a, k->addr + 12);
	}
}

static int build(struct vtap_loader *ld, __u32 gen, int fds[N_PARTS])
{
	static const char *const addr[N_PARTS] = {
	    [P_SRC4] = "10.0.0.1",
	    [P_SRC6] = "fd00:1::1",
	    [P_DST4_NOMATCH] = "192.0.2.1",
	    [P_DST4_SKIP] = "198.18.0.1",
	    [P_DST4_DECOY] = "10.0.0.1",
	    [P_DST6_NOMATCH] = "2001:db8::1",
	    [P_DST6_SKIP] = "2001:db8:ffff::1",
	    [P_DST6_DECOY] = "fd00:3::1",
	};
	for (int i = 0; i < N_PARTS; i++) {
		static struct prog p;
		struct vtap_port_key pk = {.ifindex = 1000, .dir = VTAP_DIR_OUT, .gen = (__u8)gen};
		struct vtap_lpm_key lk;
		__u32 ak = gen * VTAP_PORT_SPACE + 9999, pool = gen * VTAP_POOL_PER_GEN + 1;
		__u8 kb[32] = {0};

		p.n = 0;
		switch (i) {
		case P_EMPTY:
			break;
		case P_PORTS:
			memcpy(kb, &pk, sizeof(pk));
			lookups(&p, vtap_loader_map_fd(ld, VTAP_MAP_PORTS), kb, 8, 0, 0);
			break;
		case P_ARRAY:
			lookups(&p, vtap_loader_map_fd(ld, VTAP_MAP_DPORT), &ak, 4, 1, 0);
			break;
		case P_POOL:
			lookups(&p, vtap_loader_map_fd(ld, VTAP_MAP_POOL), &pool, 4, 2, 8);
			break;
		default:
			lpm_key(&lk, gen, i == P_SRC6 || i >= P_DST6_NOMATCH, addr[i]);
			memcpy(kb, &lk, sizeof(lk));
			lookups(&p,
				i <= P_SRC6 ? vtap_loader_map_fd(ld, VTAP_MAP_SRC)
					    : vtap_loader_map_fd(ld, VTAP_MAP_DST),
				kb, 28, 0, 0);
			break;
		}
		finish(&p);
		if ((fds[i] = load(&p, "vtb_part")) < 0)
			return -1;
	}
	return 0;
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

int main(int argc, char **argv)
{
	static struct vtap_image img[2];
	static double t[2][N_PARTS][MAX_ROUNDS];
	struct vtap_loader ld;
	const char *rules = NULL;
	int rounds = 7, fds[2][N_PARTS], ret = 1;
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
	for (int r = 0; r < rounds; r++)
		for (int s = 0; s < 2; s++) {
			/* both generations hold the set, as after two reloads */
			if (vtap_loader_apply(&ld, &img[s]) || vtap_loader_apply(&ld, &img[s]))
				goto out;
			if (r == 0 && build(&ld, (__u32)vtap_loader_active_gen(&ld), fds[s]))
				goto out;
			for (int i = 0; i < N_PARTS; i++) {
				run(fds[s][i]);
				t[s][i][r] = run(fds[s][i]);
			}
		}
	printf("== the miss path's parts: BPF_PROG_TEST_RUN, %d steps per run, median of %d "
	       "rounds of %d runs\n",
	       K, rounds, repeat);
	printf("%-32s %12s %12s\n", "part (ns per step)", "1 rule", "4096 rules");
	{
		double e[2] = {median(t[0][P_EMPTY], rounds), median(t[1][P_EMPTY], rounds)};

		printf("%-32s %12.1f %12.1f\n", part_name[P_EMPTY], e[0], e[1]);
		for (int i = 1; i < N_PARTS; i++)
			printf("%-32s %12.1f %12.1f\n", part_name[i],
			       (median(t[0][i], rounds) - e[0]) / K,
			       (median(t[1][i], rounds) - e[1]) / K);
	}
	ret = 0;
out:
	vtap_loader_close(&ld, 1);
	return ret;
}
