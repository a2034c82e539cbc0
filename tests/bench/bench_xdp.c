// SPDX-License-Identifier: GPL-2.0
/* bench_xdp: the XDP tap against the TC tap, in the kernel, one run
 * (BPF_PROG_TEST_RUN, the kernel's average ns per run of `repeat` runs).
 *
 * 1. Classification, frames not copied (a 64-byte IPv4 TCP frame no rule
 *    matches): the empty program of each hook, then vtap_tc_out and
 *    vtap_xdp_out with 1 rule and with 4096 (bench_swap --emit's n4096),
 *    the verdict from the flow cache (a flow's later frames: the same frame
 *    again) and with every lookup forced to miss (a flow's first frame).
 * 2. One copy of that frame (one mirror rule): a bare bpf_clone_redirect to
 *    a veth, the TC tap cloning (vtap_tc_out), the TC tap copying into the
 *    ring (vtap_tc_ring_out), the XDP tap copying into the ring
 *    (vtap_xdp_out). The ring is drained after every run and must not have
 *    been full (a refused copy is cheaper and would flatter the ring).
 *
 * Variants interleave inside every round; medians over rounds.
 * Usage: bench_xdp --rules DIR [--rounds R] [--repeat N] [--csv FILE]
 * Needs root: a private network namespace, pins under
 * /sys/fs/bpf/vtap-bxdp-<pid> (removed at the end). */
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
#include "core/image.h"
#include "kernel/loader.h"
#include "core/log.h"
#include "kernel/bpf_log.h"
#include "core/policy.h"
#include "bench_util.h"

#define MAX_ROUNDS 31
#define RING_BYTES (64u << 20)

enum { HOOK_TC, HOOK_XDP };
enum {
	V_EMPTY_TC,
	V_EMPTY_XDP,
	V_CLS1_TC,
	V_CLS1_XDP,
	V_CLS4096_TC,
	V_CLS4096_XDP,
	V_MISS4096_TC,
	V_MISS4096_XDP,
	V_CLONE_ONLY,
	V_COPY_TC_CLONE,
	V_COPY_TC_RING,
	V_COPY_XDP_RING,
	N_V,
};
static const char *const vname[N_V] = {
    "empty TC program",		"empty XDP program",	     "TC tap, 1 rule",
    "XDP tap, 1 rule",		"TC tap, 4096 rules",	     "XDP tap, 4096 rules",
    "TC tap, 4096, cache miss", "XDP tap, 4096, cache miss", "bpf_clone_redirect only",
    "TC tap + clone_redirect",	"TC tap + ring buffer",	     "XDP tap + ring buffer",
};
static const char *const vkey[N_V] = {
    "empty-tc",	   "empty-xdp",	   "cls1-tc",	 "cls1-xdp",	  "cls4096-tc",	  "cls4096-xdp",
    "miss4096-tc", "miss4096-xdp", "clone-only", "copy-tc-clone", "copy-tc-ring", "copy-xdp-ring",
};

static struct vtap_loader ld;
static struct ring_buffer *ring;
static __u32 port, sink;
static __u8 frame[64];
static unsigned long long drained;

static int count_rec(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	drained++;
	return 0;
}

/* 10.0.0.1:40000 -> 192.0.2.1:9999 TCP ACK, 64 bytes */
static void build_frame(void)
{
	static const __u8 hdr[] = {2,	 0,    0,    0, 0, 2,  2, 0, 0, 0, 0,  1,
				   0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6};
	__u8 *ip = frame + 14, *tcp = ip + 20;

	memcpy(frame, hdr, sizeof(hdr));
	inet_pton(AF_INET, "10.0.0.1", ip + 12);
	inet_pton(AF_INET, "192.0.2.1", ip + 16);
	tcp[0] = 40000 >> 8, tcp[1] = 40000 & 0xff;
	tcp[2] = 9999 >> 8, tcp[3] = 9999 & 0xff;
	tcp[12] = 5 << 4, tcp[13] = 0x10, tcp[14] = 0xff;
}

static double run(int fd, int hook, int rep)
{
	struct __sk_buff skb = {.ifindex = port};
	struct xdp_md xdp = {.ingress_ifindex = port, .data_end = sizeof(frame)};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = rep);

	o.ctx_in = hook == HOOK_XDP ? (void *)&xdp : (void *)&skb;
	o.ctx_size_in = hook == HOOK_XDP ? sizeof(xdp) : sizeof(skb);
	if (bpf_prog_test_run_opts(fd, &o)) {
		fprintf(stderr, "bench_xdp: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	ring_buffer__consume(ring);
	return (double)o.duration;
}

static int load_raw(enum bpf_prog_type type, const struct bpf_insn *insns, size_t n)
{
	int fd = bpf_prog_load(type, "vtb_raw", "GPL", insns, n, NULL);

	if (fd < 0)
		fprintf(stderr, "bench_xdp: cannot load a raw program: %s\n", strerror(errno));
	return fd;
}

static int compile_apply(struct vtap_policy_set *set)
{
	struct vtap_host_port hp = {.name = "vtb-p0", .ifindex = port};
	__u32 sinks[4] = {sink, sink, sink, sink};
	struct vtap_compile_env env = {.ports = &hp, .n_ports = 1, .sink_ifindex = sinks};
	struct vtap_errors errs = {0};
	struct vtap_image img;
	int ret = vtap_compile(set, &env, &img, &errs);

	for (size_t i = 0; i < errs.n && i < 3; i++)
		fprintf(stderr, "bench_xdp: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	if (!ret) {
		ret = vtap_loader_apply(&ld, &img);
		vtap_image_free(&img);
	}
	return ret;
}

static int load_set(const char *dir_or_file, bool is_dir, struct vtap_policy_set *set)
{
	struct vtap_errors errs = {0};
	int ret = is_dir ? vtap_policy_load_dir(dir_or_file, set, &errs)
			 : vtap_policy_load_files(&dir_or_file, 1, set, &errs);

	for (size_t i = 0; i < errs.n && i < 3; i++)
		fprintf(stderr, "bench_xdp: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	return ret;
}

static int setup_netns(void)
{
	if (bench_enter_netns("bench_xdp") ||
	    system("ip link add vtb-p0 type veth peer name vtb-q0 && ip link set vtb-p0 up && "
		   "ip link set vtb-q0 up && ip link add vtb-mon type veth peer name vtb-monp && "
		   "ip link set vtb-mon up && ip link set vtb-monp up")) {
		fprintf(stderr, "bench_xdp: cannot set up the namespace (root?)\n");
		return -1;
	}
	port = if_nametoindex("vtb-p0");
	sink = if_nametoindex("vtb-mon");
	return port && sink ? 0 : -1;
}

int main(int argc, char **argv)
{
	static double t[N_V][MAX_ROUNDS];
	static struct vtap_policy_set one, many, copy;
	const char *rules = NULL;
	char pin[64], dir[4200], file[] = "/tmp/vtap-bxdp-XXXXXX.yaml";
	int rounds = 5, repeat = 200000, copy_repeat = 50000, fd[N_V], hook[N_V], ret = 1;
	FILE *csv = NULL, *f;
	const struct bpf_insn tc_empty[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = -1},
					    {.code = BPF_JMP | BPF_EXIT}};
	const struct bpf_insn xdp_empty[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 2},
					     {.code = BPF_JMP | BPF_EXIT}};

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rules"))
			rules = argv[i + 1];
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = atoi(argv[i + 1]), copy_repeat = repeat / 4 + 1;
		else if (!strcmp(argv[i], "--csv"))
			csv = fopen(argv[i + 1], "a");
	}
	if (!rules) {
		fprintf(stderr, "usage: %s --rules DIR [--rounds R] [--repeat N] [--csv FILE]\n",
			argv[0]);
		return 2;
	}
	rounds = rounds < 3 ? 3 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	vtap_log_init("bench_xdp", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();
	if (setup_netns())
		return 1;
	build_frame();
	snprintf(dir, sizeof(dir), "%s/n4096", rules);
	f = fdopen(mkstemps(file, 5), "w");
	if (!f ||
	    fprintf(f, "monitors:\n  - { name: mon, type: local, port: vtb-mon }\n"
		       "policies:\n  - { name: web, source: { ports: [vtb-p0] }, direction: "
		       "out, match: { protocol: tcp, dst_ports: [80] }, monitor: mon }\n") < 0)
		return 1;
	fclose(f);
	if (load_set(file, false, &one) || load_set(dir, true, &many))
		return 1;
	f = fopen(file, "w");
	fprintf(f,
		"monitors:\n  - { name: mon, type: local, port: vtb-mon }\npolicies:\n"
		"  - { name: all, source: { ports: [vtb-p0] }, direction: out, monitor: mon }\n");
	fclose(f);
	ret = load_set(file, false, &copy);
	unlink(file);
	if (ret)
		return 1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bxdp-%d", (int)getpid());
	if (vtap_loader_open_ring(&ld, pin, RING_BYTES))
		return 1;
	ret = 1;
	ring = ring_buffer__new(vtap_loader_ring_fd(&ld), count_rec, NULL, NULL);
	{
		const struct bpf_insn clone[] = {
		    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2, .imm = (__s32)sink},
		    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = 0},
		    {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_clone_redirect},
		    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = -1},
		    {.code = BPF_JMP | BPF_EXIT},
		};
		int tc_out = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
		int xdp_out = vtap_loader_prog(&ld, VTAP_PROG_XDP_OUT);

		fd[V_EMPTY_TC] = load_raw(BPF_PROG_TYPE_SCHED_CLS, tc_empty, 2);
		fd[V_EMPTY_XDP] = load_raw(BPF_PROG_TYPE_XDP, xdp_empty, 2);
		fd[V_CLONE_ONLY] = load_raw(BPF_PROG_TYPE_SCHED_CLS, clone, 5);
		fd[V_CLS1_TC] = fd[V_CLS4096_TC] = fd[V_MISS4096_TC] = fd[V_COPY_TC_CLONE] = tc_out;
		fd[V_CLS1_XDP] = fd[V_CLS4096_XDP] = fd[V_MISS4096_XDP] = fd[V_COPY_XDP_RING] =
		    xdp_out;
		fd[V_COPY_TC_RING] = vtap_loader_prog(&ld, VTAP_PROG_TC_RING_OUT);
	}
	for (int v = 0; v < N_V; v++) {
		hook[v] = strstr(vkey[v], "xdp") ? HOOK_XDP : HOOK_TC;
		if (fd[v] < 0 || !ring)
			goto out;
	}
	for (int r = 0; r < rounds; r++) {
		for (int v = 0; v < N_V; v++) {
			bool copies = v >= V_COPY_TC_CLONE;
			struct vtap_counters c0, c1;
			int rep = v >= V_CLONE_ONLY ? copy_repeat : repeat;

			if ((v == V_CLS1_TC && compile_apply(&one)) ||
			    (v == V_CLS4096_TC && compile_apply(&many)) ||
			    (v == V_COPY_TC_CLONE && compile_apply(&copy)))
				goto out;
			/* a flow's first frame: every cache lookup misses */
			if (vtap_loader_set_flow_cache(&ld,
						       v == V_MISS4096_TC || v == V_MISS4096_XDP
							   ? VTAP_FLOW_CACHE_ALWAYS_MISS
							   : VTAP_FLOW_CACHE_ON))
				goto out;
			run(fd[v], hook[v], rep / 10); /* warm-up, not recorded */
			vtap_loader_read_stats(&ld, 0, &c0);
			t[v][r] = run(fd[v], hook[v], rep);
			vtap_loader_read_stats(&ld, 0, &c1);
			if (t[v][r] < 0)
				goto out;
			/* the verdict the timing stands for: copies all made */
			if (copies &&
			    (c1.copies - c0.copies != (__u64)rep || c1.ring_full != c0.ring_full)) {
				fprintf(stderr,
					"bench_xdp: %s: %llu of %d copies, ring_full +%llu\n",
					vname[v], c1.copies - c0.copies, rep,
					c1.ring_full - c0.ring_full);
				goto out;
			}
			if (csv)
				fprintf(csv, "xdp,%s,%d,%d,%.3f,ns\n", vkey[v],
					v >= V_CLS4096_TC && v <= V_MISS4096_XDP ? 4096 : 1, r,
					t[v][r]);
		}
	}
	{
		double m[N_V];

		for (int v = 0; v < N_V; v++)
			m[v] = bench_median(t[v], rounds);
		printf("\n== XDP tap vs TC tap: BPF_PROG_TEST_RUN, 64-byte IPv4 TCP on a veth,\n"
		       "   ns per frame, median of %d interleaved rounds (%d runs; copies %d)\n",
		       rounds, repeat, copy_repeat);
		for (int v = 0; v < N_V; v++) {
			double base = m[hook[v] == HOOK_XDP ? V_EMPTY_XDP : V_EMPTY_TC];

			printf("%-28s %7.1f ns", vname[v], m[v]);
			if (v >= V_CLS1_TC)
				printf("  (%6.1f above the empty program)", m[v] - base);
			if (v >= V_CLONE_ONLY)
				printf("  %.2f M copies/s on one core", 1e3 / m[v]);
			printf("\n");
			if (csv)
				fprintf(csv, "xdp,summary_%s,0,-1,%.1f,ns\n", vkey[v], m[v]);
		}
		printf("classification above empty, 4096 rules: cached TC %.1f ns, XDP %.1f ns; "
		       "first frame TC %.1f ns, XDP %.1f ns\n",
		       m[V_CLS4096_TC] - m[V_EMPTY_TC], m[V_CLS4096_XDP] - m[V_EMPTY_XDP],
		       m[V_MISS4096_TC] - m[V_EMPTY_TC], m[V_MISS4096_XDP] - m[V_EMPTY_XDP]);
		printf("copy cost (tap with copy - tap with 1 rule, no copy): TC clone %.1f ns, TC "
		       "ring %.1f ns, XDP ring %.1f ns\n",
		       m[V_COPY_TC_CLONE] - m[V_CLS1_TC], m[V_COPY_TC_RING] - m[V_CLS1_TC],
		       m[V_COPY_XDP_RING] - m[V_CLS1_XDP]);
		printf("per-frame ratio TC+clone / XDP+ring: %.2fx; TC+clone / TC+ring: %.2fx\n",
		       m[V_COPY_TC_CLONE] / m[V_COPY_XDP_RING],
		       m[V_COPY_TC_CLONE] / m[V_COPY_TC_RING]);
	}
	ret = 0;
out:
	ring_buffer__free(ring);
	vtap_loader_close(&ld, 1);
	if (csv)
		fclose(csv);
	return ret;
}
