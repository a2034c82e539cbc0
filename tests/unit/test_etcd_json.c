// SPDX-License-Identifier: GPL-2.0
/* The etcd client's wire format (user/store/etcd_json.c, etcd_body.c,
 * etcd_b64.c): base64 against RFC 4648's vectors, prefix range ends, the
 * request bodies as JSON, and the decoders on answers recorded from Debian's
 * etcd 3.4 gateway and on malformed ones. The client against a real etcd is
 * tests/ns/test_etcd.sh. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>

#include "store/etcd_json.h"

#define HDR                                                                                        \
	"\"header\":{\"cluster_id\":\"324952591200643719\",\"member_id\":\"3319814642761637952\"," \
	"\"revision\":\"7\",\"raft_term\":\"2\"}"

static void b64_vectors(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"",		"Zg==",	    "Zm8=",    "Zm9v",
					    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	size_t i, n;
	unsigned char *out;

	(void)state;
	for (i = 0; i < 7; i++) {
		char *s = etcd_b64_encode(plain[i], strlen(plain[i]));

		assert_string_equal(s, coded[i]);
		free(s);
		assert_int_equal(etcd_b64_decode(coded[i], strlen(coded[i]), &out, &n), 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(out, plain[i], n);
		assert_int_equal(out[n], '\0');
		free(out);
	}
}

static void b64_binary_round_trip(void **state)
{
	unsigned char data[300], *out;
	size_t len, n;

	(void)state;
	for (len = 0; len < sizeof(data); len++)
		data[len] = (unsigned char)(len * 37 + 11);
	for (len = 0; len <= sizeof(data); len += 7) {
		char *s = etcd_b64_encode(data, len);

		assert_int_equal(etcd_b64_decode(s, strlen(s), &out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, data, len);
		free(out);
		free(s);
	}
}

static void b64_rejects(void **state)
{
	static const char *const bad[] = {"Zg=",      "Z===", "====",	  "Zm=v",
					  "Zm9v!A==", "Zm 9", "Zg==Zg==", "Zm9\n"};
	unsigned char *out;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(etcd_b64_decode(bad[i], strlen(bad[i]), &out, &n), -EPROTO);
		assert_null(out);
	}
}

static void prefix_end(void **state)
{
	size_t n;
	char *e;

	(void)state;
	e = etcd_prefix_end("/vtap/", 6, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(e, "/vtap0", 6);
	free(e);
	e = etcd_prefix_end("a\xff\xff", 3, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(e, "b", 1);
	free(e);
	/* nothing above: "\0" means every key to the end */
	e = etcd_prefix_end("\xff", 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0], '\0');
	free(e);
	e = etcd_prefix_end("", 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0], '\0');
	free(e);
}

/* body as JSON, freed */
static json_t *parse(char *body)
{
	json_error_t err;
	json_t *o;

	assert_non_null(body);
	o = json_loads(body, 0, &err);
	free(body);
	assert_non_null(o);
	return o;
}

static const char *str(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void bodies(void **state)
{
	json_t *o;

	(void)state;
	o = parse(etcd_body_range("/vtap/", ETCD_PREFIX, 42, 0));
	assert_string_equal(str(o, "key", NULL), "L3Z0YXAv");	    /* "/vtap/" */
	assert_string_equal(str(o, "range_end", NULL), "L3Z0YXAw"); /* "/vtap0" */
	assert_string_equal(str(o, "revision", NULL), "42");
	assert_null(json_object_get(o, "limit"));
	json_decref(o);

	o = parse(etcd_body_put("k", "\0\1", 2, 77));
	assert_string_equal(str(o, "value", NULL), "AAE=");
	assert_string_equal(str(o, "lease", NULL), "77");
	json_decref(o);

	o = parse(etcd_body_watch("/p/", ETCD_PREFIX, 0));
	assert_string_equal(str(o, "create_request", "key"), "L3Av");
	assert_null(json_object_get(json_object_get(o, "create_request"), "start_revision"));
	assert_true(
	    json_is_true(json_object_get(json_object_get(o, "create_request"), "progress_notify")));
	json_decref(o);
}

static void txn_body(void **state)
{
	struct etcd_cmp c = {.key = "a", .target = ETCD_CMP_MOD, .value = 5};
	struct etcd_op ops[2] = {{.type = ETCD_OP_PUT, .key = "a", .value = "x", .value_len = 1},
				 {.type = ETCD_OP_DELETE, .key = "d/", .flags = ETCD_PREFIX}};
	json_t *o, *cmp, *succ;

	(void)state;
	o = parse(etcd_body_txn(&c, 1, ops, 2));
	cmp = json_array_get(json_object_get(o, "compare"), 0);
	assert_string_equal(str(cmp, "target", NULL), "MOD");
	assert_string_equal(str(cmp, "result", NULL), "EQUAL");
	assert_string_equal(str(cmp, "mod_revision", NULL), "5");
	succ = json_object_get(o, "success");
	assert_int_equal(json_array_size(succ), 2);
	assert_string_equal(str(json_array_get(succ, 0), "request_put", "value"), "eA==");
	assert_string_equal(str(json_array_get(succ, 1), "request_delete_range", "range_end"),
			    "ZDA="); /* "d0" */
	json_decref(o);
	/* an op type out of range is refused, not sent */
	ops[1].type = 7;
	assert_null(etcd_body_txn(&c, 1, ops, 2));
}

static void decode_range(void **state)
{
	const char *a =
	    "{" HDR ",\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\","
	    "\"mod_revision\":\"3\",\"version\":\"2\",\"value\":\"AGJhcg==\",\"lease\":\"9\"},"
	    "{\"key\":\"YQ==\",\"mod_revision\":\"6\"}],\"count\":\"2\"}";
	struct etcd_result r;

	(void)state;
	assert_int_equal(etcd_decode_answer(ETCD_CALL_RANGE, a, strlen(a), &r), 0);
	assert_int_equal(r.revision, 7);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.n_kvs, 2);
	assert_string_equal(r.kvs[0].key, "foo");
	assert_int_equal(r.kvs[0].value_len, 4);
	assert_memory_equal(r.kvs[0].value, "\0bar", 4);
	assert_int_equal(r.kvs[0].create_revision, 2);
	assert_int_equal(r.kvs[0].mod_revision, 3);
	assert_int_equal(r.kvs[0].lease, 9);
	/* the gateway omits an empty value */
	assert_int_equal(r.kvs[1].value_len, 0);
	assert_string_equal((char *)r.kvs[1].value, "");
	etcd_result_free(&r);
}

static void decode_others(void **state)
{
	const char *txn = "{" HDR ",\"succeeded\":true,\"responses\":[]}";
	const char *del = "{" HDR ",\"deleted\":\"2\"}";
	const char *ka = "{\"result\":{" HDR ",\"ID\":\"2324035750702559247\",\"TTL\":\"5\"}}";
	const char *gone = "{\"result\":{" HDR ",\"ID\":\"12345\"}}";
	const char *grant_err = "{" HDR ",\"ID\":\"1\",\"error\":\"lease exists\"}";
	struct etcd_result r;

	(void)state;
	assert_int_equal(etcd_decode_answer(ETCD_CALL_TXN, txn, strlen(txn), &r), 0);
	assert_true(r.succeeded);
	assert_int_equal(r.revision, 7);
	assert_int_equal(etcd_decode_answer(ETCD_CALL_DELETE, del, strlen(del), &r), 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(etcd_decode_answer(ETCD_CALL_KEEPALIVE, ka, strlen(ka), &r), 0);
	assert_int_equal(r.lease_id, 2324035750702559247LL);
	assert_int_equal(r.ttl, 5);
	/* an expired lease: TTL left out (zero) */
	assert_int_equal(etcd_decode_answer(ETCD_CALL_KEEPALIVE, gone, strlen(gone), &r), 0);
	assert_int_equal(r.ttl, 0);
	assert_int_equal(etcd_decode_answer(ETCD_CALL_GRANT, grant_err, strlen(grant_err), &r),
			 -EIO);
	assert_string_equal(r.msg, "lease exists");
}

/* every malformed answer: -EPROTO, a message saying what, nothing kept */
static void decode_malformed(void **state)
{
	static const struct {
		const char *body, *says;
	} bad[] = {
	    {"<html>502</html>", "not JSON"},
	    {"[1,2]", "not a JSON object"},
	    {"{\"header\":{\"revision\":\"12x\"}}", "\"revision\" is not a 64-bit integer"},
	    {"{\"header\":{\"revision\":\"99999999999999999999\"}}", "64-bit"},
	    {"{\"header\":{\"revision\":true}}", "\"revision\" is not a number"},
	    {"{\"header\":[]}", "\"header\" is not an object"},
	    {"{\"kvs\":{}}", "\"kvs\" is not an array"},
	    {"{\"kvs\":[1]}", "a key-value is not an object"},
	    {"{\"kvs\":[{\"key\":\"Zm9v\"},{\"key\":\"Zm9v!\"}]}", "\"key\" is not base64"},
	    {"{\"kvs\":[{\"key\":\"Zm9v\",\"value\":7}]}", "\"value\" is not a string"},
	    {"{\"more\":\"yes\"}", "\"more\" is not a boolean"},
	    {"{\"kvs\":[{\"key\":\"Zm9v\"}]", "not JSON"},
	    /* "a.yaml\0x": a string key would be "a.yaml", another's */
	    {"{\"kvs\":[{\"key\":\"YS55YW1sAHg=\"}]}", "a key with a NUL byte"},
	};
	struct etcd_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    etcd_decode_answer(ETCD_CALL_RANGE, bad[i].body, strlen(bad[i].body), &r),
		    -EPROTO);
		assert_int_equal(r.err, -EPROTO);
		assert_non_null(strstr(r.msg, bad[i].says));
		assert_null(r.kvs);
	}
}

static void decode_errors(void **state)
{
	const char *unary =
	    "{\"error\":\"etcdserver: mvcc: required revision has been compacted\","
	    "\"message\":\"etcdserver: mvcc: required revision has been compacted\","
	    "\"code\":11}";
	const char *stream = "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
			     "\"message\":\"etcdserver: no leader\",\"http_status\":\"x\"}}";
	const char *ctrl = "{\"error\":\"x\",\"message\":\"two\\nlines\\u001b\",\"code\":3}";
	char msg[128];

	(void)state;
	assert_int_equal(etcd_decode_error(unary, strlen(unary), msg, sizeof(msg)), 11);
	assert_string_equal(msg, "etcdserver: mvcc: required revision has been compacted");
	assert_int_equal(etcd_decode_error(stream, strlen(stream), msg, sizeof(msg)), 14);
	assert_string_equal(msg, "etcdserver: no leader");
	assert_int_equal(etcd_decode_error(ctrl, strlen(ctrl), msg, sizeof(msg)), 3);
	assert_string_equal(msg, "two?lines?");
	assert_int_equal(etcd_decode_error("{\"x\":1}", 7, msg, sizeof(msg)), -1);
	assert_int_equal(etcd_decode_error("nope", 4, msg, sizeof(msg)), -1);
}

static void decode_watch(void **state)
{
	const char *ev = "{\"result\":{" HDR ",\"events\":[{\"kv\":{\"key\":\"YQ==\","
			 "\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\","
			 "\"value\":\"MQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"Yg==\","
			 "\"mod_revision\":\"5\"}}]}}";
	const char *compacted = "{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,"
				"\"compact_revision\":\"5\"}}";
	const char *disorder =
	    "{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\","
	    "\"mod_revision\":\"9\"}},{\"kv\":{\"key\":\"YQ==\",\"mod_revision\":\"3\"}}]}}";
	const char *no_rev = "{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\"}}]}}";
	/* a watch resumes at the revision + 1: INT64_MAX would wrap */
	const char *max_ev = "{\"result\":{\"events\":[{\"kv\":{\"key\":\"YQ==\","
			     "\"mod_revision\":\"9223372036854775807\"}}]}}";
	const char *max_hdr =
	    "{\"result\":{\"header\":{\"revision\":\"9223372036854775807\"},\"created\":true}}";
	const char *err = "{\"error\":{\"grpc_code\":14,\"message\":\"etcdserver: no leader\"}}";
	struct etcd_watch_msg m;

	(void)state;
	assert_int_equal(etcd_decode_watch(ev, strlen(ev), &m), 0);
	assert_int_equal(m.n_events, 2);
	assert_int_equal(m.events[0].type, ETCD_EVENT_PUT);
	assert_string_equal((char *)m.events[0].kv.value, "1");
	assert_int_equal(m.events[1].type, ETCD_EVENT_DELETE);
	assert_string_equal(m.events[1].kv.key, "b");
	assert_int_equal(m.events[1].kv.mod_revision, 5);
	assert_int_equal(m.revision, 7);
	assert_int_equal(m.error_code, -1);
	etcd_watch_msg_free(&m);

	assert_int_equal(etcd_decode_watch(compacted, strlen(compacted), &m), 0);
	assert_true(m.canceled);
	assert_int_equal(m.compact_revision, 5);
	etcd_watch_msg_free(&m);

	assert_int_equal(etcd_decode_watch(disorder, strlen(disorder), &m), -EPROTO);
	assert_non_null(strstr(m.msg, "out of revision order"));
	assert_null(m.events);
	assert_int_equal(etcd_decode_watch(no_rev, strlen(no_rev), &m), -EPROTO);
	assert_int_equal(etcd_decode_watch(max_ev, strlen(max_ev), &m), -EPROTO);
	assert_non_null(strstr(m.msg, "revision out of range"));
	assert_int_equal(etcd_decode_watch(max_hdr, strlen(max_hdr), &m), -EPROTO);
	assert_non_null(strstr(m.msg, "revision out of range"));

	assert_int_equal(etcd_decode_watch(err, strlen(err), &m), 0);
	assert_int_equal(m.error_code, 14);
	assert_string_equal(m.msg, "etcdserver: no leader");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(b64_vectors),	cmocka_unit_test(b64_binary_round_trip),
	    cmocka_unit_test(b64_rejects),	cmocka_unit_test(prefix_end),
	    cmocka_unit_test(bodies),		cmocka_unit_test(txn_body),
	    cmocka_unit_test(decode_range),	cmocka_unit_test(decode_others),
	    cmocka_unit_test(decode_malformed), cmocka_unit_test(decode_errors),
	    cmocka_unit_test(decode_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
