// SPDX-License-Identifier: GPL-2.0
/* bench_cluster: how long a cluster edit takes to reach every node.
 *
 * With N vtapds in cluster mode on the store (scripts/bench-cluster.sh
 * starts them), it watches PREFIX/status/ and makes --edits edits, one
 * after the other: each runs `vtapctl --etcd EPS cluster apply FILE` (FILE:
 * the --doc template with @EDIT@ replaced by the edit's number, so every
 * edit changes the set) and takes the moment it returns (t_ret). Then, per
 * edit:
 *   applied  the last node's status with a revision >= the edit's reaching
 *            this watch, after t_ret: "every node reports the new revision"
 *   notified the last node's watch event for the edit's revision, by the
 *            node's own clock (its status says when the event arrived,
 *            event.at_ms), after t_ret; the same host, so one clock
 *   sent     the same, from the moment vtapctl was started (it reads the
 *            files and the store before its transaction): an upper bound
 * Each edit waits until every node applied it, then --pause ms. It also
 * counts the status puts and their bytes.
 *
 * Usage: bench_cluster --endpoints EPS --nodes N --doc FILE --vtapctl PATH
 *        [--prefix P] [--edits E] [--pause MS] [--csv FILE --label L]
 * Prints one line per edit and a summary; --csv appends rows
 * "cluster,METRIC,LABEL,EDIT,VALUE,ms". */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "store/etcd.h"

#define MAX_NODES 1024

struct node {
	char name[64];
	int64_t revision; /* its status' revision */
	double event_at;  /* its status' event.at_ms */
	int64_t event_rev;
	double seen_at; /* when a status with revision >= want first came */
};

static struct {
	struct node v[MAX_NODES];
	size_t n;
	int64_t want; /* the edit's revision (0: none yet) */
	size_t reached;
	unsigned long puts;
	unsigned long long bytes;
	size_t prefix_len;
} S;

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct node *node_of(const char *name)
{
	for (size_t i = 0; i < S.n; i++)
		if (!strcmp(S.v[i].name, name))
			return &S.v[i];
	if (S.n == MAX_NODES)
		return NULL;
	snprintf(S.v[S.n].name, sizeof(S.v[S.n].name), "%s", name);
	return &S.v[S.n++];
}

static void status(const char *key, const unsigned char *v, size_t len, double now)
{
	json_t *j = json_loadb((const char *)v, len, 0, NULL);
	struct node *n = node_of(key + S.prefix_len);

	if (!j || !n) {
		json_decref(j);
		return;
	}
	n->revision = json_integer_value(json_object_get(j, "revision"));
	n->event_rev = json_integer_value(json_object_get(json_object_get(j, "event"), "revision"));
	n->event_at = json_real_value(json_object_get(json_object_get(j, "event"), "at_ms"));
	if (S.want && n->revision >= S.want && !n->seen_at) {
		n->seen_at = now;
		S.reached++;
	}
	json_decref(j);
}

static void on_watch(struct etcd_watch *w, const struct etcd_watch_update *u, void *arg)
{
	double now = wall_ms();

	(void)w;
	(void)arg;
	if (u->note == ETCD_WATCH_ERROR)
		fprintf(stderr, "bench_cluster: %s\n", u->msg);
	if (u->note != ETCD_WATCH_EVENTS)
		return;
	for (size_t i = 0; i < u->n_events; i++) {
		if (u->events[i].type != ETCD_EVENT_PUT)
			continue;
		S.puts++;
		S.bytes += u->events[i].kv.value_len;
		status(u->events[i].kv.key, u->events[i].kv.value, u->events[i].kv.value_len, now);
	}
}

/* the template with @EDIT@ replaced */
static int write_doc(const char *tmpl, const char *out, int k)
{
	FILE *in = fopen(tmpl, "r"), *o = fopen(out, "w");
	char line[4096], *at;

	if (!in || !o) {
		if (in)
			fclose(in);
		if (o)
			fclose(o);
		return -1;
	}
	while (fgets(line, sizeof(line), in)) {
		if ((at = strstr(line, "@EDIT@"))) {
			*at = '\0';
			fprintf(o, "%s%d%s", line, k, at + 6);
		} else {
			fputs(line, o);
		}
	}
	fclose(in);
	return fclose(o);
}

/* vtapctl cluster apply, the loop turning meanwhile; its revision */
static int64_t apply(struct etcd *e, const char *vtapctl, const char *eps, const char *prefix,
		     const char *doc)
{
	char buf[4096];
	size_t got = 0;
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(vtapctl, vtapctl, "--etcd", eps, "--etcd-prefix", prefix, "cluster", "apply",
		      doc, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd fds[2] = {{.fd = p[0], .events = POLLIN},
					{.fd = etcd_fd(e), .events = POLLIN}};

		poll(fds, 2, 100);
		if (fds[1].revents)
			etcd_dispatch(e);
		if (fds[0].revents) {
			ssize_t n = read(p[0], buf + got, sizeof(buf) - 1 - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	buf[got] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) || strncmp(buf, "revision ", 9))
		return -1;
	return strtoll(buf + 9, NULL, 10);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank */
static double pct(double *v, size_t n, double p)
{
	size_t r = (size_t)(p / 100.0 * (double)n + 0.999999);

	qsort(v, n, sizeof(*v), cmp_d);
	return n ? v[(r ? r : 1) - 1] : 0;
}

int main(int argc, char **argv)
{
	const char *eps = NULL, *doc = NULL, *vtapctl = NULL, *prefix = "/vtap", *csv = NULL,
		   *label = "";
	int edits = 20, pause_ms = 300;
	size_t want_nodes = 0;
	char key[512], tmp[] = "/tmp/bench-cluster-XXXXXX", file[4200], err[512];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--endpoints"))
			eps = argv[i + 1];
		else if (!strcmp(argv[i], "--nodes"))
			want_nodes = (size_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--doc"))
			doc = argv[i + 1];
		else if (!strcmp(argv[i], "--vtapctl"))
			vtapctl = argv[i + 1];
		else if (!strcmp(argv[i], "--prefix"))
			prefix = argv[i + 1];
		else if (!strcmp(argv[i], "--edits"))
			edits = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pause"))
			pause_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--csv"))
			csv = argv[i + 1];
		else if (!strcmp(argv[i], "--label"))
			label = argv[i + 1];
	}
	if (!eps || !doc || !vtapctl || !want_nodes || edits < 1 || !mkdtemp(tmp)) {
		fprintf(stderr, "usage: bench_cluster --endpoints EPS --nodes N --doc FILE "
				"--vtapctl PATH [--prefix P] [--edits E] [--pause MS] [--csv F "
				"--label L]\n");
		return 2;
	}
	/* the same name: the same document in the store */
	snprintf(file, sizeof(file), "%s/%s", tmp, strrchr(doc, '/') ? strrchr(doc, '/') + 1 : doc);
	snprintf(key, sizeof(key), "%s/status/", prefix);
	S.prefix_len = strlen(key);

	struct etcd *e = etcd_new(&(struct etcd_opts){.endpoints = eps}, err, sizeof(err));
	struct etcd_result r;

	if (!e || etcd_range(e, key, ETCD_PREFIX, 0, 0, &r)) {
		fprintf(stderr, "bench_cluster: %s\n", e ? r.msg : err);
		return 1;
	}
	for (size_t i = 0; i < r.n_kvs; i++)
		status(r.kvs[i].key, r.kvs[i].value, r.kvs[i].value_len, wall_ms());
	etcd_watch_start(e, key, ETCD_PREFIX, r.revision + 1, on_watch, NULL);
	etcd_result_free(&r);
	/* every node's status: a node whose loop was held up past its lease's
	 * TTL (a hundred nodes applying 4096 rules on two CPUs) puts it again
	 * under a new lease */
	for (double t = wall_ms(); S.n < want_nodes && wall_ms() - t < 600000;)
		etcd_wait(e, 100);
	if (S.n != want_nodes) {
		fprintf(stderr, "bench_cluster: %zu nodes publish a status, not %zu\n", S.n,
			want_nodes);
		return 1;
	}

	double *applied = calloc((size_t)edits, sizeof(double));
	double *notified = calloc((size_t)edits, sizeof(double));
	double *sent = calloc((size_t)edits, sizeof(double));
	double *each = calloc((size_t)edits * want_nodes, sizeof(double));
	size_t n_each = 0, done = 0;
	unsigned long puts0 = S.puts;
	unsigned long long bytes0 = S.bytes;
	FILE *out = csv ? fopen(csv, "a") : NULL;

	printf("%5s %9s %10s %12s %12s %10s\n", "edit", "revision", "apply ms", "applied ms",
	       "notified ms", "sent ms");
	for (int k = 1; k <= edits; k++) {
		double t0, t_ret, last_seen = 0, last_event = 0;

		if (write_doc(doc, file, 20000 + k)) {
			fprintf(stderr, "bench_cluster: cannot write %s\n", file);
			return 1;
		}
		for (size_t i = 0; i < S.n; i++)
			S.v[i].seen_at = 0;
		S.reached = 0;
		S.want = INT64_MAX; /* nothing counts until the revision is known */
		t0 = wall_ms();
		int64_t rev = apply(e, vtapctl, eps, prefix, file);
		t_ret = wall_ms();
		if (rev <= 0) {
			fprintf(stderr, "bench_cluster: edit %d: cluster apply failed\n", k);
			return 1;
		}
		/* statuses that came while vtapctl ran */
		S.want = rev;
		for (size_t i = 0; i < S.n; i++) {
			if (S.v[i].revision >= rev && !S.v[i].seen_at) {
				S.v[i].seen_at = t_ret;
				S.reached++;
			}
		}
		while (S.reached < S.n && wall_ms() - t_ret < 300000)
			etcd_wait(e, 100);
		if (S.reached < S.n) {
			fprintf(stderr, "bench_cluster: edit %d: %zu of %zu nodes in 300 s\n", k,
				S.reached, S.n);
			return 1;
		}
		for (size_t i = 0; i < S.n; i++) {
			struct node *n = &S.v[i];

			if (n->seen_at > last_seen)
				last_seen = n->seen_at;
			/* the node's own record of the event of this revision */
			if (n->event_rev == rev) {
				each[n_each++] = n->event_at - t_ret;
				if (n->event_at > last_event)
					last_event = n->event_at;
			}
		}
		applied[done] = last_seen - t_ret;
		notified[done] = last_event - t_ret;
		sent[done] = last_event - t0;
		printf("%5d %9" PRId64 " %10.1f %12.1f %12.1f %10.1f\n", k, rev, t_ret - t0,
		       applied[done], notified[done], sent[done]);
		if (out)
			fprintf(
			    out,
			    "cluster,applied_all_ms,%s,%d,%.2f,ms\ncluster,notified_all_ms,%s,%d,"
			    "%.2f,ms\ncluster,notified_from_start_ms,%s,%d,%.2f,ms\n",
			    label, k, applied[done], label, k, notified[done], label, k,
			    sent[done]);
		done++;
		/* the nodes' status puts are rate-bounded (100 ms): let them rest */
		double until = wall_ms() + pause_ms;
		while (wall_ms() < until)
			etcd_wait(e, (int)(until - wall_ms()) + 1);
	}
	printf("summary %s: %zu nodes, %d edits: every node applied: median %.1f ms, p99 %.1f ms; "
	       "every node notified: median %.1f ms, p99 %.1f ms (from vtapctl's start: median "
	       "%.1f, p99 %.1f); one node notified, p99 over %zu node-edits: %.1f ms; status "
	       "puts %.2f per node per edit, %.0f bytes each\n",
	       label, S.n, edits, pct(applied, done, 50), pct(applied, done, 99),
	       pct(notified, done, 50), pct(notified, done, 99), pct(sent, done, 50),
	       pct(sent, done, 99), n_each, pct(each, n_each, 99),
	       (double)(S.puts - puts0) / (double)S.n / edits,
	       S.puts > puts0 ? (double)(S.bytes - bytes0) / (double)(S.puts - puts0) : 0);
	/* design §7: "a cluster edit reaching 100 nodes (notification, p99) < 100 ms" */
	if (S.n >= 100)
		printf("target a cluster edit reaching %zu nodes (notification, p99) < 100 ms, %s: "
		       "%.1f ms after cluster apply returned (%.1f ms from its start) -> %s\n",
		       S.n, label, pct(notified, done, 99), pct(sent, done, 99),
		       pct(notified, done, 99) < 100 ? "MET" : "NOT MET");
	if (out) {
		fprintf(out, "cluster,notified_p99_ms,%s,0,%.2f,ms\n", label,
			pct(notified, done, 99));
		fprintf(out, "cluster,applied_p99_ms,%s,0,%.2f,ms\n", label,
			pct(applied, done, 99));
		fprintf(out, "cluster,status_put_bytes,%s,0,%.0f,B\n", label,
			S.puts > puts0 ? (double)(S.bytes - bytes0) / (double)(S.puts - puts0) : 0);
		fclose(out);
	}
	unlink(file);
	rmdir(tmp);
	etcd_free(e);
	return 0;
}
