/* SPDX-License-Identifier: GPL-2.0 */
/* Cluster mode (vtapd --etcd, docs/cluster.md): the policy store as a
 * second source of policy documents, next to --policy-dir.
 *
 * The store's documents (PREFIX/policies/ and PREFIX/nodes/NODE/policies/,
 * store/store_docs.h) are read, then followed by one watch per prefix;
 * the two are brought to one revision before a set is offered to the
 * reload (reload.c), which merges them with the directory's files and
 * applies the whole as one set, as for any other change. What the store
 * offers and what the node applied are kept apart: a set the node cannot
 * apply is rejected here only, the last good set keeps running, and the
 * error is published. The set applied is persisted in --state-dir
 * (store/store_state.h) and applied at a start while the store is away.
 * The node's status goes to PREFIX/status/NODE under a lease.
 *
 * Files: cluster.c (options, start, the loop's fds and timers),
 * cluster_sync.c (reads, watches, one revision, the reload's hooks,
 * persistence), cluster_publish.c (lease and status key),
 * cluster_view.c (vtapctl status). */
#ifndef VTAP_VTAPD_CLUSTER_H
#define VTAP_VTAPD_CLUSTER_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "core/policy.h"
#include "core/sbuf.h"

struct vtapd;
struct vtapd_cluster;

/* the long options, spliced into vtapd's table; handled by
 * vtapd_cluster_option */
enum {
	VTAPD_OPT_ETCD = 0x100,
	VTAPD_OPT_ETCD_PREFIX,
	VTAPD_OPT_NODE,
	VTAPD_OPT_STATE_DIR,
	VTAPD_OPT_ETCD_CACERT,
	VTAPD_OPT_ETCD_CERT,
	VTAPD_OPT_ETCD_KEY,
	VTAPD_OPT_ETCD_USER,
	VTAPD_OPT_ETCD_PASSWORD_FILE,
	VTAPD_OPT_CLUSTER_LAST = VTAPD_OPT_ETCD_PASSWORD_FILE,
};
#define VTAPD_CLUSTER_OPTIONS                                                                      \
	{"etcd", required_argument, NULL, VTAPD_OPT_ETCD},                                         \
	    {"etcd-prefix", required_argument, NULL, VTAPD_OPT_ETCD_PREFIX},                       \
	    {"node", required_argument, NULL, VTAPD_OPT_NODE},                                     \
	    {"state-dir", required_argument, NULL, VTAPD_OPT_STATE_DIR},                           \
	    {"etcd-cacert", required_argument, NULL, VTAPD_OPT_ETCD_CACERT},                       \
	    {"etcd-cert", required_argument, NULL, VTAPD_OPT_ETCD_CERT},                           \
	    {"etcd-key", required_argument, NULL, VTAPD_OPT_ETCD_KEY},                             \
	    {"etcd-user", required_argument, NULL, VTAPD_OPT_ETCD_USER},                           \
	{                                                                                          \
		"etcd-password-file", required_argument, NULL, VTAPD_OPT_ETCD_PASSWORD_FILE        \
	}
/* --help's lines about them */
extern const char vtapd_cluster_usage[];

/* One option (opt: VTAPD_OPT_*). 0, or -1 after a message on stderr. */
int vtapd_cluster_option(struct vtapd_config *cfg, int opt, const char *arg);

/* Before the first reload (cfg.cluster.endpoints set): the client, and a
 * first read of the store, or, when it does not answer, the persisted set.
 * -1 (logged) on a bad option or when nothing can be set up. */
int vtapd_cluster_open(struct vtapd *d);
/* The first reload failed: offer the next set to try (the persisted one
 * instead of the store's, then none). false when there is none left. */
bool vtapd_cluster_fallback(struct vtapd *d);
/* Once the first set is in effect: watches, lease and status, timers; the
 * client's fds into the loop's epoll set ep. */
int vtapd_cluster_start(struct vtapd *d, int ep);
/* An fd of the loop: true when it was the cluster's (handled). */
bool vtapd_cluster_event(struct vtapd *d, int fd);
/* At exit: the lease revoked (the status key goes at once), all freed. */
void vtapd_cluster_close(struct vtapd *d);

/* ---- the reload's hooks (reload.c) ---- */
/* The store's documents to load with the directory's: the every-node ones,
 * then the node's own, labelled "etcd:KEY". 0, or -1 with errs. */
int vtapd_cluster_docs(struct vtapd *d, struct vtap_policy_docs *docs, struct vtap_errors *errs);
/* What the node must have for the set: every local monitor's and receive
 * entry's port that a store document names. -1 with errs when one is not
 * on this node. */
int vtapd_cluster_check(struct vtapd *d, const struct vtap_policy_set *set,
			struct vtap_errors *errs);
/* The reload's outcome (errs: its errors when it failed). */
void vtapd_cluster_result(struct vtapd *d, bool ok, const struct vtap_errors *errs);

/* ---- what others show ---- */
/* "policy dir D", "etcd /vtap (node n1)", or both: for log lines */
const char *vtapd_sources(const struct vtapd *d);
/* The store revision of the set in effect (0: none from the store) */
int64_t vtapd_cluster_revision(const struct vtapd *d);
/* vtapctl status: the "cluster" member's value (JSON; null when not in
 * cluster mode), or the text lines (nothing when not in cluster mode) */
void vtapd_cluster_view(const struct vtapd *d, struct sbuf *o, bool json);

#endif
