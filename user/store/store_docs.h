/* SPDX-License-Identifier: GPL-2.0 */
/* The policy store's side of cluster mode, over the etcd client: where
 * things are kept (the key layout), the documents under a key prefix as of
 * a revision (kept current from watch events), their digest, and the copy
 * of the last set a node applied that it keeps on disk (store_state.c).
 *
 * Keys (docs/cluster.md):
 *   PREFIX/policies/NAME.yaml             a YAML document for every node
 *   PREFIX/nodes/NODE/policies/NAME.yaml  a YAML document for node NODE
 *   PREFIX/status/NODE                    NODE's status (JSON, under its lease)
 * A document's errors name it "etcd:KEY", e.g.
 * "etcd:/vtap/policies/web.yaml:3:5: message". */
#ifndef VTAP_STORE_STORE_DOCS_H
#define VTAP_STORE_STORE_DOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/policy.h"
#include "store/etcd.h"

#define VTAP_STORE_PREFIX_DEFAULT "/vtap"
#define VTAP_STORE_KEY_MAX	  512 /* bytes of a key vtap builds, NUL included */
#define VTAP_STORE_NAME_MAX	  64  /* a node or document name, NUL included */
#define VTAP_STORE_ORIGIN	  "etcd:"

/* "/vtap", "/a/b": starts with '/', no trailing '/', no "//", printable.
 * 0, or -1 with a message naming the prefix. */
int vtap_store_prefix_check(const char *prefix, char *err, size_t errlen);
/* A node or document name: 1..63 of [A-Za-z0-9._-], not "." or "..", so a
 * key holds one path element per name. what names it in the message. */
int vtap_store_name_check(const char *what, const char *name, char *err, size_t errlen);

/* The password in path (--etcd-password-file): its first line, at most
 * 255 bytes; a file others may read or write is refused. malloc'd, or
 * NULL with a message. */
char *vtap_store_read_password(const char *path, char *err, size_t errlen);

/* The keys (buf of VTAP_STORE_KEY_MAX bytes; false when it does not fit) */
bool vtap_store_key_policies(char *buf, const char *prefix); /* PREFIX/policies/ */
bool vtap_store_key_node_policies(char *buf, const char *prefix, const char *node);
bool vtap_store_key_nodes(char *buf, const char *prefix);		     /* PREFIX/nodes/ */
bool vtap_store_key_status(char *buf, const char *prefix, const char *node); /* NODE "": dir */

/* One document: a key and its value as of mod_revision. */
struct vtap_store_doc {
	char *key;
	char *value; /* NUL-terminated (not counted in len) */
	size_t len;
	int64_t mod_revision;
};

/* The documents under one prefix, sorted by key, as the store had them at
 * revision rev: nothing under the prefix changed between rev and the
 * moment the next event was delivered. */
struct vtap_store_docs {
	struct vtap_store_doc *v;
	size_t n;
	int64_t rev;
};

/* Replace everything with a range's answer at revision rev. 0 or -ENOMEM
 * (d unchanged). */
int vtap_store_docs_load(struct vtap_store_docs *d, const struct etcd_kv *kvs, size_t n,
			 int64_t rev);
/* A watch note's events, in order. Events at or below d->rev are already
 * in (a read at a later revision got there first) and are skipped; d->rev
 * becomes the last event's revision. Returns how many changed d, or
 * -ENOMEM (d holds the events before the failed one). */
int vtap_store_docs_events(struct vtap_store_docs *d, const struct etcd_event *ev, size_t n);
int vtap_store_docs_put(struct vtap_store_docs *d, const char *key, const void *value, size_t len,
			int64_t mod_revision);
bool vtap_store_docs_delete(struct vtap_store_docs *d, const char *key);
const struct vtap_store_doc *vtap_store_docs_find(const struct vtap_store_docs *d, const char *key);
int vtap_store_docs_copy(struct vtap_store_docs *dst, const struct vtap_store_docs *src);
void vtap_store_docs_free(struct vtap_store_docs *d);

/* Append every document to a policy loading list, labelled "etcd:KEY"
 * (core/policy.h). 0, or -1 with the error added. */
int vtap_store_docs_to_policy(const struct vtap_store_docs *d, struct vtap_policy_docs *out,
			      struct vtap_errors *errs);

/* What a node runs, in one number: FNV-1a 64 over the (key, mod_revision)
 * pairs of its documents, the every-node ones first, then its own. A node
 * publishes the digest of the set it applied; vtapctl computes the one of
 * the store now: equal means the node runs exactly what the store holds
 * for it (a mod_revision names one value of a key, once). */
uint64_t vtap_store_digest(const struct vtap_store_docs *global,
			   const struct vtap_store_docs *node);

#endif
