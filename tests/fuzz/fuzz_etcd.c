// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the etcd client's decoders (user/store/etcd_json.c,
 * etcd_b64.c) on arbitrary bytes, the way an etcd endpoint (or anything
 * answering at its address) could send them.
 *
 * Byte 0 picks the decoder: 0-7 an answer of that call kind (range, put,
 * delete, txn, compact, grant, keepalive, revoke), 8 a watch message, 9 an
 * error body, 10 base64; the rest is the body. The outcome must be:
 *   - an answer: 0 with every key-value's key and value allocated and
 *     NUL-terminated (lengths as decoded), or -EPROTO/-EIO/-ENOMEM with a
 *     message and nothing allocated;
 *   - a watch message: 0 with events in revision order, each with a
 *     revision, or -EPROTO with a message;
 *   - an error body: a gRPC code in 0..1000 with a message without control
 *     characters, or -1;
 *   - base64: decoding then encoding gives the input back (the decoder
 *     accepts only the canonical padded form, bar unused low bits).
 * Everything is freed, so ASan's leak check covers the decoders too.
 *
 * Build: make build/fuzz/fuzz_etcd   Run: see tests/fuzz/README.md */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd_json.h"

#define FUZZ_NAME "fuzz_etcd"
#include "fuzz_common.h"

static void check_text(const char *msg)
{
	for (; *msg; msg++)
		CHECK((unsigned char)*msg >= 0x20 && *msg != 0x7f, "control byte in a message");
}

static void answer(enum etcd_call_kind kind, const char *buf, size_t len)
{
	struct etcd_result r;
	int rc = etcd_decode_answer(kind, buf, len, &r);
	size_t i;

	if (rc) {
		CHECK(rc == -EPROTO || rc == -EIO || rc == -ENOMEM, "unexpected rc %d", rc);
		CHECK(r.err == rc, "err %d != rc %d", r.err, rc);
		CHECK(r.msg[0], "failure without a message");
		CHECK(!r.kvs && !r.n_kvs, "a failure kept key-values");
		check_text(r.msg);
		return;
	}
	CHECK(!r.err, "success with err %d", r.err);
	CHECK(kind == ETCD_CALL_RANGE || !r.n_kvs, "key-values outside a range");
	for (i = 0; i < r.n_kvs; i++) {
		CHECK(r.kvs[i].key && r.kvs[i].value, "kv %zu without key or value", i);
		CHECK(r.kvs[i].key[r.kvs[i].key_len] == '\0', "key not terminated");
		CHECK(r.kvs[i].value[r.kvs[i].value_len] == '\0', "value not terminated");
	}
	etcd_result_free(&r);
}

static void watch(const char *buf, size_t len)
{
	struct etcd_watch_msg m;
	size_t i;

	if (etcd_decode_watch(buf, len, &m)) {
		CHECK(m.msg[0], "failure without a message");
		CHECK(!m.events && !m.n_events, "a failure kept events");
		check_text(m.msg);
		return;
	}
	check_text(m.msg);
	CHECK(m.error_code < 0 || !m.n_events, "an error with events");
	for (i = 0; i < m.n_events; i++) {
		CHECK(m.events[i].kv.mod_revision > 0, "an event without a revision");
		CHECK(!i || m.events[i].kv.mod_revision >= m.events[i - 1].kv.mod_revision,
		      "events out of order");
		CHECK(m.events[i].kv.key && m.events[i].kv.value, "event without key or value");
	}
	etcd_watch_msg_free(&m);
}

static void b64(const char *buf, size_t len)
{
	unsigned char *out;
	size_t n;

	if (etcd_b64_decode(buf, len, &out, &n))
		return;
	char *again = etcd_b64_encode(out, n);

	CHECK(again, "encode failed");
	CHECK(strlen(again) == len, "length %zu -> %zu", len, strlen(again));
	/* only the last data character may differ (unused low bits) */
	size_t last = len - (len && buf[len - 1] == '=') - (len > 1 && buf[len - 2] == '=');

	CHECK(len < 4 || !memcmp(again, buf, last ? last - 1 : 0), "round trip differs");
	free(again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256];

	if (size < 1)
		return 0;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;

	switch (data[0] % 11) {
	case 8:
		watch(buf, len);
		break;
	case 9: {
		int code = etcd_decode_error(buf, len, msg, sizeof(msg));

		CHECK(code >= -1 && code <= 1000, "code %d", code);
		if (code >= 0)
			check_text(msg);
		break;
	}
	case 10:
		b64(buf, len);
		break;
	default:
		answer((enum etcd_call_kind)(data[0] % 11), buf, len);
	}
	return 0;
}
