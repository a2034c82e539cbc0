// SPDX-License-Identifier: GPL-2.0
/* One request and its failover. It starts at the endpoint that answered
 * last; a connection error, a timeout or an "unavailable" answer (gRPC
 * Unavailable, DeadlineExceeded, ResourceExhausted: no leader, not
 * leader, request timed out, too many requests) moves it to the next
 * endpoint at once; after a round over every endpoint it waits
 * etcd_backoff() and goes round again, until its deadline. An answer that
 * is etcd's final word (invalid argument, revision compacted, lease not
 * found, ...) ends it at once.
 *
 * A mutation whose answer was lost (timeout after sending) is sent again:
 * a put or delete lands the same state twice (one more revision), and a
 * txn's compares decide whether it applies again. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/etcd_internal.h"

#define ERR_LEN sizeof(((struct etcd_req *)0)->errs[0])

static void attempt(struct etcd_req *r);

static void req_free(struct etcd_req *r)
{
	struct etcd *e = r->e;

	etcd_timer_cancel(e, &r->retry);
	etcd_easy_drop(e, &r->h);
	etcd_list_del(&r->link);
	etcd_list_del(&r->auth.link);
	etcd_result_free(&r->res);
	etcd_buf_free(&r->resp);
	free(r->errs);
	free(r->body);
	free(r);
}

void etcd_req_cancel(struct etcd_req *r)
{
	req_free(r);
}

static void deliver(struct etcd_req *r)
{
	if (r->done)
		r->done(&r->res, r->arg);
	req_free(r);
}

/* "etcd put '/key'", "etcd txn '/a' and 2 more", "etcd lease keepalive 42" */
static void what(const struct etcd_req *r, char *buf, size_t n)
{
	const char *op = etcd_call_name(r->kind);
	bool key =
	    r->kind == ETCD_CALL_RANGE || r->kind == ETCD_CALL_PUT || r->kind == ETCD_CALL_DELETE;

	if (!r->subject[0])
		etcd_fmt(buf, n, "etcd %s", op);
	else if (key)
		etcd_fmt(buf, n, "etcd %s '%s'", op, r->subject);
	else
		etcd_fmt(buf, n, "etcd %s %s", op, r->subject);
}

/* end with an error now (from the loop) */
static void fail(struct etcd_req *r, int err, const char *detail)
{
	char head[200];

	what(r, head, sizeof(head));
	etcd_result_free(&r->res);
	memset(&r->res, 0, sizeof(r->res));
	r->res.err = err;
	etcd_fmt(r->res.msg, sizeof(r->res.msg), "%s: %s", head, detail);
	deliver(r);
}

/* every endpoint's last failure, "URL: what; URL: what" */
static void endpoint_errors(const struct etcd_req *r, char *buf, size_t n)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < r->e->n_ep && len + 1 < n; i++) {
		if (!r->errs[i][0])
			continue;
		int k = snprintf(buf + len, n - len, "%s%s", len ? "; " : "", r->errs[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static void retry_fire(struct etcd_timer *t)
{
	struct etcd_req *r = etcd_of(t, struct etcd_req, retry);

	if (r->ended)
		deliver(r);
	else
		attempt(r);
}

/* ends r from the next dispatch: a start never calls back before it returns */
static void end_later(struct etcd_req *r, int err, const char *msg)
{
	char head[200];

	what(r, head, sizeof(head));
	r->res.err = err;
	etcd_fmt(r->res.msg, sizeof(r->res.msg), "%s: %s", head, msg);
	r->ended = true;
	etcd_timer_arm(r->e, &r->retry, 0);
}

/* "no endpoint answered within N ms (URL: what; ...)" */
static void timed_out(const struct etcd_req *r, char *buf, size_t n)
{
	char errs[sizeof(r->res.msg)];

	endpoint_errors(r, errs, sizeof(errs));
	etcd_fmt(buf, n, "no endpoint answered within %d ms (%s)", r->timeout_ms,
		 errs[0] ? errs : "no attempt finished");
}

static void attempt(struct etcd_req *r)
{
	struct etcd *e = r->e;
	uint64_t now = etcd_now_ms();
	char msg[sizeof(r->res.msg)];

	if (now >= r->deadline) {
		timed_out(r, msg, sizeof(msg));
		end_later(r, -ETIMEDOUT, msg);
		return;
	}
	uint64_t left = r->deadline - now;

	if (left > (uint64_t)e->o.attempt_timeout_ms)
		left = (uint64_t)e->o.attempt_timeout_ms;
	etcd_buf_free(&r->resp);
	r->token_gen = e->token_gen;
	r->h = etcd_easy(e, r->ep, etcd_call_path(r->kind), r->body, (long)left, r, &r->resp,
			 r->curl_err);
	if (!r->h)
		end_later(r, -ENOMEM, "out of memory");
}

/* the attempt at r->ep failed: next endpoint, next round, or the end */
static void next(struct etcd_req *r, bool transient, int err)
{
	struct etcd *e = r->e;
	char msg[sizeof(r->res.msg)];

	if (r->pinned) {
		fail(r, err, r->errs[r->ep]);
		return;
	}
	r->transient |= transient;
	r->tried++;
	/* steer the requests that start after this one away from it */
	if (e->pref == r->ep)
		e->pref = (r->ep + 1) % e->n_ep;
	r->ep = (r->ep + 1) % e->n_ep;
	if (r->tried < e->n_ep) {
		attempt(r);
		return;
	}
	if (!r->transient) {
		/* every endpoint refused for good (TLS): waiting will not help */
		endpoint_errors(r, msg, sizeof(msg));
		fail(r, err, msg);
		return;
	}
	r->round++;
	r->tried = 0;
	r->transient = false;
	uint64_t wait = etcd_backoff(e, r->round), now = etcd_now_ms();

	if (now + wait >= r->deadline) {
		timed_out(r, msg, sizeof(msg));
		fail(r, -ETIMEDOUT, msg);
		return;
	}
	etcd_timer_arm(e, &r->retry, wait);
}

static int grpc_errno(int code)
{
	switch (code) {
	case GRPC_INVALID_ARGUMENT:
	case GRPC_FAILED_PRECONDITION:
		return -EINVAL;
	case GRPC_NOT_FOUND:
		return -ENOENT;
	case GRPC_PERMISSION_DENIED:
	case GRPC_UNAUTHENTICATED:
		return -EPERM;
	case GRPC_OUT_OF_RANGE:
		return -ERANGE;
	default:
		return -EIO;
	}
}

bool etcd_grpc_transient(int code)
{
	return code == GRPC_UNAVAILABLE || code == GRPC_DEADLINE_EXCEEDED ||
	       code == GRPC_RESOURCE_EXHAUSTED;
}

/* an answer that is not 200 + a decodable body */
static void server_error(struct etcd_req *r, long http)
{
	char msg[400], head[200];
	const char *url = r->e->ep[r->ep];
	int code = r->resp.len ? etcd_decode_error(r->resp.p, r->resp.len, msg, sizeof(msg)) : -1;

	if (code < 0) {
		/* not etcd speaking: a proxy, or a broken answer */
		if (http == 200)
			etcd_fmt(r->errs[r->ep], ERR_LEN, "%s: %s", url, r->res.msg);
		else
			etcd_fmt(r->errs[r->ep], ERR_LEN, "%s: HTTP status %ld", url, http);
		next(r, true, http == 200 ? -EPROTO : -EIO);
		return;
	}
	/* a token etcd no longer knows (it expired, or etcd restarted): a
	 * new one, and this request again, once */
	if (code == GRPC_UNAUTHENTICATED && r->e->user && r->kind != ETCD_CALL_AUTH &&
	    !r->reauthed) {
		r->reauthed = true;
		etcd_auth_refused(r->e, r->token_gen);
		if (etcd_auth_ready(r->e, &r->auth))
			attempt(r);
		return;
	}
	if (etcd_grpc_transient(code)) {
		etcd_fmt(r->errs[r->ep], ERR_LEN, "%s: %s", url, msg);
		next(r, true, -EAGAIN);
		return;
	}
	what(r, head, sizeof(head));
	etcd_result_free(&r->res);
	memset(&r->res, 0, sizeof(r->res));
	r->res.err = grpc_errno(code);
	etcd_fmt(r->res.msg, sizeof(r->res.msg), "%s at %s: %s", head, url, msg);
	deliver(r);
}

void etcd_req_finished(struct etcd_req *r, CURLcode rc)
{
	struct etcd *e = r->e;
	long http = 0;
	const char *url = e->ep[r->ep];

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &http);
	etcd_easy_drop(e, &r->h);
	if (rc != CURLE_OK) {
		if (r->resp.over) {
			char detail[64];

			etcd_fmt(detail, sizeof(detail), "answer over %zu bytes",
				 e->o.max_response);
			etcd_fmt(r->errs[r->ep], ERR_LEN, "%s: %s", url, detail);
			fail(r, -EFBIG, r->errs[r->ep]);
			return;
		}
		char why[ERR_LEN];

		etcd_curl_why(e, r->ep, rc, r->curl_err, why, sizeof(why));
		etcd_fmt(r->errs[r->ep], ERR_LEN, "%s: %s", url, why);
		next(r, !etcd_curl_tls_error(rc), etcd_curl_errno(rc));
		return;
	}
	if (http != 200 || !r->resp.len ||
	    etcd_decode_answer(r->kind, r->resp.p, r->resp.len, &r->res)) {
		server_error(r, http);
		return;
	}
	e->pref = r->ep;
	deliver(r);
}

/* the token it waited for is there, or could not be had */
static void auth_ready(struct etcd_auth_wait *w, int err, const char *msg)
{
	struct etcd_req *r = etcd_of(w, struct etcd_req, auth);

	if (err)
		fail(r, err, msg);
	else
		attempt(r);
}

struct etcd_req *etcd_req_start(struct etcd *e, enum etcd_call_kind kind, const char *subject,
				char *body, long ep_pin, int timeout_ms, etcd_done_fn done,
				void *arg)
{
	struct etcd_req *r = calloc(1, sizeof(*r));

	if (r)
		r->errs = calloc(e->n_ep, ERR_LEN);
	if (!r || !r->errs || !body) {
		if (r)
			free(r->errs);
		free(r);
		free(body);
		return NULL;
	}
	r->xfer = ETCD_XFER_REQ;
	r->e = e;
	r->kind = kind;
	r->body = body;
	etcd_copy_text(r->subject, sizeof(r->subject), subject ? subject : "");
	r->done = done;
	r->arg = arg;
	r->retry.fire = retry_fire;
	etcd_list_add(&e->reqs, &r->link);
	r->pinned = ep_pin >= 0;
	r->ep = r->pinned ? (size_t)ep_pin : e->pref;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : e->o.request_timeout_ms;
	r->deadline = etcd_now_ms() + (uint64_t)r->timeout_ms;
	r->auth.ready = auth_ready;
	/* the authentication itself goes without a token */
	if (kind == ETCD_CALL_AUTH || etcd_auth_ready(e, &r->auth))
		attempt(r);
	return r;
}

struct sync_call {
	bool done;
	struct etcd_result *out;
};

static void sync_done(struct etcd_result *r, void *arg)
{
	struct sync_call *s = arg;

	*s->out = *r;
	r->kvs = NULL; /* now the caller's */
	r->n_kvs = 0;
	s->done = true;
}

int etcd_req_sync(struct etcd *e, enum etcd_call_kind kind, const char *subject, char *body,
		  struct etcd_result *out)
{
	struct sync_call s = {.out = out};

	memset(out, 0, sizeof(*out));
	if (e->depth) {
		free(body);
		out->err = -EDEADLK;
		etcd_fmt(out->msg, sizeof(out->msg), "etcd %s: a blocking call from a callback",
			 etcd_call_name(kind));
		return out->err;
	}
	if (!etcd_req_start(e, kind, subject, body, -1, 0, sync_done, &s)) {
		out->err = -ENOMEM;
		etcd_fmt(out->msg, sizeof(out->msg), "etcd %s: out of memory",
			 etcd_call_name(kind));
		return out->err;
	}
	while (!s.done)
		etcd_wait(e, -1);
	return out->err;
}
