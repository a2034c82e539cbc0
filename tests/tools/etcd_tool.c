// SPDX-License-Identifier: GPL-2.0
/* etcd_tool: the store client (user/store) from the command line, for the
 * namespace tests. One line per fact on stdout, values in hex, so a shell
 * script can compare bytes. The watch and lease commands run an epoll loop
 * over etcd_fd(), the way vtapd will.
 *
 *   etcd_tool [OPTIONS] put KEY VALUE | put-hex KEY HEX
 *   etcd_tool [OPTIONS] get KEY [--prefix] [--rev R]
 *   etcd_tool [OPTIONS] del KEY [--prefix]
 *   etcd_tool [OPTIONS] txn [--if-mod KEY=REV]... KEY=HEX...
 *   etcd_tool [OPTIONS] compact REV
 *   etcd_tool [OPTIONS] write PREFIX N          (N puts PREFIX00000..., one per line)
 *   etcd_tool [OPTIONS] watch KEY [--prefix] [--rev R] [--until-rev R] [--until-key K]
 *                             [--seconds S]
 *   etcd_tool [OPTIONS] lease-hold KEY VALUE --ttl T [--seconds S] [--revoke]
 * OPTIONS: --endpoints URL[,URL...] --cacert F --cert F --key F
 *          --timeout MS --attempt-timeout MS --idle MS
 * Exit: 0 done, 1 an etcd error (message on stderr), 2 usage, 3 watch
 * compacted, 4 watch ran out of time before --until-rev or --until-key. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/etcd.h"

static int usage(void)
{
	fprintf(stderr, "usage: etcd_tool [--endpoints URL,...] [--cacert F --cert F --key F] "
			"[--timeout MS] COMMAND ... (see tests/tools/etcd_tool.c)\n");
	return 2;
}

static void print_hex(const unsigned char *p, size_t n)
{
	size_t i;

	if (!n)
		fputs("-", stdout);
	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* hex text to bytes; "-" is empty */
static unsigned char *from_hex(const char *s, size_t *len)
{
	size_t n = strcmp(s, "-") ? strlen(s) : 0, i;
	unsigned char *out = malloc(n / 2 + 1);

	if (!out || n % 2)
		return free(out), NULL;
	for (i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return free(out), NULL;
		out[i] = (unsigned char)v;
	}
	*len = n / 2;
	return out;
}

static int fail(struct etcd_result *r)
{
	fprintf(stderr, "etcd_tool: %s\n", r->msg);
	etcd_result_free(r);
	return 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* the daemon's way: poll etcd_fd with whatever else, dispatch when ready */
static void loop_until(struct etcd *e, uint64_t deadline, const int *stop)
{
	while (!*stop && now_ms() < deadline) {
		struct pollfd p = {.fd = etcd_fd(e), .events = POLLIN};
		uint64_t left = deadline - now_ms();

		if (poll(&p, 1, left > 1000 ? 1000 : (int)left) > 0)
			etcd_dispatch(e);
	}
}

/* --prefix and --rev R, for get and watch; false when argv[*i] is neither */
static bool key_opt(int argc, char **argv, int *i, unsigned *flags, int64_t *rev)
{
	if (!strcmp(argv[*i], "--prefix")) {
		*flags |= ETCD_PREFIX;
		return true;
	}
	if (!strcmp(argv[*i], "--rev") && *i + 1 < argc) {
		*rev = strtoll(argv[++*i], NULL, 10);
		return true;
	}
	return false;
}

static int cmd_get(struct etcd *e, int argc, char **argv)
{
	unsigned flags = 0;
	int64_t rev = 0;
	struct etcd_result r;
	int i;

	for (i = 1; i < argc; i++)
		if (!key_opt(argc, argv, &i, &flags, &rev))
			return usage();
	if (etcd_range(e, argv[0], flags, rev, 0, &r))
		return fail(&r);
	printf("REV %" PRId64 " COUNT %" PRId64 "\n", r.revision, r.count);
	for (size_t k = 0; k < r.n_kvs; k++) {
		printf("KV %s %" PRId64 " %" PRId64 " ", r.kvs[k].key, r.kvs[k].mod_revision,
		       r.kvs[k].lease);
		print_hex(r.kvs[k].value, r.kvs[k].value_len);
		printf("\n");
	}
	etcd_result_free(&r);
	return 0;
}

static int cmd_put(struct etcd *e, const char *key, const void *v, size_t len)
{
	struct etcd_result r;

	if (etcd_put(e, key, v, len, 0, &r))
		return fail(&r);
	printf("REV %" PRId64 "\n", r.revision);
	return 0;
}

static int cmd_txn(struct etcd *e, int argc, char **argv)
{
	struct etcd_cmp cmps[64];
	struct etcd_op ops[128];
	size_t nc = 0, no = 0, k;
	struct etcd_result r;
	int i, rc = 2;

	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!strcmp(argv[i], "--if-mod") && i + 1 < argc && nc < 64) {
			eq = strchr(argv[++i], '=');
			if (!eq)
				goto out;
			*eq = '\0';
			cmps[nc++] = (struct etcd_cmp){.key = argv[i],
						       .target = ETCD_CMP_MOD,
						       .result = ETCD_CMP_EQUAL,
						       .value = strtoll(eq + 1, NULL, 10)};
		} else if (eq && no < 128) {
			*eq = '\0';
			ops[no] = (struct etcd_op){.type = ETCD_OP_PUT, .key = argv[i]};
			ops[no].value = from_hex(eq + 1, &ops[no].value_len);
			if (!ops[no++].value)
				goto out;
		} else {
			goto out;
		}
	}
	rc = 1;
	if (etcd_txn(e, cmps, nc, ops, no, &r)) {
		fail(&r);
		goto out;
	}
	printf("TXN %s REV %" PRId64 "\n", r.succeeded ? "succeeded" : "failed", r.revision);
	rc = 0;
out:
	for (k = 0; k < no; k++)
		free((void *)ops[k].value);
	return rc == 2 ? usage() : rc;
}

/* N puts, one after the other; a put that fails is reported and tried
 * again, up to 3 times */
static int cmd_write(struct etcd *e, const char *prefix, long n)
{
	char key[512], val[32];
	int bad = 0;

	for (long i = 0; i < n; i++) {
		struct etcd_result r;
		int tries;

		snprintf(key, sizeof(key), "%s%05ld", prefix, i);
		snprintf(val, sizeof(val), "v%ld", i);
		for (tries = 0; tries < 3; tries++) {
			if (!etcd_put(e, key, val, strlen(val), 0, &r))
				break;
			printf("ERROR %s\n", r.msg);
		}
		if (tries == 3) {
			bad = 1;
			continue;
		}
		printf("PUT %s %" PRId64 "\n", key, r.revision);
	}
	return bad;
}

struct watch_state {
	int64_t until;
	const char *until_key;
	int stop, rc;
};

static void on_watch(struct etcd_watch *w, const struct etcd_watch_update *u, void *arg)
{
	struct watch_state *s = arg;
	size_t i;

	(void)w;
	switch (u->note) {
	case ETCD_WATCH_CONNECTED:
		printf("CONNECTED %s %" PRId64 "\n", u->endpoint, u->revision);
		break;
	case ETCD_WATCH_EVENTS:
		for (i = 0; i < u->n_events; i++) {
			const struct etcd_event *ev = &u->events[i];

			printf("%s %s %" PRId64 " ", ev->type == ETCD_EVENT_PUT ? "PUT" : "DELETE",
			       ev->kv.key, ev->kv.mod_revision);
			print_hex(ev->kv.value, ev->kv.value_len);
			printf("\n");
			if (s->until && ev->kv.mod_revision >= s->until)
				s->stop = 1;
			if (s->until_key && !strcmp(ev->kv.key, s->until_key))
				s->stop = 1;
		}
		break;
	case ETCD_WATCH_PROGRESS:
		printf("PROGRESS %" PRId64 "\n", u->revision);
		if (s->until && u->revision >= s->until)
			s->stop = 1;
		break;
	case ETCD_WATCH_COMPACTED:
		printf("COMPACTED %" PRId64 "\n", u->revision);
		s->stop = 1;
		s->rc = 3;
		break;
	case ETCD_WATCH_ERROR:
		printf("ERROR %s\n", u->msg);
		break;
	}
}

static int cmd_watch(struct etcd *e, int argc, char **argv)
{
	struct watch_state s = {.rc = 4};
	unsigned flags = 0;
	int64_t rev = 0;
	double seconds = 30;
	int i;

	for (i = 1; i < argc; i++) {
		if (key_opt(argc, argv, &i, &flags, &rev))
			continue;
		if (!strcmp(argv[i], "--until-rev") && i + 1 < argc)
			s.until = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--until-key") && i + 1 < argc)
			s.until_key = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else
			return usage();
	}
	struct etcd_watch *w = etcd_watch_start(e, argv[0], flags, rev, on_watch, &s);

	if (!w)
		return 1;
	loop_until(e, now_ms() + (uint64_t)(seconds * 1000), &s.stop);
	if (s.stop && s.rc == 4)
		s.rc = 0;
	printf("NEXT %" PRId64 "\n", etcd_watch_next_revision(w));
	etcd_watch_stop(w);
	return s.until || s.until_key || s.rc == 3 ? s.rc : 0;
}

struct hold_state {
	struct etcd *e;
	const char *key, *value;
	int stop;
};

static void on_put(struct etcd_result *r, void *arg)
{
	(void)arg;
	if (r->err)
		printf("ERROR %s\n", r->msg);
	else
		printf("PUT %" PRId64 "\n", r->revision);
}

static void on_lease(struct etcd_lease *l, enum etcd_lease_note note, int64_t id, const char *msg,
		     void *arg)
{
	struct hold_state *h = arg;

	(void)l;
	if (note == ETCD_LEASE_ERROR) {
		printf("ERROR %s\n", msg);
		return;
	}
	printf("GRANTED %" PRId64 "%s%s\n", id, msg ? " " : "", msg ? msg : "");
	/* the key again under the new lease */
	if (etcd_put_async(h->e, h->key, h->value, strlen(h->value), id, on_put, NULL))
		printf("ERROR put: out of memory\n");
}

static int cmd_hold(struct etcd *e, int argc, char **argv)
{
	struct hold_state h = {.e = e, .key = argv[0], .value = argv[1]};
	int64_t ttl = 0;
	double seconds = 10;
	bool revoke = false;
	int i;

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ttl") && i + 1 < argc)
			ttl = strtoll(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--revoke"))
			revoke = true;
		else
			return usage();
	}
	struct etcd_lease *l = etcd_lease_start(e, ttl, on_lease, &h);

	if (!l)
		return usage();
	loop_until(e, now_ms() + (uint64_t)(seconds * 1000), &h.stop);
	printf("LEASE %" PRId64 "\n", etcd_lease_id(l));
	etcd_lease_stop(l, revoke);
	return 0;
}

static int run(struct etcd *e, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "put") && argc == 3)
		return cmd_put(e, argv[1], argv[2], strlen(argv[2]));
	if (!strcmp(cmd, "put-hex") && argc == 3) {
		size_t len;
		unsigned char *v = from_hex(argv[2], &len);

		if (!v)
			return usage();
		int rc = cmd_put(e, argv[1], v, len);

		free(v);
		return rc;
	}
	if (!strcmp(cmd, "get") && argc >= 2)
		return cmd_get(e, argc - 1, argv + 1);
	if (!strcmp(cmd, "del") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--prefix")))) {
		struct etcd_result r;

		if (etcd_delete(e, argv[1], argc == 3 ? ETCD_PREFIX : 0, &r))
			return fail(&r);
		printf("DELETED %" PRId64 " REV %" PRId64 "\n", r.count, r.revision);
		return 0;
	}
	if (!strcmp(cmd, "txn"))
		return cmd_txn(e, argc - 1, argv + 1);
	if (!strcmp(cmd, "compact") && argc == 2) {
		struct etcd_result r;

		if (etcd_compact(e, strtoll(argv[1], NULL, 10), &r))
			return fail(&r);
		printf("REV %" PRId64 "\n", r.revision);
		return 0;
	}
	if (!strcmp(cmd, "write") && argc == 3)
		return cmd_write(e, argv[1], strtol(argv[2], NULL, 10));
	if (!strcmp(cmd, "watch") && argc >= 2)
		return cmd_watch(e, argc - 1, argv + 1);
	if (!strcmp(cmd, "lease-hold") && argc >= 3)
		return cmd_hold(e, argc - 1, argv + 1);
	return usage();
}

int main(int argc, char **argv)
{
	struct etcd_opts o = {.endpoints = "http://127.0.0.1:2379"};
	char err[512];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const char *v = argv[i + 1];

		if (!strcmp(argv[i], "--endpoints"))
			o.endpoints = v;
		else if (!strcmp(argv[i], "--cacert"))
			o.cacert = v;
		else if (!strcmp(argv[i], "--cert"))
			o.cert = v;
		else if (!strcmp(argv[i], "--key"))
			o.key = v;
		else if (!strcmp(argv[i], "--timeout"))
			o.request_timeout_ms = atoi(v);
		else if (!strcmp(argv[i], "--attempt-timeout"))
			o.attempt_timeout_ms = atoi(v);
		else if (!strcmp(argv[i], "--idle"))
			o.watch_idle_ms = atoi(v);
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	struct etcd *e = etcd_new(&o, err, sizeof(err));

	if (!e) {
		fprintf(stderr, "etcd_tool: %s\n", err);
		return 2;
	}
	int rc = run(e, argc - i, argv + i);

	etcd_free(e);
	return rc;
}
