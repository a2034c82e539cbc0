// SPDX-License-Identifier: GPL-2.0
/* The key-value and lease calls, each an asynchronous and a blocking
 * form over the same request (etcd_req.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "store/etcd_internal.h"

static int start(struct etcd *e, enum etcd_call_kind kind, const char *subject, char *body,
		 etcd_done_fn done, void *arg)
{
	return etcd_req_start(e, kind, subject, body, -1, 0, done, arg) ? 0 : -ENOMEM;
}

/* what a txn's messages name: its first key, and how many more */
static void txn_subject(const struct etcd_op *ops, size_t n_ops, char *buf, size_t n)
{
	if (!n_ops)
		snprintf(buf, n, "(compares only)");
	else if (n_ops == 1)
		snprintf(buf, n, "'%.100s'", ops[0].key);
	else
		etcd_fmt(buf, n, "'%.100s' and %zu more", ops[0].key, n_ops - 1);
}

static void id_subject(int64_t id, char *buf, size_t n)
{
	snprintf(buf, n, "%" PRId64, id);
}

int etcd_range_async(struct etcd *e, const char *key, unsigned flags, int64_t revision,
		     int64_t limit, etcd_done_fn done, void *arg)
{
	return start(e, ETCD_CALL_RANGE, key, etcd_body_range(key, flags, revision, limit), done,
		     arg);
}

int etcd_put_async(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
		   etcd_done_fn done, void *arg)
{
	return start(e, ETCD_CALL_PUT, key, etcd_body_put(key, value, len, lease), done, arg);
}

int etcd_delete_async(struct etcd *e, const char *key, unsigned flags, etcd_done_fn done, void *arg)
{
	return start(e, ETCD_CALL_DELETE, key, etcd_body_delete(key, flags), done, arg);
}

int etcd_txn_async(struct etcd *e, const struct etcd_cmp *cmps, size_t n_cmps,
		   const struct etcd_op *ops, size_t n_ops, etcd_done_fn done, void *arg)
{
	char subject[128];

	txn_subject(ops, n_ops, subject, sizeof(subject));
	return start(e, ETCD_CALL_TXN, subject, etcd_body_txn(cmps, n_cmps, ops, n_ops), done, arg);
}

int etcd_compact_async(struct etcd *e, int64_t revision, etcd_done_fn done, void *arg)
{
	char subject[24];

	id_subject(revision, subject, sizeof(subject));
	return start(e, ETCD_CALL_COMPACT, subject, etcd_body_compact(revision), done, arg);
}

int etcd_range(struct etcd *e, const char *key, unsigned flags, int64_t revision, int64_t limit,
	       struct etcd_result *out)
{
	return etcd_req_sync(e, ETCD_CALL_RANGE, key, etcd_body_range(key, flags, revision, limit),
			     out);
}

int etcd_put(struct etcd *e, const char *key, const void *value, size_t len, int64_t lease,
	     struct etcd_result *out)
{
	return etcd_req_sync(e, ETCD_CALL_PUT, key, etcd_body_put(key, value, len, lease), out);
}

int etcd_delete(struct etcd *e, const char *key, unsigned flags, struct etcd_result *out)
{
	return etcd_req_sync(e, ETCD_CALL_DELETE, key, etcd_body_delete(key, flags), out);
}

int etcd_txn(struct etcd *e, const struct etcd_cmp *cmps, size_t n_cmps, const struct etcd_op *ops,
	     size_t n_ops, struct etcd_result *out)
{
	char subject[128];

	txn_subject(ops, n_ops, subject, sizeof(subject));
	return etcd_req_sync(e, ETCD_CALL_TXN, subject, etcd_body_txn(cmps, n_cmps, ops, n_ops),
			     out);
}

int etcd_compact(struct etcd *e, int64_t revision, struct etcd_result *out)
{
	char subject[24];

	id_subject(revision, subject, sizeof(subject));
	return etcd_req_sync(e, ETCD_CALL_COMPACT, subject, etcd_body_compact(revision), out);
}

int etcd_lease_grant(struct etcd *e, int64_t ttl_s, struct etcd_result *out)
{
	return etcd_req_sync(e, ETCD_CALL_GRANT, NULL, etcd_body_grant(ttl_s), out);
}

int etcd_lease_revoke(struct etcd *e, int64_t id, struct etcd_result *out)
{
	char subject[24];

	id_subject(id, subject, sizeof(subject));
	return etcd_req_sync(e, ETCD_CALL_REVOKE, subject, etcd_body_lease_id(id), out);
}
