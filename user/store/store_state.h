/* SPDX-License-Identifier: GPL-2.0 */
/* The last set a node applied from the store, kept on disk so that a vtapd
 * started while the store is unreachable applies it (docs/cluster.md).
 *
 * One JSON file per node, STATE_DIR/cluster-NODE.json:
 *   {"vtap_cluster_state":1,"prefix":"/vtap","node":"n1","revision":42,
 *    "digest":"...","saved_at_ms":...,
 *    "policies":[{"key":...,"mod_revision":...,"value":"<YAML>"}...],
 *    "node_policies":[...]}
 * written whole to a temporary file in the same directory, synced, then
 * renamed over the old one: a reader (or a crash) sees the old set or the
 * new one, never a part. */
#ifndef VTAP_STORE_STORE_STATE_H
#define VTAP_STORE_STORE_STATE_H

#include <stddef.h>
#include "store/store_docs.h"

/* STATE_DIR/cluster-NODE.json into buf; false when it does not fit */
bool vtap_store_state_path(char *buf, size_t n, const char *state_dir, const char *node);

/* The documents applied (global: PREFIX/policies/, node: the node's own),
 * at revision global->rev. Makes state_dir (0700) when missing. 0, or -1
 * with a message naming the file. */
int vtap_store_state_save(const char *path, const char *prefix, const char *node,
			  const struct vtap_store_docs *global,
			  const struct vtap_store_docs *node_docs, char *err, size_t errlen);
/* Read it back: -1 with a message when the file is missing (errno ENOENT),
 * unreadable, not ours (another prefix or node), or malformed. */
int vtap_store_state_load(const char *path, const char *prefix, const char *node,
			  struct vtap_store_docs *global, struct vtap_store_docs *node_docs,
			  char *err, size_t errlen);

#endif
