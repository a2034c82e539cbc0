// SPDX-License-Identifier: GPL-2.0
/* bench_sinks: what one copy costs the tapped port's CPU, in the kernel, by
 * the kind of monitor it goes to (BPF_PROG_TEST_RUN of vtap_tc_out, one
 * mirror rule, a 64-byte UDP frame; the kernel's mean ns per run).
 *
 * A run covers everything the sending CPU does for the copy before the
 * test loop's next run: the clone, the sink program on the sink veth, the
 * veth, and whatever the veth's peer does in the softirq that follows
 * (TC's local_bh_enable runs it inside the timed loop):
 *   local    the monitor's veth peer receives it (netif_rx, the stack drops
 *            it: not its MAC), as a VM behind the port would
 *   capture  the copy (no VLAN tag the stack holds) goes into the ring
 *            buffer vtapd drains: no clone, no sink veth (the copies are
 *            counted as the bench drains the ring)
 *   ovs      the sink veth's peer runs an XDP program that hands the copy
 *            to an AF_XDP socket (copy mode) with the ovs sink kind (one
 *            VLAN tag): OVS's AF_XDP port (netdev afxdp or DPDK net_af_xdp)
 *            is an XDP program redirecting into an XSKMAP too; modelled
 *            here by vtap's capture program and socket, without OVS. A
 *            capture's copies take this path too (with two tags) once it
 *            has had a stack-tagged frame
 * and, for ovs, the ways the reader can be woken:
 *   waiter   a thread sleeps in epoll_wait on the socket (another CPU), as
 *            vtapd did before pacing: every NAPI poll wakes it
 *   paced    nobody waits on the socket (vtapd's reader while busy,
 *            sinks/pace.h)
 *   threaded the peer's NAPI runs in its own kernel thread, polled on a
 *            timer (napi_defer_hard_irqs, gro_flush_timeout) behind a
 *            pfifo qdisc on the sink veth (the veth stops its queue when
 *            its 256-frame ring is full): the sending CPU only queues
 * The reader is drained between runs (outside the timing) and every copy
 * must arrive: a lost copy is cheaper and would flatter a variant.
 *
 * Usage: bench_sinks [--rounds R] [--repeat N] [--csv FILE]
 * Needs root: a private network namespace, pins under
 * /sys/fs/bpf/vtap-bsinks-<pid> (removed at the end). */
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
#include "kernel/sink_queue.h"
#include "kernel/tc.h"
#include "sinks/capture.h"
#include "bench_util.h"

#define MAX_ROUNDS 31

enum { M_LOCAL, M_CAPTURE, M_OVS, N_MON };
static const char *const mon_port[N_MON] = {"bs-mon", "bs-cap", "bs-ovs"};
static const char *const mon_peer[N_MON] = {"bs-monp", "bs-capp", "bs-ovsp"};
enum { W_NONE, W_WAITER, W_PACED, W_THREADED };
static const struct variant {
	int mon, wake;
	const char *key, *name;
} vars[] = {
    {M_LOCAL, W_NONE, "local", "local (the peer's stack receives it)"},
    {M_CAPTURE, W_NONE, "capture", "capture (a plain frame: the ring buffer)"},
    {M_OVS, W_WAITER, "ovs-waiter", "ovs kind, a reader asleep on the socket"},
    {M_OVS, W_PACED, "ovs-paced", "ovs kind, nobody asleep (OVS's PMD polls)"},
    {M_OVS, W_THREADED, "ovs-threaded", "ovs kind, peer NAPI threaded + pfifo"},
};
#define N_VARS (int)(sizeof(vars) / sizeof(vars[0]))

static struct vtap_loader ld;
static struct vtap_policy_set sets[N_MON];
static struct vtap_capture *readers[N_MON];
static __u32 port, ifindex[N_MON];
static __u8 frame[64];
static int prog_fd, waiter_ep = -1;
static struct vtap_sink_queue queue[N_MON];
static struct ring_buffer *ring;
static __u64 ring_records;
static atomic_bool stop;

static int count_record(void *arg, void *data, size_t size)
{
	(void)arg;
	(void)data;
	(void)size;
	ring_records++;
	return 0;
}

static const char *name_of(void *arg, uint32_t id)
{
	(void)arg;
	return id == 0 ? "all" : NULL;
}



/* The sleeping reader of the "waiter" variants: woken by every NAPI poll
 * that delivered to a watched socket, it goes back to sleep (edge-
 * triggered: the main thread reads the frames, between runs). */
static void *waiter(void *arg)
{
	(void)arg;
	bench_pin_cpu(1);
	while (!atomic_load(&stop)) {
		struct epoll_event ev[4];

		epoll_wait(waiter_ep, ev, 4, 100);
	}
	return NULL;
}

static void sysfs(const char *dev, const char *attr, const char *val)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, attr);
	f = fopen(path, "w");
	if (!f || fputs(val, f) < 0 || fclose(f))
		fprintf(stderr, "bench_sinks: cannot write %s\n", path);
}

/* The reader's wake-up for a variant; W_NONE after it. The sinks are
 * opened with their receive work threaded (kernel/sink_queue.h): the
 * other variants first take that back to the kernel's defaults. */
static int set_wake(int mon, int wake)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	char cmd[160];

	if (mon != M_OVS)
		return 0;
	ev.data.fd = vtap_capture_fd(readers[mon]);
	epoll_ctl(waiter_ep, wake == W_WAITER ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, ev.data.fd, &ev);
	if (wake == W_THREADED)
		return vtap_sink_queue_setup(&queue[mon], mon_port[mon], mon_peer[mon]);
	vtap_sink_queue_undo(&queue[mon]);
	sysfs(mon_peer[mon], "gro_flush_timeout", "0");
	sysfs(mon_peer[mon], "napi_defer_hard_irqs", "0");
	sysfs(mon_peer[mon], "threaded", "0");
	snprintf(cmd, sizeof(cmd), "tc qdisc del dev %s root 2>/dev/null", mon_port[mon]);
	return system(cmd) < 0 ? -1 : 0;
}

static __u64 arrived(int mon)
{
	struct vtap_capture_stats st = {0};
	char path[160];
	unsigned long long n = 0;
	FILE *f;

	if (mon == M_CAPTURE) {
		ring_buffer__consume(ring);
		return ring_records;
	}
	if (mon == M_OVS) {
		vtap_capture_poll(readers[mon]);
		vtap_capture_stats(readers[mon], &st);
		return st.received;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_packets", mon_peer[mon]);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/* ns per run of vtap_tc_out copying to mon; -1 when a copy went missing */
static double run(int mon, int rep)
{
	struct __sk_buff skb = {.ifindex = port};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .ctx_in = &skb, .ctx_size_in = sizeof(skb), .repeat = rep);
	__u64 a0 = arrived(mon), a1 = a0;

	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "bench_sinks: BPF_PROG_TEST_RUN: %s\n", strerror(errno));
		return -1;
	}
	/* a threaded peer may still be at it */
	for (int i = 0; i < 2000 && (a1 = arrived(mon)) - a0 < (__u64)rep; i++)
		usleep(500);
	if (a1 - a0 != (__u64)rep) {
		struct vtap_counters c = {0};
		struct vtap_sink_counters sc = {0};

		vtap_loader_read_stats(&ld, 0, &c);
		vtap_loader_read_sink(&ld, ifindex[mon], &sc);
		fprintf(stderr,
			"bench_sinks: %s: %llu of %d copies arrived (copies %llu, failed %llu; "
			"sink delivered %llu)\n",
			mon_port[mon], (unsigned long long)(a1 - a0), rep,
			(unsigned long long)c.copies, (unsigned long long)c.copy_fail,
			(unsigned long long)sc.delivered);
		return -1;
	}
	return (double)o.duration;
}

static int apply(int mon)
{
	struct vtap_host_port hp = {.ifindex = port};
	struct vtap_compile_env env = {.ports = &hp, .n_ports = 1, .sink_ifindex = &ifindex[mon]};
	struct vtap_errors errs = {0};
	struct vtap_image img;
	int ret;

	snprintf(hp.name, sizeof(hp.name), "bs-p0");
	ret = vtap_compile(&sets[mon], &env, &img, &errs);
	vtap_errors_free(&errs);
	if (ret)
		return ret;
	ret = vtap_loader_apply(&ld, &img);
	vtap_image_free(&img);
	return ret;
}

static int load_sets(void)
{
	static const char *const mon_yaml[N_MON] = {
	    "{ name: m, type: local, port: bs-mon }",
	    "{ name: m, type: capture, port: bs-cap }",
	    "{ name: m, type: ovs, port: bs-ovs, bridge: br0, ovs_port: mon0 }",
	};

	for (int m = 0; m < N_MON; m++) {
		char file[] = "/tmp/vtap-bsinks-XXXXXX.yaml";
		const char *files[] = {file};
		struct vtap_errors errs = {0};
		FILE *f = fdopen(mkstemps(file, 5), "w");
		int ret;

		if (!f)
			return -1;
		fprintf(
		    f,
		    "monitors:\n  - %s\npolicies:\n  - { name: all, source: { ports: [bs-p0] }, "
		    "direction: out, monitor: m }\n",
		    mon_yaml[m]);
		fclose(f);
		ret = vtap_policy_load_files(files, 1, &sets[m], &errs);
		unlink(file);
		for (size_t i = 0; i < errs.n && i < 3; i++)
			fprintf(stderr, "bench_sinks: %s\n", errs.msgs[i]);
		vtap_errors_free(&errs);
		if (ret)
			return -1;
	}
	return 0;
}

static int setup(void)
{
	char pin[64], err[256];
	bool created;

	if (bench_netns("bench_sinks") ||
	    system("ip link add bs-p0 type veth peer name bs-q0 && ip link set bs-p0 up && "
		   "ip link set bs-q0 up") ||
	    system("for m in mon cap ovs; do ip link add bs-$m type veth peer name bs-${m}p && "
		   "ip link set bs-$m mtu 3000 up && ip link set bs-${m}p mtu 3000 up || exit 1; "
		   "done")) {
		fprintf(stderr, "bench_sinks: cannot set up the namespace (root?)\n");
		return -1;
	}
	port = if_nametoindex("bs-p0");
	if (!port || load_sets())
		return -1;
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bsinks-%d", (int)getpid());
	if (vtap_loader_open(&ld, pin))
		return -1;
	prog_fd = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
	ring = ring_buffer__new(vtap_loader_ring_fd(&ld), count_record, NULL, NULL);
	if (!ring) {
		fprintf(stderr, "bench_sinks: cannot read the ring buffer: %s\n", strerror(errno));
		return -1;
	}
	vtap_capture_set_epoll(-1); /* the bench reads the sockets itself */
	for (int m = 0; m < N_MON; m++) {
		struct vtap_monitor cap = sets[m].monitors[0];

		ifindex[m] = if_nametoindex(mon_port[m]);
		/* every monitor port gets the sink program, as vtapd does */
		if (!ifindex[m] ||
		    vtap_tc_attach((int)ifindex[m], VTAP_HOOK_EGRESS,
				   vtap_loader_prog(&ld, VTAP_PROG_SINK), &created) ||
		    vtap_loader_add_sink(&ld, ifindex[m]))
			return -1;
		if (m == M_LOCAL)
			continue;
		/* the ovs kind's reader: a capture socket (its frames lack the
		 * length tag and count as bad: read all the same) */
		cap.type = VTAP_MONITOR_CAPTURE;
		if (vtap_capture_open(&readers[m], &cap, mon_peer[m], name_of, NULL, err,
				      sizeof(err))) {
			fprintf(stderr, "bench_sinks: %s\n", err);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static double t[N_VARS][MAX_ROUNDS];
	int rounds = 7, repeat = 1000, ret = 1;
	const char *only = NULL; /* one variant alone (to profile it), no table */
	pthread_t th;
	FILE *csv = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--repeat"))
			repeat = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--csv"))
			csv = fopen(argv[i + 1], "a");
		else if (!strcmp(argv[i], "--only"))
			only = argv[i + 1];
	}
	rounds = rounds < 3 ? 3 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	/* the AF_XDP rings hold 2048 frames: a run's copies must fit */
	repeat = repeat < 10 ? 10 : repeat > 1500 ? 1500 : repeat;
	vtap_log_init("bench_sinks", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();
	bench_udp64(frame);
	waiter_ep = epoll_create1(EPOLL_CLOEXEC);
	if (waiter_ep < 0 || setup())
		goto out;
	bench_pin_cpu(0);
	if (pthread_create(&th, NULL, waiter, NULL))
		goto out;
	for (int r = 0; r < rounds; r++) {
		for (int v = 0; v < N_VARS; v++) {
			const struct variant *x = &vars[v];

			if (only && strcmp(only, x->key))
				continue;
			if (apply(x->mon))
				goto stop;
			if (set_wake(x->mon, x->wake) || run(x->mon, repeat / 4) < 0) /* warm-up */
				goto stop;
			t[v][r] = run(x->mon, repeat);
			set_wake(x->mon, W_NONE);
			if (t[v][r] < 0)
				goto stop;
			if (csv)
				fprintf(csv, "sinks_kernel,%s,1,%d,%.1f,ns\n", x->key, r, t[v][r]);
		}
	}
	for (int v = 0; only && v < N_VARS; v++)
		if (!strcmp(only, vars[v].key))
			printf("%s: %.0f ns per copy (median of %d)\n", only,
			       bench_median(t[v], rounds), rounds);
	if (!only) {
		double m[N_VARS];

		for (int v = 0; v < N_VARS; v++)
			m[v] = bench_median(t[v], rounds);
		printf("\n== one copy in the kernel, by monitor kind: BPF_PROG_TEST_RUN of "
		       "vtap_tc_out "
		       "(one\n   mirror rule, 64-byte UDP), the sending CPU's ns per copy (the "
		       "peer's softirq\n   included), median of %d interleaved rounds of %d runs\n",
		       rounds, repeat);
		for (int v = 0; v < N_VARS; v++) {
			printf("%-44s %7.0f ns   %.2fx local\n", vars[v].name, m[v], m[v] / m[0]);
			if (csv)
				fprintf(csv, "sinks_kernel,summary_%s,1,-1,%.1f,ns\n", vars[v].key,
					m[v]);
		}
	}
	ret = 0;
stop:
	atomic_store(&stop, true);
	pthread_join(th, NULL);
out:
	for (int m = 0; m < N_MON; m++)
		vtap_capture_close(readers[m], false);
	ring_buffer__free(ring);
	vtap_loader_close(&ld, 1);
	if (csv)
		fclose(csv);
	return ret;
}
