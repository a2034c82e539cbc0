/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the etcd client: the loop (etcd_loop.c), one request with its
 * failover (etcd_req.c), watches (etcd_watch.c), leases (etcd_lease.c). */
#ifndef VTAP_STORE_ETCD_INTERNAL_H
#define VTAP_STORE_ETCD_INTERNAL_H

#include <stddef.h>
#include <curl/curl.h>
#include "store/etcd.h"
#include "store/etcd_json.h"

/* a circular doubly linked list: the client's requests, watches, leases
 * and timers; a zeroed node is "not in a list" */
struct etcd_list {
	struct etcd_list *prev, *next;
};
#define etcd_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static inline void etcd_list_init(struct etcd_list *head)
{
	head->prev = head->next = head;
}

static inline bool etcd_list_linked(const struct etcd_list *n)
{
	return n->next && n->next != n;
}

static inline void etcd_list_add(struct etcd_list *head, struct etcd_list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void etcd_list_del(struct etcd_list *n)
{
	if (!etcd_list_linked(n))
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
}

/* a deadline in the loop; due is CLOCK_MONOTONIC milliseconds, 0 = idle */
struct etcd_timer {
	uint64_t due;
	void (*fire)(struct etcd_timer *t);
	struct etcd_list link;
};

/* bytes received, bounded */
struct etcd_buf {
	char *p;
	size_t len, cap, max;
	bool over; /* more than max arrived */
};

/* A request or a watch waiting for a token (etcd_auth.c) */
struct etcd_auth_wait {
	struct etcd_list link; /* in e->auth_waiters */
	/* err 0: a token is there, go on; else the authentication failed
	 * (msg says why). Called from the loop. */
	void (*ready)(struct etcd_auth_wait *w, int err, const char *msg);
};

/* what CURLOPT_PRIVATE points at: a request or a watch stream */
enum etcd_xfer_kind { ETCD_XFER_REQ, ETCD_XFER_WATCH };

struct etcd {
	CURLM *multi;
	int epfd;	   /* curl's sockets and tfd: what etcd_fd() returns */
	int tfd;	   /* timerfd at the earliest of curl_due and the timers */
	uint64_t curl_due; /* curl's own timeout, 0 = none */
	struct etcd_list timers;
	char **ep; /* endpoints, no trailing '/' */
	size_t n_ep;
	size_t pref;	    /* where requests start: the last endpoint that answered */
	struct etcd_opts o; /* defaults filled in; strings are the copies below */
	char *cacert, *cert, *key;
	struct curl_slist *hdrs;
	/* authentication (etcd_auth.c): opts.user set */
	char *user, *password, *token;
	unsigned token_gen;		/* bumped with every new token */
	struct curl_slist *auth_hdrs;	/* hdrs + "Authorization: token" */
	struct curl_slist **old_hdrs;	/* earlier ones: transfers may still use them */
	size_t n_old_hdrs;
	struct etcd_req *auth_req;	/* the authenticate request under way */
	struct etcd_timer auth_retry;	/* it could not start: tell the waiters */
	struct etcd_list auth_waiters;
	struct etcd_list reqs, watches, leases;
	int depth;  /* > 0 inside etcd_dispatch: callbacks may be running */
	bool dirty; /* a watch or lease was stopped inside dispatch: sweep */
	uint64_t rnd;
};

/* epoll set, timerfd, multi handle (etcd_loop.c); 0 or -errno */
int etcd_loop_init(struct etcd *e);
uint64_t etcd_now_ms(void);
void etcd_timer_arm(struct etcd *e, struct etcd_timer *t, uint64_t delay_ms);
void etcd_timer_cancel(struct etcd *e, struct etcd_timer *t);
/* the wait before round (1, 2, ...) of a retry: bounded exponential with
 * jitter, in [base/2, base] where base = min(max, min * 2^(round-1)) */
uint64_t etcd_backoff(struct etcd *e, int round);

/* an easy handle posting body to endpoint ep + path; private is what the
 * loop hands back when the transfer ends */
CURL *etcd_easy(struct etcd *e, size_t ep, const char *path, const char *body, long timeout_ms,
		void *private, struct etcd_buf *sink, char *errbuf);
/* removes (if added) and frees an easy handle */
void etcd_easy_drop(struct etcd *e, CURL **h);
/* is this curl failure about TLS certificates (not worth retrying at once)? */
bool etcd_curl_tls_error(CURLcode rc);
int etcd_curl_errno(CURLcode rc);
/* curl's message for a failed transfer to endpoint ep, with a hint when an
 * https endpoint dropped a client that gave no certificate (TLS 1.3 servers
 * refuse it after the handshake: curl then sees a reset or a closed read,
 * depending on timing, not a certificate error) */
void etcd_curl_why(const struct etcd *e, size_t ep, CURLcode rc, const char *curl_err, char *out,
		   size_t len);
void etcd_buf_free(struct etcd_buf *b);

/* ---- requests (etcd_req.c) ---- */
struct etcd_req {
	enum etcd_xfer_kind xfer; /* first: CURLOPT_PRIVATE */
	struct etcd *e;
	struct etcd_list link; /* in e->reqs */
	enum etcd_call_kind kind;
	char *body;
	char subject[128]; /* the key, for messages */
	uint64_t deadline;
	int timeout_ms;	  /* what the deadline was, for messages */
	size_t ep, tried; /* current endpoint; endpoints tried this round */
	int round;
	bool transient; /* a failure this round may pass: wait and retry */
	struct etcd_auth_wait auth;
	unsigned token_gen; /* the token the attempt sent */
	bool reauthed;	    /* a refused token was replaced once already */
	bool pinned;	/* one endpoint, one attempt (watch probes) */
	CURL *h;
	struct etcd_buf resp;
	char curl_err[CURL_ERROR_SIZE];
	char (*errs)[160];	 /* the last failure at each endpoint */
	struct etcd_timer retry; /* the wait between rounds; a deferred end */
	bool ended;		 /* res is final: deliver it from the timer */
	struct etcd_result res;
	etcd_done_fn done;
	void *arg;
};

/* Starts a request (body is taken, even on failure). NULL when out of
 * memory; done is then not called. Its deadline is timeout_ms from now
 * (0: opts.request_timeout_ms). ep_pin >= 0: only that endpoint, one
 * attempt. done is only ever called from etcd_dispatch(). */
struct etcd_req *etcd_req_start(struct etcd *e, enum etcd_call_kind kind, const char *subject,
				char *body, long ep_pin, int timeout_ms, etcd_done_fn done,
				void *arg);
/* the loop: the transfer of r ended with rc */
void etcd_req_finished(struct etcd_req *r, CURLcode rc);
/* forget r without calling its callback */
void etcd_req_cancel(struct etcd_req *r);
/* does this gRPC code say "try again, maybe elsewhere"? */
bool etcd_grpc_transient(int code);
/* run a request to its end from a blocking call */
int etcd_req_sync(struct etcd *e, enum etcd_call_kind kind, const char *subject, char *body,
		  struct etcd_result *out);

/* ---- authentication (etcd_auth.c) ---- */
/* true: go on now (no authentication, or a token is there); false: w is
 * parked, and w->ready() comes from the loop once a token is there or the
 * authentication failed */
bool etcd_auth_ready(struct etcd *e, struct etcd_auth_wait *w);
/* etcd refused the token of generation gen: forget it (unless a newer one
 * came meanwhile), so the next etcd_auth_ready() gets a new one */
void etcd_auth_refused(struct etcd *e, unsigned gen);
/* the headers every transfer sends */
struct curl_slist *etcd_auth_headers(const struct etcd *e);
void etcd_auth_retry_fire(struct etcd_timer *t);
void etcd_auth_free(struct etcd *e);

/* ---- watch and lease (etcd_watch.c, etcd_lease.c) ---- */
void etcd_watch_finished(struct etcd_watch *w, CURLcode rc);
/* parse what the streams received since the last call, deliver notes */
void etcd_watches_drain(struct etcd *e);
void etcd_watches_sweep(struct etcd *e, bool all);
void etcd_leases_sweep(struct etcd *e, bool all);

#endif
