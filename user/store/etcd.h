/* SPDX-License-Identifier: GPL-2.0 */
/* An etcd v3 client for vtap's cluster mode, through etcd's JSON gateway
 * (POST /v3/kv/..., /v3/watch, /v3/lease/...) with libcurl and jansson.
 *
 * It never blocks its caller's loop: every transfer runs in one curl multi
 * handle whose sockets and timers sit behind one file descriptor,
 * etcd_fd(); the caller polls it for input and calls etcd_dispatch(). The
 * *_async calls, watches and leases all progress that way. The blocking
 * calls (etcd_range, etcd_put, ...) run the same machinery until their
 * request is done: for command-line tools, never from a callback.
 *
 * Every request has a deadline (opts.request_timeout_ms) that covers its
 * failover: an endpoint that refuses, times out or answers "unavailable"
 * (no leader, not leader, request timed out, too many requests) hands the
 * request to the next endpoint; after a round over every endpoint the
 * request waits a bounded exponential backoff with jitter and tries again,
 * until the deadline. Errors name the operation, the key and the
 * endpoint(s). docs/cluster.md describes the behaviour. */
#ifndef VTAP_STORE_ETCD_H
#define VTAP_STORE_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etcd;
struct etcd_watch;
struct etcd_lease;

struct etcd_opts {
	const char *endpoints; /* "URL[,URL...]", each http:// or https://host:port */
	const char *cacert;    /* PEM CA bundle for https (NULL: the system's) */
	const char *cert;      /* PEM client certificate (NULL: none) */
	const char *key;       /* PEM key of the client certificate */
	/* etcd's own authentication (RBAC): every call carries a token got
	 * from /v3/auth/authenticate with these, and got again when etcd
	 * says it is no longer valid. NULL user: none. (etcd's gateway
	 * refuses client certificates while authentication is on: use one
	 * or the other.) */
	const char *user, *password;
	/* 0 takes the default in brackets */
	int request_timeout_ms; /* one request, every attempt and wait included [5000] */
	int attempt_timeout_ms; /* one attempt at one endpoint [2000] */
	int connect_timeout_ms; /* TCP (and TLS) connect [1000] */
	int backoff_min_ms;	/* wait after the first failed round [50] */
	int backoff_max_ms;	/* the longest wait between rounds [2000] */
	int watch_idle_ms;	/* a silent watch stream's endpoint is probed after this [10000] */
	size_t max_response;	/* largest answer or watch message accepted [64 MiB] */
};

/* endpoints parsed and checked; NULL with a message in err on a bad option */
struct etcd *etcd_new(const struct etcd_opts *opts, char *err, size_t errlen);
/* Cancels what is under way without calling its callbacks, and frees every
 * watch and lease still there (leases are not revoked: etcd_lease_stop(l,
 * true) first). Never from a callback. */
void etcd_free(struct etcd *e);
size_t etcd_endpoint_count(const struct etcd *e);
const char *etcd_endpoint(const struct etcd *e, size_t i);

/* ---- the loop ---- */
/* Readable (EPOLLIN/POLLIN, level-triggered) when etcd_dispatch() has work. */
int etcd_fd(const struct etcd *e);
/* Runs what is ready: socket I/O, timers, finished requests' callbacks,
 * watch and lease notes. Never blocks. */
void etcd_dispatch(struct etcd *e);
/* poll(etcd_fd) up to timeout_ms (-1: no limit), then etcd_dispatch(); for
 * loops that have nothing else to wait for */
void etcd_wait(struct etcd *e, int timeout_ms);

/* ---- results ---- */
struct etcd_kv {
	char *key; /* NUL-terminated; key_len counts any NUL inside */
	size_t key_len;
	unsigned char *value; /* NUL-terminated too (not counted), binary-safe */
	size_t value_len;
	int64_t create_revision, mod_revision, version, lease;
};

struct etcd_result {
	int err;	     /* 0, or a negative errno (below) */
	char msg[1024];	     /* err != 0: "etcd OP 'KEY': URL: what; ..." */
	int64_t revision;    /* the store's revision in the answer's header */
	struct etcd_kv *kvs; /* range: n_kvs pairs, in key order */
	size_t n_kvs;
	int64_t count;	       /* range: keys in the range; delete: keys deleted */
	bool more;	       /* range: more keys than the limit */
	bool succeeded;	       /* txn: the compares held and the success ops ran */
	int64_t lease_id, ttl; /* lease grant; keepalive (ttl 0: expired) */
	char *token;	       /* authenticate (internal) */
};
/* err values: -ETIMEDOUT (no answer before the deadline), -ECONNREFUSED,
 * -EHOSTUNREACH (transport), -EPROTO (an answer that is not etcd's JSON),
 * -EACCES (TLS: certificate refused either way), -EFBIG (answer over
 * max_response), -EINVAL (bad argument, or etcd said InvalidArgument),
 * -ENOENT (etcd NotFound: lease), -ERANGE (etcd OutOfRange: revision
 * compacted or in the future), -EPERM (etcd auth: permission denied, or a
 * token etcd refuses again right after it was got), -EIO (other etcd error),
 * -ENOMEM, -EDEADLK (a blocking call from a callback). */
void etcd_result_free(struct etcd_result *r);

/* The callback may keep r->kvs: set r->kvs = NULL first. Everything else
 * in r is valid only during the call. */
typedef void (*etcd_done_fn)(struct etcd_result *r, void *arg);

/* ---- key-value ---- */
#define ETCD_PREFIX 0x1u /* key is a prefix: every key that starts with it */

/* range: revision 0 = latest; limit 0 = all */
int etcd_range_async(struct etcd *e, const char *key, unsigned flags, int64_t revision,
		     int64_t limit, etcd_done_fn done, void *arg);
int etcd_put_async(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
		   etcd_done_fn done, void *arg);
int etcd_delete_async(struct etcd *e, const char *key, unsigned flags, etcd_done_fn done,
		      void *arg);

enum etcd_cmp_target { ETCD_CMP_VERSION, ETCD_CMP_CREATE, ETCD_CMP_MOD };
enum etcd_cmp_result { ETCD_CMP_EQUAL, ETCD_CMP_GREATER, ETCD_CMP_LESS, ETCD_CMP_NOT_EQUAL };
/* "key's TARGET revision RESULT value"; a missing key has 0 for all three
 * (so {key, ETCD_CMP_MOD, ETCD_CMP_EQUAL, 0} is "key does not exist") */
struct etcd_cmp {
	const char *key;
	enum etcd_cmp_target target;
	enum etcd_cmp_result result;
	int64_t value;
};
enum etcd_op_type { ETCD_OP_PUT, ETCD_OP_DELETE };
struct etcd_op {
	enum etcd_op_type type;
	const char *key;
	const void *value; /* put */
	size_t value_len;
	int64_t lease;	/* put: 0 = none */
	unsigned flags; /* delete: ETCD_PREFIX */
};
/* If every compare holds, every op runs, all at one new revision
 * (result.revision, succeeded = true); otherwise nothing is written
 * (succeeded = false). etcd allows at most 128 ops per transaction by default. */
int etcd_txn_async(struct etcd *e, const struct etcd_cmp *cmps, size_t n_cmps,
		   const struct etcd_op *ops, size_t n_ops, etcd_done_fn done, void *arg);
/* drop history before revision (tests and tools) */
int etcd_compact_async(struct etcd *e, int64_t revision, etcd_done_fn done, void *arg);

/* Blocking forms: fill *out (free with etcd_result_free) and return out->err. */
int etcd_range(struct etcd *e, const char *key, unsigned flags, int64_t revision, int64_t limit,
	       struct etcd_result *out);
int etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	     struct etcd_result *out);
int etcd_delete(struct etcd *e, const char *key, unsigned flags, struct etcd_result *out);
int etcd_txn(struct etcd *e, const struct etcd_cmp *cmps, size_t n_cmps, const struct etcd_op *ops,
	     size_t n_ops, struct etcd_result *out);
int etcd_compact(struct etcd *e, int64_t revision, struct etcd_result *out);
int etcd_lease_grant(struct etcd *e, int64_t ttl_s, struct etcd_result *out);
int etcd_lease_revoke(struct etcd *e, int64_t id, struct etcd_result *out);

/* ---- watch ---- */
enum etcd_event_type { ETCD_EVENT_PUT, ETCD_EVENT_DELETE };
struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv; /* DELETE: key and mod_revision only */
};

enum etcd_watch_note {
	ETCD_WATCH_CONNECTED, /* a stream is open at endpoint, from revision */
	ETCD_WATCH_EVENTS,    /* events[n_events], in revision order */
	ETCD_WATCH_PROGRESS,  /* every change up to revision has been delivered */
	ETCD_WATCH_COMPACTED, /* revision (the compaction's) passed the watch's next
			       * revision: events were lost; the watch has stopped.
			       * Re-read everything, then watch from the read's revision + 1 */
	ETCD_WATCH_ERROR,     /* msg: the stream broke or could not open; it is
			       * retried (next endpoint, backoff) by itself */
};
struct etcd_watch_update {
	enum etcd_watch_note note;
	const struct etcd_event *events;
	size_t n_events;
	int64_t revision;     /* CONNECTED: the next revision; EVENTS and
			       * PROGRESS: the store's; COMPACTED: the compaction's */
	const char *endpoint; /* CONNECTED, ERROR */
	const char *msg;      /* ERROR */
};
typedef void (*etcd_watch_fn)(struct etcd_watch *w, const struct etcd_watch_update *u, void *arg);

/* Watches key (ETCD_PREFIX: the prefix) from start_revision (0: from now
 * on), forever: a stream that breaks is reopened, at another endpoint if
 * need be, from the last delivered revision + 1, so no event is lost or
 * delivered twice. A stream that stays silent for watch_idle_ms has its
 * endpoint probed; an endpoint that does not answer is left. */
struct etcd_watch *etcd_watch_start(struct etcd *e, const char *key, unsigned flags,
				    int64_t start_revision, etcd_watch_fn fn, void *arg);
/* the revision a reopened stream would start from */
int64_t etcd_watch_next_revision(const struct etcd_watch *w);
/* Stops and frees; allowed from the watch's own callback. */
void etcd_watch_stop(struct etcd_watch *w);

/* ---- lease ---- */
enum etcd_lease_note {
	ETCD_LEASE_GRANTED, /* id is new: the first grant, or a re-grant after the
			     * old lease expired: (re)put the keys under it */
	ETCD_LEASE_ERROR,   /* msg: a grant or keepalive failed; it is retried */
};
typedef void (*etcd_lease_fn)(struct etcd_lease *l, enum etcd_lease_note note, int64_t id,
			      const char *msg, void *arg);
/* Grants a lease of ttl_s seconds and keeps it alive at TTL/3 from the
 * loop; when etcd says it expired (the store was away longer than the
 * TTL, or someone revoked it) grants a new one and says so. */
struct etcd_lease *etcd_lease_start(struct etcd *e, int64_t ttl_s, etcd_lease_fn fn, void *arg);
int64_t etcd_lease_id(const struct etcd_lease *l); /* 0 until granted */
int64_t etcd_lease_ttl(const struct etcd_lease *l);
/* Stops keepalives and frees. revoke: revoke the lease too (its keys go at
 * once), blocking up to the request timeout; from a callback the revoke
 * is sent without waiting. */
void etcd_lease_stop(struct etcd_lease *l, bool revoke);

/* ---- helpers, also for tests and fuzzers ---- */
/* the range end that makes key a prefix (etcd's rule); malloc'd, *len set */
char *etcd_prefix_end(const char *key, size_t key_len, size_t *len);

#endif
