/* SPDX-License-Identifier: GPL-2.0 */
/* What goes over the wire: request bodies (etcd_body.c), answers and
 * watch messages (etcd_json.c), base64 (etcd_b64.c). No I/O, so the
 * decoders can be fuzzed alone: whatever the bytes, they return a result
 * or -EPROTO with a message, and free what they allocated. */
#ifndef VTAP_STORE_ETCD_JSON_H
#define VTAP_STORE_ETCD_JSON_H

#include "store/etcd.h"

enum etcd_call_kind {
	ETCD_CALL_RANGE,
	ETCD_CALL_PUT,
	ETCD_CALL_DELETE,
	ETCD_CALL_TXN,
	ETCD_CALL_COMPACT,
	ETCD_CALL_GRANT,
	ETCD_CALL_KEEPALIVE,
	ETCD_CALL_REVOKE,
	ETCD_CALL_WATCH,
	ETCD_CALL_AUTH,
};
/* "range", "put", ... as in messages */
const char *etcd_call_name(enum etcd_call_kind kind);
/* the gateway's path, "/v3/kv/range" ... */
const char *etcd_call_path(enum etcd_call_kind kind);

/* ---- base64 (RFC 4648 standard alphabet, padded: Go's StdEncoding) ---- */
char *etcd_b64_encode(const void *data, size_t len);
/* 0, or -EPROTO on a character outside the alphabet or bad padding; *out
 * is malloc'd with a NUL after the *out_len bytes */
int etcd_b64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len);

/* ---- request bodies: malloc'd JSON text, NULL when out of memory ---- */
char *etcd_body_range(const char *key, unsigned flags, int64_t revision, int64_t limit);
char *etcd_body_put(const char *key, const void *value, size_t len, int64_t lease);
char *etcd_body_delete(const char *key, unsigned flags);
char *etcd_body_txn(const struct etcd_cmp *cmps, size_t n_cmps, const struct etcd_op *ops,
		    size_t n_ops);
char *etcd_body_compact(int64_t revision);
char *etcd_body_grant(int64_t ttl);
char *etcd_body_lease_id(int64_t id); /* keepalive, revoke */
char *etcd_body_watch(const char *key, unsigned flags, int64_t start_revision);
char *etcd_body_auth(const char *user, const char *password);

/* ---- answers ---- */
/* The body of a 200 answer to a call of this kind into r (r zeroed first).
 * 0, or -EPROTO with r->msg saying what is wrong. */
int etcd_decode_answer(enum etcd_call_kind kind, const char *buf, size_t len,
		       struct etcd_result *r);
/* The body of an error answer, {"error":..,"code":N,"message":..} or the
 * streaming form {"error":{"grpc_code":N,"message":..}}: the gRPC code and
 * the message (control characters replaced), or -1 when it is neither. */
int etcd_decode_error(const char *buf, size_t len, char *msg, size_t msg_len);

/* one message of a watch stream */
struct etcd_watch_msg {
	int64_t revision; /* header */
	bool created, canceled;
	int64_t compact_revision;
	struct etcd_event *events;
	size_t n_events;
	int error_code; /* a stream error: its gRPC code; else -1 */
	char msg[256];	/* the error's message or the cancel reason */
};
/* 0, or -EPROTO with m->msg set */
int etcd_decode_watch(const char *buf, size_t len, struct etcd_watch_msg *m);
void etcd_watch_msg_free(struct etcd_watch_msg *m);
void etcd_kv_free(struct etcd_kv *kv);

/* snprintf for messages, where cutting a long one short is fine */
void etcd_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* copy a server's text into a message: bounded, control bytes as '?' */
void etcd_copy_text(char *dst, size_t n, const char *src);

/* gRPC status codes etcd answers with */
enum {
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNAVAILABLE = 14,
	GRPC_UNAUTHENTICATED = 16,
};

#endif
