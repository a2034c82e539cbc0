// SPDX-License-Identifier: GPL-2.0
/* Decoding the gateway's answers. They are input: any field may be
 * missing (the gateway omits zero values), of the wrong type, or not
 * base64; the decoders check each one and say which. Sizes are bounded
 * before this (etcd_opts.max_response). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "store/etcd_json.h"

static const struct {
	const char *name, *path;
} calls[] = {
    [ETCD_CALL_RANGE] = {"range", "/v3/kv/range"},
    [ETCD_CALL_PUT] = {"put", "/v3/kv/put"},
    [ETCD_CALL_DELETE] = {"delete", "/v3/kv/deleterange"},
    [ETCD_CALL_TXN] = {"txn", "/v3/kv/txn"},
    [ETCD_CALL_COMPACT] = {"compact", "/v3/kv/compaction"},
    [ETCD_CALL_GRANT] = {"lease grant", "/v3/lease/grant"},
    [ETCD_CALL_KEEPALIVE] = {"lease keepalive", "/v3/lease/keepalive"},
    [ETCD_CALL_REVOKE] = {"lease revoke", "/v3/lease/revoke"},
    [ETCD_CALL_WATCH] = {"watch", "/v3/watch"},
    [ETCD_CALL_AUTH] = {"authenticate", "/v3/auth/authenticate"},
};

const char *etcd_call_name(enum etcd_call_kind kind)
{
	return calls[kind].name;
}

const char *etcd_call_path(enum etcd_call_kind kind)
{
	return calls[kind].path;
}

void etcd_copy_text(char *dst, size_t n, const char *src)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

void etcd_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static int bad(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(msg, n, "malformed answer: ");

	va_start(ap, fmt);
	if (len > 0 && (size_t)len < n)
		vsnprintf(msg + len, n - (size_t)len, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* o[name] as int64: the gateway writes int64 as a decimal string; accept a
 * JSON integer too. Missing or null: 0. */
static int get_i64(const json_t *o, const char *name, int64_t *out, char *msg, size_t n)
{
	const json_t *v = json_object_get(o, name);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return bad(msg, n, "\"%s\" is not a number", name);
	const char *s = json_string_value(v);
	char *end;

	errno = 0;
	long long x = strtoll(s, &end, 10);

	if (!*s || *end || errno || (*s != '-' && (*s < '0' || *s > '9')))
		return bad(msg, n, "\"%s\" is not a 64-bit integer", name);
	*out = x;
	return 0;
}

static int get_bool(const json_t *o, const char *name, bool *out, char *msg, size_t n)
{
	const json_t *v = json_object_get(o, name);

	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(msg, n, "\"%s\" is not a boolean", name);
	*out = json_is_true(v);
	return 0;
}

/* o[name], base64, decoded; missing: an empty (but allocated) string */
static int get_b64(const json_t *o, const char *name, unsigned char **out, size_t *len, char *msg,
		   size_t n)
{
	const json_t *v = json_object_get(o, name);

	if (v && !json_is_null(v) && !json_is_string(v))
		return bad(msg, n, "\"%s\" is not a string", name);
	const char *s = v && json_is_string(v) ? json_string_value(v) : "";
	int rc = etcd_b64_decode(s, v && json_is_string(v) ? json_string_length(v) : 0, out, len);

	if (rc == -EPROTO)
		return bad(msg, n, "\"%s\" is not base64", name);
	return rc;
}

static int header_revision(const json_t *root, int64_t *rev, char *msg, size_t n)
{
	const json_t *h = json_object_get(root, "header");

	*rev = 0;
	if (!h)
		return 0;
	if (!json_is_object(h))
		return bad(msg, n, "\"header\" is not an object");
	int rc = get_i64(h, "revision", rev, msg, n);

	if (rc)
		return rc;
	/* a watch resumes at a revision + 1: one etcd cannot reach */
	if (*rev < 0 || *rev == INT64_MAX)
		return bad(msg, n, "a header revision out of range (%" PRId64 ")", *rev);
	return 0;
}

void etcd_result_free(struct etcd_result *r)
{
	size_t i;

	for (i = 0; r->kvs && i < r->n_kvs; i++)
		etcd_kv_free(&r->kvs[i]);
	free(r->kvs);
	r->kvs = NULL;
	r->n_kvs = 0;
	free(r->token);
	r->token = NULL;
}

void etcd_kv_free(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	kv->key = NULL;
	kv->value = NULL;
}

static int decode_kv(const json_t *o, struct etcd_kv *kv, char *msg, size_t n)
{
	unsigned char *key;
	int rc;

	memset(kv, 0, sizeof(*kv));
	if (!json_is_object(o))
		return bad(msg, n, "a key-value is not an object");
	rc = get_b64(o, "key", &key, &kv->key_len, msg, n);
	if (rc)
		return rc;
	kv->key = (char *)key;
	/* keys are used as strings: "a.yaml\0x" would be "a.yaml" */
	if (key && memchr(key, 0, kv->key_len)) {
		etcd_kv_free(kv);
		return bad(msg, n, "a key with a NUL byte");
	}
	rc = get_b64(o, "value", &kv->value, &kv->value_len, msg, n);
	if (!rc)
		rc = get_i64(o, "create_revision", &kv->create_revision, msg, n);
	if (!rc)
		rc = get_i64(o, "mod_revision", &kv->mod_revision, msg, n);
	if (!rc)
		rc = get_i64(o, "version", &kv->version, msg, n);
	if (!rc)
		rc = get_i64(o, "lease", &kv->lease, msg, n);
	if (rc)
		etcd_kv_free(kv);
	return rc;
}

/* o[name]: missing, null or [] leaves *items NULL; else *items is a zeroed
 * array of the array's size, elements of size elem */
static int array_of(const json_t *o, const char *name, size_t elem, const json_t **arr,
		    void **items, char *msg, size_t n)
{
	const json_t *a = json_object_get(o, name);

	*items = NULL;
	*arr = a;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return bad(msg, n, "\"%s\" is not an array", name);
	if (!json_array_size(a))
		return 0;
	*items = calloc(json_array_size(a), elem);
	return *items ? 0 : -ENOMEM;
}

static int decode_kvs(const json_t *root, struct etcd_result *r)
{
	const json_t *a;
	size_t i;
	int rc =
	    array_of(root, "kvs", sizeof(*r->kvs), &a, (void **)&r->kvs, r->msg, sizeof(r->msg));

	for (i = 0; !rc && r->kvs && i < json_array_size(a); i++) {
		rc = decode_kv(json_array_get(a, i), &r->kvs[i], r->msg, sizeof(r->msg));
		if (!rc)
			r->n_kvs++;
	}
	return rc;
}

/* {"error":"text","code":N,"message":"text"} (unary) or
 * {"error":{"grpc_code":N,"message":"text",...}} (streams) */
static int error_of(const json_t *root, char *msg, size_t n)
{
	const json_t *e = json_object_get(root, "error"), *m, *c;

	if (!e)
		return -1;
	if (json_is_object(e)) {
		c = json_object_get(e, "grpc_code");
		m = json_object_get(e, "message");
	} else {
		c = json_object_get(root, "code");
		m = json_object_get(root, "message");
		if (!json_is_string(m))
			m = e;
	}
	if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 1000)
		return -1;
	etcd_copy_text(msg, n, json_is_string(m) ? json_string_value(m) : "(no message)");
	return (int)json_integer_value(c);
}

static json_t *load(const char *buf, size_t len, char *msg, size_t n)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);

	if (!root) {
		char text[sizeof(jerr.text)];

		etcd_copy_text(text, sizeof(text), jerr.text);
		bad(msg, n, "not JSON (%s at byte %d)", text, jerr.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		bad(msg, n, "not a JSON object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int etcd_decode_error(const char *buf, size_t len, char *msg, size_t msg_len)
{
	char ignored[64];
	json_t *root = load(buf, len, ignored, sizeof(ignored));

	if (!root)
		return -1;
	int code = error_of(root, msg, msg_len);

	json_decref(root);
	return code;
}

static int decode_fields(enum etcd_call_kind kind, const json_t *o, struct etcd_result *r)
{
	char *msg = r->msg;
	size_t n = sizeof(r->msg);
	int rc = header_revision(o, &r->revision, msg, n);

	if (rc)
		return rc;
	switch (kind) {
	case ETCD_CALL_RANGE:
		rc = get_i64(o, "count", &r->count, msg, n);
		if (!rc)
			rc = get_bool(o, "more", &r->more, msg, n);
		if (!rc)
			rc = decode_kvs(o, r);
		return rc;
	case ETCD_CALL_DELETE:
		return get_i64(o, "deleted", &r->count, msg, n);
	case ETCD_CALL_TXN:
		return get_bool(o, "succeeded", &r->succeeded, msg, n);
	case ETCD_CALL_AUTH: {
		const json_t *t = json_object_get(o, "token");

		if (!json_is_string(t) || !json_string_length(t) || json_string_length(t) > 4096 ||
		    strpbrk(json_string_value(t), "\r\n"))
			return bad(msg, n, "\"token\" is not a token");
		r->token = strdup(json_string_value(t));
		return r->token ? 0 : -ENOMEM;
	}
	case ETCD_CALL_GRANT:
	case ETCD_CALL_KEEPALIVE: {
		const json_t *err = json_object_get(o, "error");

		/* LeaseGrantResponse has its own "error" string */
		if (json_is_string(err) && json_string_length(err)) {
			etcd_copy_text(msg, n, json_string_value(err));
			return -EIO;
		}
		rc = get_i64(o, "ID", &r->lease_id, msg, n);
		if (!rc)
			rc = get_i64(o, "TTL", &r->ttl, msg, n);
		return rc;
	}
	default:
		return 0;
	}
}

int etcd_decode_answer(enum etcd_call_kind kind, const char *buf, size_t len, struct etcd_result *r)
{
	memset(r, 0, sizeof(*r));
	json_t *root = load(buf, len, r->msg, sizeof(r->msg));
	const json_t *o = root;
	int rc;

	if (!root)
		return r->err = -EPROTO;
	/* keepalive is a stream even through the gateway: {"result": {...}} */
	if (kind == ETCD_CALL_KEEPALIVE && json_object_get(root, "result")) {
		o = json_object_get(root, "result");
		if (!json_is_object(o)) {
			json_decref(root);
			return r->err = bad(r->msg, sizeof(r->msg), "\"result\" is not an object");
		}
	}
	rc = decode_fields(kind, o, r);
	json_decref(root);
	if (rc) {
		etcd_result_free(r);
		r->err = rc;
	}
	return rc;
}

void etcd_watch_msg_free(struct etcd_watch_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_events; i++)
		etcd_kv_free(&m->events[i].kv);
	free(m->events);
	m->events = NULL;
	m->n_events = 0;
}

static int decode_events(const json_t *res, struct etcd_watch_msg *m)
{
	const json_t *a;
	size_t i, n = sizeof(m->msg);
	int rc = array_of(res, "events", sizeof(*m->events), &a, (void **)&m->events, m->msg, n);

	if (rc || !m->events)
		return rc;
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *ev = json_array_get(a, i), *type;
		struct etcd_event *out = &m->events[i];

		if (!json_is_object(ev))
			return bad(m->msg, n, "an event is not an object");
		type = json_object_get(ev, "type");
		if (!type || json_is_null(type) ||
		    (json_is_string(type) && !strcmp(json_string_value(type), "PUT")))
			out->type = ETCD_EVENT_PUT;
		else if (json_is_string(type) && !strcmp(json_string_value(type), "DELETE"))
			out->type = ETCD_EVENT_DELETE;
		else
			return bad(m->msg, n, "an event's \"type\" is neither PUT nor DELETE");
		rc = decode_kv(json_object_get(ev, "kv"), &out->kv, m->msg, n);
		if (rc)
			return rc;
		m->n_events++;
		/* resuming from the last revision + 1 needs revisions in order */
		if (i && out->kv.mod_revision < m->events[i - 1].kv.mod_revision)
			return bad(m->msg, n, "events out of revision order");
		if (out->kv.mod_revision <= 0)
			return bad(m->msg, n, "an event without a revision");
		if (out->kv.mod_revision == INT64_MAX)
			return bad(m->msg, n, "an event's revision out of range");
	}
	return 0;
}

int etcd_decode_watch(const char *buf, size_t len, struct etcd_watch_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->error_code = -1;
	json_t *root = load(buf, len, m->msg, sizeof(m->msg));
	const json_t *res;
	size_t n = sizeof(m->msg);
	int rc;

	if (!root)
		return -EPROTO;
	m->error_code = error_of(root, m->msg, n);
	if (m->error_code >= 0) {
		json_decref(root);
		return 0;
	}
	res = json_object_get(root, "result");
	if (!json_is_object(res)) {
		json_decref(root);
		return bad(m->msg, n, "neither \"result\" nor \"error\"");
	}
	rc = header_revision(res, &m->revision, m->msg, n);
	if (!rc)
		rc = get_bool(res, "created", &m->created, m->msg, n);
	if (!rc)
		rc = get_bool(res, "canceled", &m->canceled, m->msg, n);
	if (!rc)
		rc = get_i64(res, "compact_revision", &m->compact_revision, m->msg, n);
	if (!rc)
		rc = decode_events(res, m);
	if (!rc && m->canceled) {
		const json_t *why = json_object_get(res, "cancel_reason");

		etcd_copy_text(m->msg, n, json_is_string(why) ? json_string_value(why) : "");
	}
	json_decref(root);
	if (rc)
		etcd_watch_msg_free(m);
	return rc;
}
