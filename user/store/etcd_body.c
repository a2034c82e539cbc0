// SPDX-License-Identifier: GPL-2.0
/* Request bodies for the gateway: etcdserverpb messages as JSON (field
 * names of the .proto, int64 as strings, bytes as base64). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "store/etcd_json.h"

/* o[name] = base64(data); false when out of memory */
static bool set_b64(json_t *o, const char *name, const void *data, size_t len)
{
	char *s = etcd_b64_encode(data, len);

	if (!s)
		return false;
	int rc = json_object_set_new(o, name, json_string(s));

	free(s);
	return rc == 0;
}

static bool set_i64(json_t *o, const char *name, int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return json_object_set_new(o, name, json_string(s)) == 0;
}

/* key, and range_end when flags has ETCD_PREFIX */
static bool set_key_range(json_t *o, const char *key, unsigned flags)
{
	size_t klen = strlen(key);

	if (!set_b64(o, "key", key, klen))
		return false;
	if (!(flags & ETCD_PREFIX))
		return true;
	size_t elen;
	char *end = etcd_prefix_end(key, klen, &elen);

	if (!end)
		return false;
	bool ok = set_b64(o, "range_end", end, elen);

	free(end);
	return ok;
}

/* dumps and frees o; NULL if o is NULL (an earlier allocation failed) */
static char *finish(json_t *o, bool ok)
{
	char *s = o && ok ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

char *etcd_prefix_end(const char *key, size_t key_len, size_t *len)
{
	char *end = malloc(key_len + 1);
	size_t n = key_len;

	if (!end)
		return NULL;
	memcpy(end, key, key_len);
	/* the smallest key above every key with this prefix: increment the
	 * last byte below 0xff, dropping the 0xff bytes after it */
	while (n > 0) {
		if ((unsigned char)end[n - 1] < 0xff) {
			end[n - 1]++;
			*len = n;
			end[n] = '\0';
			return end;
		}
		n--;
	}
	/* an empty prefix or all 0xff: "\0" means "to the end of the keys" */
	end[0] = '\0';
	*len = 1;
	return end;
}

char *etcd_body_range(const char *key, unsigned flags, int64_t revision, int64_t limit)
{
	json_t *o = json_object();
	bool ok = o && set_key_range(o, key, flags);

	if (ok && revision > 0)
		ok = set_i64(o, "revision", revision);
	if (ok && limit > 0)
		ok = set_i64(o, "limit", limit);
	return finish(o, ok);
}

static json_t *put_request(const char *key, const void *value, size_t len, int64_t lease)
{
	json_t *o = json_object();
	bool ok = o && set_b64(o, "key", key, strlen(key)) && set_b64(o, "value", value, len);

	if (ok && lease)
		ok = set_i64(o, "lease", lease);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *etcd_body_put(const char *key, const void *value, size_t len, int64_t lease)
{
	return finish(put_request(key, value, len, lease), true);
}

static json_t *delete_request(const char *key, unsigned flags)
{
	json_t *o = json_object();

	if (o && !set_key_range(o, key, flags)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *etcd_body_delete(const char *key, unsigned flags)
{
	return finish(delete_request(key, flags), true);
}

static json_t *txn_compare(const struct etcd_cmp *c)
{
	static const char *const targets[] = {"VERSION", "CREATE", "MOD"};
	static const char *const fields[] = {"version", "create_revision", "mod_revision"};
	static const char *const results[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
	if ((unsigned)c->target > ETCD_CMP_MOD || (unsigned)c->result > ETCD_CMP_NOT_EQUAL)
		return NULL;
	json_t *o = json_object();
	bool ok = o && set_b64(o, "key", c->key, strlen(c->key)) &&
		  !json_object_set_new(o, "target", json_string(targets[c->target])) &&
		  !json_object_set_new(o, "result", json_string(results[c->result])) &&
		  set_i64(o, fields[c->target], c->value);

	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *txn_op(const struct etcd_op *op)
{
	json_t *inner, *o;

	if (op->type == ETCD_OP_PUT)
		inner = put_request(op->key, op->value, op->value_len, op->lease);
	else if (op->type == ETCD_OP_DELETE)
		inner = delete_request(op->key, op->flags);
	else
		return NULL;
	o = json_object();
	if (!inner || !o ||
	    json_object_set_new(o, op->type == ETCD_OP_PUT ? "request_put" : "request_delete_range",
				inner)) {
		if (!o)
			json_decref(inner);
		json_decref(o);
		return NULL;
	}
	return o;
}

char *etcd_body_txn(const struct etcd_cmp *cmps, size_t n_cmps, const struct etcd_op *ops,
		    size_t n_ops)
{
	json_t *o = json_object(), *ca = json_array(), *sa = json_array();
	bool ok = o && ca && sa;
	size_t i;

	for (i = 0; ok && i < n_cmps; i++)
		ok = json_array_append_new(ca, txn_compare(&cmps[i])) == 0;
	for (i = 0; ok && i < n_ops; i++)
		ok = json_array_append_new(sa, txn_op(&ops[i])) == 0;
	if (ok) {
		ok = !json_object_set(o, "compare", ca) && !json_object_set(o, "success", sa);
	}
	json_decref(ca);
	json_decref(sa);
	return finish(o, ok);
}

char *etcd_body_compact(int64_t revision)
{
	json_t *o = json_object();

	return finish(o, o && set_i64(o, "revision", revision) &&
			     !json_object_set_new(o, "physical", json_true()));
}

char *etcd_body_grant(int64_t ttl)
{
	json_t *o = json_object();

	return finish(o, o && set_i64(o, "TTL", ttl));
}

char *etcd_body_lease_id(int64_t id)
{
	json_t *o = json_object();

	return finish(o, o && set_i64(o, "ID", id));
}

char *etcd_body_auth(const char *user, const char *password)
{
	json_t *o = json_pack("{s:s,s:s}", "name", user, "password", password ? password : "");

	return finish(o, o != NULL);
}

char *etcd_body_watch(const char *key, unsigned flags, int64_t start_revision)
{
	json_t *o = json_object(), *c = json_object();
	bool ok = o && c && set_key_range(c, key, flags);

	if (ok && start_revision > 0)
		ok = set_i64(c, "start_revision", start_revision);
	/* progress notifications: empty messages carrying the revision, so a
	 * quiet watch still advances its resume point */
	if (ok)
		ok = !json_object_set_new(c, "progress_notify", json_true());
	if (ok)
		ok = !json_object_set(o, "create_request", c);
	json_decref(c);
	return finish(o, ok);
}
