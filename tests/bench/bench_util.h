/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF_PROG_TEST_RUN benchmarks share: the median of a variant's
 * rounds, and the private network namespace they run in. */
#ifndef VTAP_BENCH_UTIL_H
#define VTAP_BENCH_UTIL_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		fprintf(stderr, "%s: sched_setaffinity: %s\n", who, strerror(errno));
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
