// SPDX-License-Identifier: GPL-2.0
/* Watches: one streaming POST /v3/watch per watch, newline-separated JSON
 * messages. The watch remembers the next revision it owes its caller (the
 * last event's + 1, or a progress notification's + 1) and reopens a
 * broken stream from there, at the next endpoint, with the same
 * round-and-backoff rule as requests but never giving up: no event is
 * lost, none is delivered twice (events below that revision are dropped
 * should a server send them again). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/etcd_internal.h"

struct etcd_watch {
	enum etcd_xfer_kind xfer; /* first: CURLOPT_PRIVATE */
	struct etcd *e;
	struct etcd_list link; /* in e->watches */
	char *key;
	unsigned flags;
	int64_t next_rev; /* 0: "from now on", until the first stream opens */
	char *body;
	CURL *h;
	struct etcd_buf in;
	char curl_err[CURL_ERROR_SIZE];
	unsigned gen;	  /* bumped when a stream ends: its leftover bytes are void */
	size_t ep, tried; /* failover, as in etcd_req.c */
	int round;
	bool created; /* the current stream has been accepted */
	uint64_t created_at, last_rx;
	bool stopped; /* compacted: no more streams */
	bool dead;    /* etcd_watch_stop() from a callback: freed by the sweep */
	struct etcd_timer retry, idle;
	struct etcd_auth_wait auth; /* waiting for a token to open a stream */
	unsigned token_gen;	    /* the token the stream was opened with */
	struct etcd_req *probe;
	etcd_watch_fn fn;
	void *arg;
};

static void connect_stream(struct etcd_watch *w);

/* a note to the caller; false when the caller stopped the watch in it */
static bool note(struct etcd_watch *w, const struct etcd_watch_update *u)
{
	w->fn(w, u, w->arg);
	return !w->dead;
}

/* end the current stream (if any) without a word */
static void drop_stream(struct etcd_watch *w)
{
	etcd_easy_drop(w->e, &w->h);
	if (w->probe) {
		etcd_req_cancel(w->probe);
		w->probe = NULL;
	}
	etcd_timer_cancel(w->e, &w->idle);
	etcd_buf_free(&w->in);
	free(w->body);
	w->body = NULL;
	w->created = false;
	w->gen++;
}

/* the stream at w->ep failed or ended: say so, then the next endpoint now,
 * or after a backoff once a round over all of them has failed */
static void stream_failed(struct etcd_watch *w, const char *why)
{
	struct etcd *e = w->e;
	char msg[600];
	uint64_t now = etcd_now_ms(), wait = 0;

	/* a stream that lived a while starts a fresh round; one that dies
	 * right after opening (a member without leader) counts as a failure */
	if (w->created && now - w->created_at >= 1000) {
		w->tried = 0;
		w->round = 0;
	}
	drop_stream(w);
	etcd_fmt(msg, sizeof(msg), "etcd watch '%s' at %s: %s", w->key, e->ep[w->ep], why);
	if (!note(w, &(struct etcd_watch_update){
			 .note = ETCD_WATCH_ERROR, .endpoint = e->ep[w->ep], .msg = msg}))
		return;
	if (e->pref == w->ep)
		e->pref = (w->ep + 1) % e->n_ep;
	w->ep = (w->ep + 1) % e->n_ep;
	if (++w->tried >= e->n_ep) {
		w->tried = 0;
		wait = etcd_backoff(e, ++w->round);
	}
	etcd_timer_arm(e, &w->retry, wait);
}

static void retry_fire(struct etcd_timer *t)
{
	connect_stream(etcd_of(t, struct etcd_watch, retry));
}

static void probe_done(struct etcd_result *r, void *arg)
{
	struct etcd_watch *w = arg;
	char why[sizeof(r->msg) + 32];

	w->probe = NULL;
	if (!r->err)
		return;
	etcd_fmt(why, sizeof(why), "silent stream, probe failed: %s", r->msg);
	stream_failed(w, why);
}

/* opening: no answer within the attempt timeout is a failure; open: a
 * stream silent for watch_idle_ms has its endpoint probed */
static void idle_fire(struct etcd_timer *t)
{
	struct etcd_watch *w = etcd_of(t, struct etcd_watch, idle);
	struct etcd *e = w->e;
	char why[80];

	if (!w->created) {
		etcd_fmt(why, sizeof(why), "no answer within %d ms", e->o.attempt_timeout_ms);
		stream_failed(w, why);
		return;
	}
	if (!w->probe && etcd_now_ms() - w->last_rx >= (uint64_t)e->o.watch_idle_ms)
		w->probe =
		    etcd_req_start(e, ETCD_CALL_RANGE, w->key, etcd_body_range(w->key, 0, 0, 1),
				   (long)w->ep, e->o.attempt_timeout_ms, probe_done, w);
	etcd_timer_arm(e, &w->idle, (uint64_t)e->o.watch_idle_ms);
}

static void connect_stream(struct etcd_watch *w)
{
	struct etcd *e = w->e;

	drop_stream(w);
	if (!etcd_auth_ready(e, &w->auth))
		return; /* auth_ready() opens it */
	w->token_gen = e->token_gen;
	w->body = etcd_body_watch(w->key, w->flags, w->next_rev);
	if (w->body)
		w->h = etcd_easy(e, w->ep, etcd_call_path(ETCD_CALL_WATCH), w->body, 0, w, &w->in,
				 w->curl_err);
	if (!w->h) {
		/* out of memory: try again later rather than give up */
		etcd_timer_arm(e, &w->retry, (uint64_t)e->o.backoff_max_ms);
		return;
	}
	w->last_rx = etcd_now_ms();
	etcd_timer_arm(e, &w->idle, (uint64_t)e->o.attempt_timeout_ms);
}

static void auth_ready(struct etcd_auth_wait *a, int err, const char *msg)
{
	struct etcd_watch *w = etcd_of(a, struct etcd_watch, auth);

	if (err)
		stream_failed(w, msg); /* and again after a wait */
	else
		connect_stream(w);
}

/* etcd refused the stream's token: the next stream gets a new one */
static void token_refused(struct etcd_watch *w, int code, const char *msg)
{
	if (code == GRPC_UNAUTHENTICATED || strstr(msg, "invalid auth token"))
		etcd_auth_refused(w->e, w->token_gen);
}

static void on_created(struct etcd_watch *w, const struct etcd_watch_msg *m)
{
	struct etcd *e = w->e;

	w->created = true;
	w->created_at = etcd_now_ms();
	e->pref = w->ep;
	/* a watch "from now on" covers what follows the header's revision */
	if (!w->next_rev)
		w->next_rev = m->revision + 1;
	etcd_timer_arm(e, &w->idle, (uint64_t)e->o.watch_idle_ms);
	note(w, &(struct etcd_watch_update){.note = ETCD_WATCH_CONNECTED,
					    .endpoint = e->ep[w->ep],
					    .revision = w->next_rev});
}

static void on_events(struct etcd_watch *w, struct etcd_watch_msg *m)
{
	size_t skip = 0;

	/* a reopened stream starts at next_rev: anything older is a repeat */
	while (skip < m->n_events && m->events[skip].kv.mod_revision < w->next_rev)
		skip++;
	if (skip == m->n_events)
		return;
	w->next_rev = m->events[m->n_events - 1].kv.mod_revision + 1;
	note(w, &(struct etcd_watch_update){.note = ETCD_WATCH_EVENTS,
					    .events = m->events + skip,
					    .n_events = m->n_events - skip,
					    .revision = m->revision});
}

static void handle_msg(struct etcd_watch *w, const char *buf, size_t len)
{
	struct etcd_watch_msg m;
	char why[400];

	if (etcd_decode_watch(buf, len, &m)) {
		stream_failed(w, m.msg);
		return;
	}
	if (m.error_code >= 0) {
		token_refused(w, m.error_code, m.msg);
		etcd_fmt(why, sizeof(why), "%s (gRPC code %d)", m.msg, m.error_code);
		stream_failed(w, why);
		return;
	}
	/* created and canceled in one message (an expired token): never
	 * connected, so no CONNECTED before the error */
	if (m.created && !m.canceled) {
		on_created(w, &m);
		if (w->dead)
			goto out;
	}
	if (m.canceled && m.compact_revision > 0) {
		drop_stream(w);
		w->stopped = true;
		note(w, &(struct etcd_watch_update){.note = ETCD_WATCH_COMPACTED,
						    .revision = m.compact_revision});
	} else if (m.canceled) {
		token_refused(w, -1, m.msg);
		etcd_fmt(why, sizeof(why), "canceled by the server: %s",
			 m.msg[0] ? m.msg : "no reason");
		stream_failed(w, why);
	} else if (m.n_events) {
		on_events(w, &m);
	} else if (!m.created && w->created) {
		/* a progress notification: nothing up to m.revision is owed
		 * (etcd sends them only to watches that have caught up) */
		if (m.revision >= w->next_rev)
			w->next_rev = m.revision + 1;
		note(w, &(struct etcd_watch_update){.note = ETCD_WATCH_PROGRESS,
						    .revision = m.revision});
	}
out:
	etcd_watch_msg_free(&m);
}

/* every complete line received; at the stream's end (last) the rest too */
static void drain(struct etcd_watch *w, bool last)
{
	unsigned gen = w->gen;
	size_t off = 0;

	while (!w->dead && gen == w->gen && off < w->in.len) {
		char *p = w->in.p + off, *nl = memchr(p, '\n', w->in.len - off);
		size_t n = nl ? (size_t)(nl - p) : w->in.len - off;

		if (!nl && !last)
			break;
		off += n + (nl ? 1 : 0);
		w->last_rx = etcd_now_ms();
		if (strspn(p, " \t\r") < n)
			handle_msg(w, p, n);
	}
	if (w->dead || gen != w->gen)
		return; /* the buffer went with the stream */
	memmove(w->in.p, w->in.p + off, w->in.len - off);
	w->in.len -= off;
	w->in.p[w->in.len] = '\0';
}

void etcd_watches_drain(struct etcd *e)
{
	struct etcd_list *p;

	/* a callback may add watches (at the head, not visited) and stop
	 * some (freed only after dispatch) */
	for (p = e->watches.next; p != &e->watches; p = p->next) {
		struct etcd_watch *w = etcd_of(p, struct etcd_watch, link);

		if (!w->dead && w->h && w->in.len)
			drain(w, false);
	}
}

void etcd_watch_finished(struct etcd_watch *w, CURLcode rc)
{
	long http = 0;
	char why[CURL_ERROR_SIZE + 64];

	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &http);
	if (w->in.len)
		drain(w, true);
	if (w->dead || !w->h)
		return; /* a message ended it already */
	if (w->in.over)
		etcd_fmt(why, sizeof(why), "a message over %zu bytes", w->e->o.max_response);
	else if (rc != CURLE_OK)
		etcd_curl_why(w->e, w->ep, rc, w->curl_err, why, sizeof(why));
	else if (http != 200)
		etcd_fmt(why, sizeof(why), "HTTP status %ld", http);
	else
		etcd_fmt(why, sizeof(why), "stream closed by the server");
	stream_failed(w, why);
}

struct etcd_watch *etcd_watch_start(struct etcd *e, const char *key, unsigned flags,
				    int64_t start_revision, etcd_watch_fn fn, void *arg)
{
	struct etcd_watch *w = calloc(1, sizeof(*w));

	if (!w || !(w->key = strdup(key))) {
		free(w);
		return NULL;
	}
	w->xfer = ETCD_XFER_WATCH;
	w->e = e;
	w->flags = flags;
	w->next_rev = start_revision > 0 ? start_revision : 0;
	w->fn = fn;
	w->arg = arg;
	w->ep = e->pref;
	w->retry.fire = retry_fire;
	w->idle.fire = idle_fire;
	w->auth.ready = auth_ready;
	etcd_list_add(&e->watches, &w->link);
	connect_stream(w);
	return w;
}

int64_t etcd_watch_next_revision(const struct etcd_watch *w)
{
	return w->next_rev;
}

static void watch_free(struct etcd_watch *w)
{
	struct etcd *e = w->e;

	drop_stream(w);
	etcd_timer_cancel(e, &w->retry);
	etcd_list_del(&w->link);
	etcd_list_del(&w->auth.link);
	free(w->key);
	free(w);
}

void etcd_watch_stop(struct etcd_watch *w)
{
	if (!w)
		return;
	if (w->e->depth) {
		/* a callback may be running on it: end it now, free it later */
		drop_stream(w);
		etcd_timer_cancel(w->e, &w->retry);
		etcd_list_del(&w->auth.link);
		w->dead = true;
		w->e->dirty = true;
		return;
	}
	watch_free(w);
}

void etcd_watches_sweep(struct etcd *e, bool all)
{
	struct etcd_list *p, *next;

	for (p = e->watches.next; p != &e->watches; p = next) {
		struct etcd_watch *w = etcd_of(p, struct etcd_watch, link);

		next = p->next;
		if (all || w->dead)
			watch_free(w);
	}
}
