/* SPDX-License-Identifier: GPL-2.0 */
/* What several benchmarks share: the median of a variant's rounds, and the
 * namespaces they run in. bench_enter_netns: a private network namespace
 * (the BPF_PROG_TEST_RUN benchmarks). bench_netns: the private namespaces
 * of the benchmarks that open vtapd's sinks: a network namespace, and a
 * mount namespace with a sysfs of that network namespace at /sys (the sinks
 * read and set their devices there; the host's sysfs shows the host's
 * devices) and a bpffs of its own at /sys/fs/bpf (the pins die with the
 * process). */
#ifndef VTAP_BENCH_UTIL_H
#define VTAP_BENCH_UTIL_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static inline int bench_netns(const char *who)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		fprintf(stderr, "%s: cannot make private namespaces (root?): %s\n", who,
			strerror(errno));
		return -1;
	}
	return system("ip link set lo up") ? -1 : 0;
}

/* 10.0.0.1:4000 -> 10.0.0.2:9 UDP, 64 bytes (the traffic part's frame) */
static inline void bench_udp64(uint8_t frame[64])
{
	static const uint8_t hdr[] = {2,    0,	  0,	0, 0, 2,  2, 0, 0, 0, 0,  1,
				      0x08, 0x00, 0x45, 0, 0, 50, 0, 0, 0, 0, 64, 17};
	uint8_t *ip = frame + 14, *udp = ip + 20;

	memset(frame, 0, 64);
	memcpy(frame, hdr, sizeof(hdr));
	inet_pton(AF_INET, "10.0.0.1", ip + 12);
	inet_pton(AF_INET, "10.0.0.2", ip + 16);
	udp[0] = 4000 >> 8, udp[1] = 4000 & 0xff;
	udp[3] = 9, udp[5] = 30;
}

static inline void bench_pin_cpu(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n); v is left sorted (v[0] the least). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Pin to CPU 0 (per-CPU counters read as one sequence, less noise) and
 * enter a private network namespace with lo up. who names the benchmark in
 * errors. Returns 0 or -1. */
static inline int bench_enter_netns(const char *who)
{
	bench_pin_cpu(0);
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "%s: unshare(CLONE_NEWNET): %s (run as root)\n", who,
			strerror(errno));
		return -1;
	}
	if (system("ip link set lo up")) {
		fprintf(stderr, "%s: cannot set lo up\n", who);
		return -1;
	}
	return 0;
}

#endif
