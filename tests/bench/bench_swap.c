// SPDX-License-Identifier: GPL-2.0
/* bench_swap: how long a policy reload takes, and how much BPF map memory
 * the rule set needs.
 *
 * For N = 1, 64, 1024, 4096 policies (YAML text written to a temporary
 * directory) it measures, each as the median of --runs runs:
 *   parse   vtap_policy_load_dir()
 *   compile vtap_compile()
 *   apply   vtap_loader_apply(): write the inactive generation of the real,
 *           pinned BPF maps and flip the active index (the atomic swap);
 *           the generation it overwrites holds a set of the same size, as
 *           in a reload, so the time includes purging the old entries
 * and then sums the BPF maps' memlock figures (/proc/self/fdinfo), each map
 * once (both objects' fds point at the same pinned maps).
 *
 * The rule sets are also the ones bench_classify runs (`--emit DIR` writes
 * DIR/n<N>/policies.yaml and exits), so the generator lives in one place.
 * Rule r of the N - 1 mirror rules (priority 100 + r), by r % 5:
 *   0  ports "vtb-p*",     dst 10.X.Y.1/32,      tcp, dst ports 80, 443, 8000-8080
 *   1  ports "vtb-p[0-7]", dst 172.X.Y.0/24,     udp, dst ports 1000-2000
 *   2  ports vtb-p0,       dst fd00:R::/64,      tcp, dst port 20000 + r
 *   3  ports "vtb-p*",     no cidr,              tcp, dst port 30000 + r
 *   4  ports "vtb-p*",     src 10.200.X.Y/32 (even r) or fd00:beef::R/128, tcp
 * (X.Y = r in two bytes: every prefix and every port is distinct.)
 * The last rule (priority 60000, rank N - 1) is a skip:
 *      ports "vtb-p*", dst 198.18.0.0/15 or 2001:db8:ffff::/48, tcp.
 * A TCP frame from 10.0.0.1 (fd00:1::1) to 192.0.2.1 (2001:db8::1) port 9999
 * then matches no rule although every 64-rule word has candidates in every
 * field (kinds 3 fail on the port, 4 on the source): the bit-vector search
 * visits every word, its worst case. To 198.18.0.1 (2001:db8:ffff::1) the
 * skip rule wins, also after visiting every word.
 * --emit also writes DIR/c<N>: the same rules "clustered", priority
 * 10000 * (r % 5) + r, so rules of one kind share words; the same frames
 * then find few words where every field has a candidate (the summary
 * word's good case). bench_swap times the n<N> sets.
 *
 * Usage: bench_swap [--runs R] [--csv FILE] [--emit DIR]
 * Needs root (BPF maps pinned under /sys/fs/bpf/vtap-bench-<pid>, removed at
 * the end). Prints a table; --csv appends one line per run. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "kernel/loader.h"
#include "core/log.h"
#include "kernel/bpf_log.h"

#define N_HOST_PORTS 16
#define SINK_IFINDEX 2001
#define MEM_TARGET_MIB 16.0
#define SWAP_TARGET_MS 100.0

static const int sizes[] = { 1, 64, 1024, 4096 };
#define N_SIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))
/* the sets --emit writes: bench_classify's sizes (make bench-classify's
 * 1, 16, 256, 4096 and make bench's 1, 64, 1024, 4096) */
static const int emit_sizes[] = { 1, 16, 64, 256, 1024, 4096 };
#define N_EMIT ((int)(sizeof(emit_sizes) / sizeof(emit_sizes[0])))

static FILE *csv;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double s[64];

	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ---- the rule-set generator (see the header comment) ---- */

static void emit_rule(FILE *f, int r, int clustered)
{
	int x = (r >> 8) & 0xff, y = r & 0xff;

	fprintf(f, "  - name: p%05d\n    priority: %d\n", r,
		clustered ? 10000 * (r % 5) + r : 100 + r);
	switch (r % 5) {
	case 0:
		fprintf(f, "    source: { ports: [\"vtb-p*\"] }\n"
			   "    destination: { cidr: 10.%d.%d.1/32 }\n"
			   "    match: { protocol: tcp, dst_ports: [80, 443, \"8000-8080\"] }\n",
			x, y);
		break;
	case 1:
		fprintf(f, "    source: { ports: [\"vtb-p[0-7]\"] }\n"
			   "    destination: { cidr: 172.%d.%d.0/24 }\n"
			   "    direction: out\n"
			   "    match: { protocol: udp, dst_ports: [\"1000-2000\"] }\n",
			16 + x, y);
		break;
	case 2:
		fprintf(f, "    source: { ports: [vtb-p0] }\n"
			   "    destination: { cidr: \"fd00:%x::/64\" }\n"
			   "    match: { protocol: tcp, dst_ports: [%d] }\n",
			r + 1, 20000 + r);
		break;
	case 3:
		fprintf(f, "    source: { ports: [\"vtb-p*\"] }\n"
			   "    match: { protocol: tcp, dst_ports: [%d] }\n",
			30000 + r);
		break;
	default:
		if (r % 2 == 0)
			fprintf(f, "    source: { ports: [\"vtb-p*\"], cidr: 10.200.%d.%d/32 }\n", x,
				y);
		else
			fprintf(f, "    source: { ports: [\"vtb-p*\"], cidr: \"fd00:beef::%x/128\" }\n",
				r + 1);
		fprintf(f, "    match: { protocol: tcp }\n");
		break;
	}
	fprintf(f, "    monitor: mon\n");
}

/* dir/policies.yaml with n policies (n - 1 mirror rules and the skip). */
static int emit_set(const char *dir, int n, int clustered)
{
	char path[PATH_MAX + 32];
	FILE *f;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/policies.yaml", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# generated by tests/bench/bench_swap.c: %d policies\n"
		   "monitors:\n  - { name: mon, type: local, port: vtb-mon }\npolicies:\n",
		n);
	for (int r = 0; r < n - 1; r++)
		emit_rule(f, r, clustered);
	fprintf(f, "  - name: zz-skip\n    priority: 60000\n"
		   "    source: { ports: [\"vtb-p*\"] }\n"
		   "    destination: { cidr: [198.18.0.0/15, \"2001:db8:ffff::/48\"] }\n"
		   "    match: { protocol: tcp }\n    action: skip\n");
	return fclose(f) ? -1 : 0;
}

static int emit_all(const char *root)
{
	char dir[PATH_MAX - 32];

	if (mkdir(root, 0700) && errno != EEXIST) {
		fprintf(stderr, "bench_swap: mkdir %s: %s\n", root, strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2 * N_EMIT; i++) {
		snprintf(dir, sizeof(dir), "%s/%c%d", root, i < N_EMIT ? 'n' : 'c',
			 emit_sizes[i % N_EMIT]);
		if (emit_set(dir, emit_sizes[i % N_EMIT], i >= N_EMIT)) {
			fprintf(stderr, "bench_swap: cannot write %s: %s\n", dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void rm_tree(const char *root)
{
	char path[PATH_MAX + 32];

	for (int i = 0; i < 2 * N_EMIT; i++) {
		char c = i < N_EMIT ? 'n' : 'c';

		snprintf(path, sizeof(path), "%s/%c%d/policies.yaml", root, c, emit_sizes[i % N_EMIT]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%c%d", root, c, emit_sizes[i % N_EMIT]);
		rmdir(path);
	}
	rmdir(root);
}

/* ---- BPF map memory: memlock of every vtap map this process holds ---- */

static double map_memlock_mib(int verbose)
{
	unsigned long long total = 0;
	__u32 seen[256];
	size_t n_seen = 0;
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		unsigned long long memlock = 0;
		char path[64], line[256];
		int fd = atoi(de->d_name);
		int is_map = 0;
		FILE *f;

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "map_type:", 9))
				is_map = 1;
			sscanf(line, "memlock: %llu", &memlock);
		}
		fclose(f);
		if (!is_map || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		if (strncmp(info.name, "vtap_", 5))
			continue; /* libbpf's internal maps (.rodata, ...) */
		/* the TC and XDP objects hold the same pinned maps: count each once */
		bool dup = false;

		for (size_t k = 0; k < n_seen && !dup; k++)
			dup = seen[k] == info.id;
		if (dup)
			continue;
		if (n_seen < sizeof(seen) / sizeof(seen[0]))
			seen[n_seen++] = info.id;
		if (verbose)
			printf("  %-12s %9.3f MiB\n", info.name, (double)memlock / (1 << 20));
		total += memlock;
	}
	closedir(d);
	return (double)total / (1 << 20);
}

/* ---- the benchmark ---- */

struct host {
	struct vtap_host_port ports[N_HOST_PORTS];
	__u32 sink[4];
};

static int parse_once(const char *dir, struct vtap_policy_set *set, double *ms)
{
	struct vtap_errors errs = { 0 };
	double t0 = now_ms();
	int ret = vtap_policy_load_dir(dir, set, &errs);

	*ms = now_ms() - t0;
	if (ret) {
		fprintf(stderr, "bench_swap: %s does not load:\n", dir);
		for (size_t i = 0; i < errs.n && i < 5; i++)
			fprintf(stderr, "  %s\n", errs.msgs[i]);
	}
	vtap_errors_free(&errs);
	return ret;
}

static int compile_once(const struct vtap_policy_set *set, const struct host *h,
			struct vtap_image *img, double *ms)
{
	struct vtap_compile_env env = { .ports = h->ports, .n_ports = N_HOST_PORTS };
	struct vtap_errors errs = { 0 };
	double t0;
	int ret;

	env.sink_ifindex = h->sink;
	t0 = now_ms();
	ret = vtap_compile(set, &env, img, &errs);
	*ms = now_ms() - t0;
	if (ret) {
		fprintf(stderr, "bench_swap: compile failed:\n");
		for (size_t i = 0; i < errs.n && i < 5; i++)
			fprintf(stderr, "  %s\n", errs.msgs[i]);
	}
	vtap_errors_free(&errs);
	return ret;
}

static void csv_row(const char *metric, int n, int run, double v, const char *unit)
{
	if (csv)
		fprintf(csv, "swap,%s,%d,%d,%.6f,%s\n", metric, n, run, v, unit);
}

int main(int argc, char **argv)
{
	double parse[N_SIZES][64], comp[N_SIZES][64], apply[N_SIZES][64], swap[N_SIZES][64];
	double mem[N_SIZES], pool[N_SIZES];
	char root[] = "/tmp/vtap-bench.XXXXXX", dir[PATH_MAX + 16], pin[64];
	struct vtap_loader ld;
	struct host h = { 0 };
	int runs = 7, ret = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv = fopen(argv[++i], "a");
			if (!csv) {
				perror("bench_swap: --csv");
				return 1;
			}
		} else if (!strcmp(argv[i], "--emit") && i + 1 < argc) {
			return emit_all(argv[++i]) ? 1 : 0;
		} else {
			fprintf(stderr, "usage: %s [--runs R] [--csv FILE] [--emit DIR]\n", argv[0]);
			return 2;
		}
	}
	if (runs < 5)
		runs = 5;
	if (runs > 63)
		runs = 63;
	vtap_log_init("bench_swap", VTAP_LOG_WARN, 0);
	vtap_bpf_log_init();

	for (int i = 0; i < N_HOST_PORTS; i++) {
		snprintf(h.ports[i].name, sizeof(h.ports[i].name), "vtb-p%d", i);
		h.ports[i].ifindex = 1001 + (__u32)i;
	}
	h.sink[0] = SINK_IFINDEX;

	if (!mkdtemp(root) || emit_all(root)) {
		perror("bench_swap: temporary policy directory");
		return 1;
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vtap-bench-%d", (int)getpid());
	if (vtap_loader_open(&ld, pin)) {
		fprintf(stderr, "bench_swap: cannot load the BPF object (root needed)\n");
		rm_tree(root);
		return 1;
	}

	/* Interleaved: every run visits every size, so drift hits all alike. A
	 * first, unrecorded round warms caches and fills both generations. */
	for (int run = -1; run < runs; run++) {
		for (int s = 0; s < N_SIZES; s++) {
			struct vtap_policy_set set = { 0 };
			struct vtap_image img;
			double tp, tc, ta, t0;

			snprintf(dir, sizeof(dir), "%s/n%d", root, sizes[s]);
			if (parse_once(dir, &set, &tp))
				goto out;
			if (compile_once(&set, &h, &img, &tc)) {
				vtap_policy_set_free(&set);
				goto out;
			}
			/* A reload replaces a rule set by one of its size: apply it
			 * twice untimed, so the generation the timed apply purges
			 * and rewrites holds this same set (steady state). */
			if (vtap_loader_apply(&ld, &img) || vtap_loader_apply(&ld, &img)) {
				vtap_image_free(&img);
				vtap_policy_set_free(&set);
				goto out;
			}
			t0 = now_ms();
			if (vtap_loader_apply(&ld, &img)) {
				vtap_image_free(&img);
				vtap_policy_set_free(&set);
				goto out;
			}
			ta = now_ms() - t0;
			if (run >= 0) {
				parse[s][run] = tp;
				comp[s][run] = tc;
				apply[s][run] = ta;
				swap[s][run] = tc + ta;
				csv_row("parse_ms", sizes[s], run, tp, "ms");
				csv_row("compile_ms", sizes[s], run, tc, "ms");
				csv_row("apply_ms", sizes[s], run, ta, "ms");
				csv_row("compile_apply_ms", sizes[s], run, tc + ta, "ms");
			}
			if (run == runs - 1) {
				mem[s] = map_memlock_mib(0);
				pool[s] = img.n_pool;
				csv_row("map_memlock_mib", sizes[s], run, mem[s], "MiB");
				csv_row("pool_bitmaps", sizes[s], run, pool[s], "count");
			}
			vtap_image_free(&img);
			vtap_policy_set_free(&set);
		}
	}

	printf("\n== policy reload: parse, compile, apply (median of %d runs, ms)\n", runs);
	printf("%7s %10s %10s %10s %16s %12s %14s\n", "rules", "parse", "compile", "apply",
	       "compile+apply", "bitmaps", "map MiB");
	for (int s = 0; s < N_SIZES; s++)
		printf("%7d %10.2f %10.2f %10.2f %16.2f %12.0f %14.2f\n", sizes[s],
		       median(parse[s], runs), median(comp[s], runs), median(apply[s], runs),
		       median(swap[s], runs), pool[s], mem[s]);
	{
		double sw = median(swap[N_SIZES - 1], runs);
		double full = sw + median(parse[N_SIZES - 1], runs);

		printf("target compile + atomic swap of 4096 rules < %.0f ms: %.2f ms -> %s"
		       " (with parsing: %.2f ms)\n",
		       SWAP_TARGET_MS, sw, sw < SWAP_TARGET_MS ? "MET" : "NOT MET", full);
		printf("\n== BPF map memory with 4096 rules applied (fdinfo memlock)\n");
		map_memlock_mib(1);
		printf("target BPF map memory < %.0f MiB: %.2f MiB -> %s\n", MEM_TARGET_MIB,
		       mem[N_SIZES - 1], mem[N_SIZES - 1] < MEM_TARGET_MIB ? "MET" : "NOT MET");
		if (csv) {
			fprintf(csv, "swap,summary_compile_apply_4096_ms,4096,-1,%.6f,ms\n", sw);
			fprintf(csv, "swap,summary_map_memlock_mib,4096,-1,%.6f,MiB\n",
				mem[N_SIZES - 1]);
		}
	}
	ret = 0;
out:
	vtap_loader_close(&ld, 1);
	rm_tree(root);
	if (csv)
		fclose(csv);
	return ret;
}
