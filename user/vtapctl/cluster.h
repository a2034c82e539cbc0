/* SPDX-License-Identifier: GPL-2.0 */
/* `vtapctl --etcd URL[,URL...] [--etcd-prefix P] cluster COMMAND`: the
 * operator's side of cluster mode (docs/cluster.md). cluster.c: the
 * commands that write (apply, delete) and get; cluster_nodes.c: what the
 * nodes publish, against the store (status, wait); cluster_stats.c: their
 * counters (stats). */
#ifndef VTAP_VTAPCTL_CLUSTER_H
#define VTAP_VTAPCTL_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "store/etcd.h"
#include "store/store_docs.h"

/* vtapctl's options for the store */
struct vtapctl_store {
	const char *endpoints, *prefix, *cacert, *cert, *key, *user, *password_file;
};

/* argv[0] is the command after "cluster". Returns the exit status. */
int vtapctl_cluster(const struct vtapctl_store *s, int argc, char **argv);
extern const char vtapctl_cluster_usage[];

/* ---- shared by cluster.c and cluster_nodes.c ---- */
struct cl_ctx {
	struct etcd *e;
	const char *prefix;
	char key_g[VTAP_STORE_KEY_MAX]; /* PREFIX/policies/ */
};

/* What the store holds for nodes at one revision: the every-node
 * documents, every node's own, and every node's status. */
struct cl_store {
	int64_t rev;
	struct vtap_store_docs g;
	struct etcd_result nodes;  /* PREFIX/nodes/ */
	struct etcd_result status; /* PREFIX/status/ */
};
int cl_store_read(struct cl_ctx *x, struct cl_store *st);
void cl_store_free(struct cl_store *st);
/* node's own documents (from st->nodes) */
int cl_store_node_docs(const struct cl_ctx *x, const struct cl_store *st, const char *node,
		       struct vtap_store_docs *out);

/* One node as its status says, and how it stands against the store */
struct node {
	const char *name;
	json_t *j; /* its status (owned) */
	int64_t revision;
	bool converged;
	const char *state; /* converged, rejected, lagging */
};

struct nodes {
	struct node *v;
	size_t n;
};
/* the live nodes (those with a status key), each against the store */
int cl_nodes_read(struct cl_ctx *x, const struct cl_store *st, struct nodes *ns);
void cl_nodes_free(struct nodes *ns);
/* a string member of a node's status ("" when missing) */
const char *cl_str_of(const json_t *o, const char *k);

int cl_cmd_status(struct cl_ctx *x, int argc, char **argv);
int cl_cmd_stats(struct cl_ctx *x, int argc, char **argv);
int cl_cmd_wait(struct cl_ctx *x, int argc, char **argv);

#endif
