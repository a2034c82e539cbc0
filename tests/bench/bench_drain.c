// SPDX-License-Identifier: GPL-2.0
/* bench_drain: vtapd's drain of the XDP tap's ring buffer into pcapng,
 * alone (issue 18 item 4, design §7: >= 2 M records/s per core for
 * 64-byte copies).
 *
 * The ring is filled by the XDP tap itself (vtap_xdp_out, one mirror rule
 * to a capture monitor) through BPF_PROG_TEST_RUN of a 64-byte IPv4 UDP
 * frame, as fast as the kernel runs it. The drain is vtapd's own code:
 * user/vtapd/ring.c (linked in) routing each record to a capture monitor
 * opened as vtapd opens it (user/sinks/capture.c: its sink veth, XDP
 * program and AF_XDP socket, unused here) whose pcapng file
 * (user/sinks/pcapng.c) rotates at --rotate-size MiB (2 files kept, so the
 * disk holds at most twice that).
 *
 *   one core:  one thread on CPU 0 alternates: BPF_PROG_TEST_RUN (--batch
 *              copies), then vtapd_ring_drain. Records per second of time
 *              spent draining (CLOCK_MONOTONIC around the drain calls).
 *   two cores: a producer thread on CPU 0 runs BPF_PROG_TEST_RUN without
 *              pause; the drain runs on CPU 1 as vtapd's event loop runs
 *              it (epoll on the ring's fds, vtapd_ring_event). Records per
 *              second of wall time, and per second of the drain thread's
 *              CPU time (CLOCK_THREAD_CPUTIME_ID): the per-core rate.
 *
 * Every round checks that each record the drain read reached the file (a
 * record lost would flatter the rate) and that the rule copied every run
 * (ring_full counted apart: the producer outrunning the drain on two
 * cores is expected, and those copies are not records).
 *
 * Usage: bench_drain [--secs S] [--rounds R] [--batch N] [--dir DIR]
 *                    [--rotate-size MIB] [--ring-size BYTES] [--csv FILE]
 * Needs root: a private network namespace, pins under
 * /sys/fs/bpf/vtap-bdrain-<pid> (removed at the end). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/image.h"
#include "core/log.h"
#include "core/policy.h"
#include "kernel/bpf_log.h"
#include "kernel/loader.h"
#include "sinks/capture.h"
#include "vtapd/ring.h"
#include "bench_util.h"

#define MAX_ROUNDS 31
#define TARGET	   2e6 /* records per second per core */

static struct vtap_loader ld;
static struct vtapd_sinks sinks;
static struct vtapd_ring ring;
static __u32 port, sink;
static __u8 frame[64];
static int prog_fd, batch = 4096;
static bool use_xdp;
static atomic_bool stop;


static int fill(int rep)
{
	struct xdp_md xdp = {.ingress_ifindex = port, .data_end = sizeof(frame)};
	struct __sk_buff skb = {.ifindex = port};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = rep);

	o.ctx_in = use_xdp ? (void *)&xdp : (void *)&skb;
	o.ctx_size_in = use_xdp ? sizeof(xdp) : sizeof(skb);

	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "bench_drain: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}


static double now(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *name_of(void *arg, uint32_t id)
{
	(void)arg;
	return id == 0 ? "all" : NULL;
}

static __u64 written(void)
{
	struct vtap_capture_stats st = {0};

	vtap_capture_stats(sinks.v[0].cap, &st);
	return st.written;
}

static void *producer(void *arg)
{
	(void)arg;
	bench_pin_cpu(0);
	while (!atomic_load(&stop))
		if (fill(batch))
			break;
	return NULL;
}

struct result {
	double wall, cpu; /* records per second of wall time, of drain time */
};

/* One core: fill, drain, again; only the drain is timed. */
static int one_core(double secs, struct result *res)
{
	double t0 = now(CLOCK_MONOTONIC), spent = 0;
	__u64 w0 = written(), r0 = ring.records;

	bench_pin_cpu(0);
	while (now(CLOCK_MONOTONIC) - t0 < secs) {
		double d0;

		if (fill(batch))
			return -1;
		d0 = now(CLOCK_MONOTONIC);
		vtapd_ring_drain(&ring);
		spent += now(CLOCK_MONOTONIC) - d0;
	}
	if (written() - w0 != ring.records - r0) {
		fprintf(stderr, "bench_drain: one core: %llu records read, %llu written\n",
			ring.records - r0, (unsigned long long)(written() - w0));
		return -1;
	}
	res->cpu = (double)(written() - w0) / spent;
	res->wall = (double)(written() - w0) / (now(CLOCK_MONOTONIC) - t0);
	return 0;
}

/* Two cores: a producer thread on CPU 0, vtapd's event loop on CPU 1. */
static int two_cores(int ep, double secs, struct result *res)
{
	pthread_t th;
	double t0, c0, t1, c1;
	__u64 w0, r0, r1;

	bench_pin_cpu(1);
	vtapd_ring_drain(&ring);
	w0 = written(), r0 = ring.records;
	atomic_store(&stop, false);
	if (pthread_create(&th, NULL, producer, NULL))
		return -1;
	t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
	while (now(CLOCK_MONOTONIC) - t0 < secs) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, 100);

		for (int i = 0; i < n; i++)
			if (!vtapd_ring_event(&ring, evs[i].data.fd)) /* the capture's, idle */
				vtap_capture_event(sinks.v[0].cap, evs[i].data.fd, evs[i].events);
	}
	t1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_THREAD_CPUTIME_ID);
	r1 = ring.records;
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	/* what the measured time read must have reached the file */
	vtapd_ring_drain(&ring);
	if (written() - w0 != ring.records - r0) {
		fprintf(stderr, "bench_drain: two cores: %llu records read, %llu written\n",
			ring.records - r0, (unsigned long long)(written() - w0));
		return -1;
	}
	/* the window's rate: the records it read (each one written, checked
	 * above; the file's count at t1 would miss the last batch's flush) */
	res->wall = (double)(r1 - r0) / (t1 - t0);
	res->cpu = (double)(r1 - r0) / (c1 - c0);
	return 0;
}

static int setup(const char *dir, unsigned long rotate_mib, __u32 ring_size, int ep)
{
	static struct vtap_policy_set set;
	struct vtap_errors errs = {0};
	struct vtap_image img;
	struct vtap_host_port hp;
	__u32 sinkv[1], id0 = 0;
	struct vtap_compile_env env = {.ports = &hp, .n_ports = 1, .sink_ifindex = sinkv};
	char file[] = "/tmp/vtap-bdrain-XXXXXX.yaml", pin[64], err[256];
	FILE *f;
	int ret;

	if (bench_netns("bench_drain") ||
	    system("ip link add bd-p0 type veth peer name bd-q0 && ip link set bd-p0 up && "
		   "ip link set bd-q0 up && ip link add bd-cap type veth peer name bd-capp && "
		   "ip link set bd-cap up && ip link set bd-capp up")) {
		fprintf(stderr, "bench_drain: cannot set up the namespace (root?)\n");
		return -1;
	}
	port = if_nametoindex("bd-p0");
	sink = if_nametoindex("bd-cap");
	f = fdopen(mkstemps(file, 5), "w");
	if (!port || !sink || !f)
		return -1;
	fprintf(
	    f,
	    "monitors:\n  - { name: cap, type: capture, port: bd-cap, file: %s/bench-drain.pcapng,"
	    " rotate_size: %lu, rotate_count: 2 }\n"
	    "policies:\n  - { name: all, source: { ports: [bd-p0] }, direction: out, monitor: cap "
	    "}\n",
	    dir, rotate_mib << 20);
	fclose(f);
	{
		const char *files[] = {file};

		ret = vtap_policy_load_files(files, 1, &set, &errs);
	}
	unlink(file);
	for (size_t i = 0; i < errs.n && i < 3; i++)
		fprintf(stderr, "bench_drain: %s\n", errs.msgs[i]);
	vtap_errors_free(&errs);
	if (ret)
		return -1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bdrain-%d", (int)getpid());
	if (vtap_loader_open_ring(&ld, pin, ring_size))
		return -1;
	prog_fd = vtap_loader_prog(&ld, use_xdp ? VTAP_PROG_XDP_OUT : VTAP_PROG_TC_RING_OUT);
	hp = (struct vtap_host_port){.ifindex = port};
	snprintf(hp.name, sizeof(hp.name), "bd-p0");
	sinkv[0] = sink;
	if (vtap_compile(&set, &env, &img, &errs)) {
		fprintf(stderr, "bench_drain: cannot compile the rule\n");
		return -1;
	}
	ret = vtap_loader_apply(&ld, &img);
	vtap_image_free(&img);
	if (ret)
		return -1;
	/* the capture monitor, as vtapd sets it up */
	vtap_capture_set_epoll(ep);
	sinks.v = calloc(1, sizeof(*sinks.v));
	if (!sinks.v)
		return -1;
	sinks.n = 1;
	snprintf(sinks.v[0].monitor, sizeof(sinks.v[0].monitor), "cap");
	if (vtap_capture_open(&sinks.v[0].cap, &set.monitors[0], "bd-capp", name_of, NULL, err,
			      sizeof(err))) {
		fprintf(stderr, "bench_drain: %s\n", err);
		return -1;
	}
	if (vtapd_ring_open(&ring, vtap_loader_ring_fd(&ld), &sinks, ep))
		return -1;
	vtapd_ring_route(&ring, &set, &id0);
	return 0;
}

int main(int argc, char **argv)
{
	static double v[4][MAX_ROUNDS];
	static const char *const key[4] = {"one_core_per_core", "one_core_wall",
					   "two_cores_per_core", "two_cores_wall"};
	const char *dir = "/tmp";
	unsigned long rotate_mib = 256;
	__u32 ring_size = 16u << 20;
	double secs = 2;
	int rounds = 5, ep, ret = 1, only_one = 0;
	FILE *csv = NULL;
	struct vtap_counters c0, c1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--secs"))
			secs = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch"))
			batch = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--dir"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--rotate-size"))
			rotate_mib = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--ring-size"))
			ring_size = (__u32)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--one-core-only"))
			only_one = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--prog"))
			use_xdp = !strcmp(argv[i + 1], "xdp");
		else if (!strcmp(argv[i], "--csv"))
			csv = fopen(argv[i + 1], "a");
		else {
			fprintf(stderr,
				"usage: %s [--secs S] [--rounds R] [--batch N] [--dir DIR] "
				"[--rotate-size MIB] [--ring-size BYTES] [--csv FILE]\n",
				argv[0]);
			return 2;
		}
	}
	rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	vtap_log_init("bench_drain", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();
	bench_udp64(frame);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || setup(dir, rotate_mib, ring_size, ep))
		goto out;
	fill(batch); /* warm-up: the file's first pages, the code's caches */
	vtapd_ring_drain(&ring);
	vtap_loader_read_stats(&ld, 0, &c0);
	for (int r = 0; r < rounds; r++) {
		struct result one, two;

		if (one_core(secs, &one) || (!only_one && two_cores(ep, secs, &two)))
			goto out;
		if (only_one)
			two = one;
		v[0][r] = one.cpu, v[1][r] = one.wall, v[2][r] = two.cpu, v[3][r] = two.wall;
		for (int k = 0; k < 4 && csv; k++)
			fprintf(csv, "drain,%s,1,%d,%.0f,records/s\n", key[k], r, v[k][r]);
	}
	vtap_loader_read_stats(&ld, 0, &c1);
	{
		double m[4];

		for (int k = 0; k < 4; k++) {
			m[k] = bench_median(v[k], rounds);
			if (csv)
				fprintf(csv, "drain,summary_%s,1,-1,%.0f,records/s\n", key[k],
					m[k]);
		}
		printf(
		    "\n== vtapd's ring drain into pcapng alone: the XDP tap's 64-byte copies from\n"
		    "   BPF_PROG_TEST_RUN (batches of %d), drained by user/vtapd/ring.c into a "
		    "capture\n"
		    "   monitor's pcapng file in %s; %.0f s per mode, median of %d rounds\n",
		    batch, dir, secs, rounds);
		printf("one core  (fill, drain, alternating on CPU 0): %5.2f M records/s of drain "
		       "time (%.2f M/s wall, filling included)\n",
		       m[0] / 1e6, m[1] / 1e6);
		printf("two cores (producer CPU 0, vtapd's loop CPU 1): %5.2f M records/s wall, "
		       "%.2f M per second of the drain thread's CPU\n",
		       m[3] / 1e6, m[2] / 1e6);
		printf("records drained %llu in all\n", ring.records);
		printf("copies made %llu, refused for a full ring %llu (two cores: the producer "
		       "outruns the drain)\n",
		       c1.copies - c0.copies, c1.ring_full - c0.ring_full);
		printf("target drain >= 2 M records/s per core: one core %.2f M, two cores %.2f M "
		       "-> %s\n",
		       m[0] / 1e6, m[2] / 1e6,
		       m[0] >= TARGET && m[2] >= TARGET ? "MET" : "NOT MET");
	}
	ret = 0;
out:
	vtapd_ring_close(&ring);
	if (sinks.v && sinks.v[0].cap)
		vtap_capture_close(sinks.v[0].cap, false);
	free(sinks.v);
	vtap_loader_close(&ld, 1);
	if (csv)
		fclose(csv);
	return ret;
}
