// SPDX-License-Identifier: GPL-2.0
/* vtapctl cluster (cluster.h): apply, delete and get, and the commands'
 * frame. A change is checked with the validator vtapd uses, merged with
 * what the store holds for the same nodes (errors name FILE:LINE:COLUMN,
 * or etcd:KEY:LINE:COLUMN for a stored document); nothing is written when
 * anything is wrong, and what is written goes in one transaction: one
 * revision. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "core/policy.h"

/* etcd's default --max-txn-ops */
#define TXN_OPS_MAX 128

const char vtapctl_cluster_usage[] =
    "  cluster apply FILE... [--node NAME]\n"
    "                           check the files (with what the store holds), then\n"
    "                           write them in one transaction; prints its revision\n"
    "  cluster delete NAME... [--node NAME]\n"
    "  cluster get [NAME] [--node NAME]\n"
    "                           the stored YAML\n"
    "  cluster status [--json]  every node: alive, converged or not, revision, error\n"
    "  cluster stats [NAME] [--json]\n"
    "                           counters summed over the nodes, and per node\n"
    "  cluster wait [--revision R] [--timeout S]\n"
    "                           until every live node applied R (default: now)\n";

/* the options every subcommand may have: --node NAME, --json, and the
 * rest left in order in argv (returns how many) */
struct cl_args {
	const char *node;
	bool json;
};

static int take_args(int argc, char **argv, struct cl_args *a, bool node_ok)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		if (node_ok && !strcmp(argv[i], "--node") && i + 1 < argc)
			a->node = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			a->json = true;
		else
			argv[n++] = argv[i];
	}
	return n;
}

/* the prefix of the documents a command works on: every node's, or one's */
static int docs_prefix(const struct cl_ctx *x, const char *node, char *key)
{
	char err[256];

	if (!node) {
		snprintf(key, VTAP_STORE_KEY_MAX, "%s", x->key_g);
		return 0;
	}
	if (vtap_store_name_check("--node", node, err, sizeof(err))) {
		fprintf(stderr, "vtapctl: cluster: %s\n", err);
		return -1;
	}
	if (!vtap_store_key_node_policies(key, x->prefix, node)) {
		fprintf(stderr, "vtapctl: cluster: --node %s: key too long\n", node);
		return -1;
	}
	return 0;
}

/* NAME, NAME.yaml or a path to one: the document's key under dir */
static int doc_key(const char *dir, const char *arg, char *key)
{
	char *copy = strdup(arg), *base, err[256];
	size_t len;
	int rc = -1;

	if (!copy)
		return -1;
	base = basename(copy);
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".yaml"))
		base[len - 5] = '\0';
	else if (len > 4 && !strcmp(base + len - 4, ".yml"))
		base[len - 4] = '\0';
	if (vtap_store_name_check("document name", base, err, sizeof(err)))
		fprintf(stderr, "vtapctl: cluster: %s (from %s)\n", err, arg);
	else if (snprintf(key, VTAP_STORE_KEY_MAX, "%s%s.yaml", dir, base) >= VTAP_STORE_KEY_MAX)
		fprintf(stderr, "vtapctl: cluster: %s: key too long\n", arg);
	else
		rc = 0;
	free(copy);
	return rc;
}

static void print_errors(const struct vtap_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msgs[i]);
}

static int read_docs(struct cl_ctx *x, const char *dir, struct vtap_store_docs *out)
{
	struct etcd_result r;
	int rc;

	if (etcd_range(x->e, dir, ETCD_PREFIX, 0, 0, &r)) {
		fprintf(stderr, "vtapctl: %s\n", r.msg);
		etcd_result_free(&r);
		return -1;
	}
	rc = vtap_store_docs_load(out, r.kvs, r.n_kvs, r.revision);
	etcd_result_free(&r);
	if (rc)
		fprintf(stderr, "vtapctl: out of memory\n");
	return rc;
}

/* The set the nodes would load after the change: the store's documents
 * for them (every node's and, with --node, the node's own), with keys
 * replaced or removed, plus the new bodies (NULL: a delete). 0 when
 * valid; else the errors are printed. */
static int check_merged(struct cl_ctx *x, const char *node, struct vtap_store_docs *store,
			char **keys, const struct vtap_policy_docs *bodies, size_t n)
{
	struct vtap_store_docs g = {0};
	struct vtap_policy_docs docs = {0};
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	int rc;

	for (size_t i = 0; i < n; i++)
		vtap_store_docs_delete(store, keys[i]);
	/* a node's own documents are loaded after every node's */
	if (node && read_docs(x, x->key_g, &g))
		return -1;
	rc = vtap_store_docs_to_policy(node ? &g : store, &docs, &errs);
	if (!rc && node)
		rc = vtap_store_docs_to_policy(store, &docs, &errs);
	for (size_t i = 0; !rc && bodies && i < n; i++)
		rc = vtap_policy_docs_add(&docs, bodies->v[i].origin, bodies->v[i].text,
					  bodies->v[i].len, &errs);
	if (!rc)
		rc = vtap_policy_load_docs(&docs, &set, &errs);
	if (rc) {
		print_errors(&errs);
		fprintf(stderr,
			"vtapctl: cluster: the nodes%s%s would reject the set: nothing "
			"written\n",
			node ? " of " : "", node ? node : "");
	}
	vtap_errors_free(&errs);
	vtap_policy_set_free(&set);
	vtap_policy_docs_free(&docs);
	vtap_store_docs_free(&g);
	return rc ? -1 : 0;
}

static int txn_print(struct cl_ctx *x, const struct etcd_cmp *cmps, size_t n_cmps,
		     const struct etcd_op *ops, size_t n_ops, const char *verb)
{
	struct etcd_result r;

	if (etcd_txn(x->e, cmps, n_cmps, ops, n_ops, &r)) {
		fprintf(stderr, "vtapctl: %s\n", r.msg);
		etcd_result_free(&r);
		return -1;
	}
	etcd_result_free(&r);
	if (!r.succeeded)
		return 1; /* something changed since it was read */
	printf("revision %" PRId64 "\n", r.revision);
	for (size_t i = 0; i < n_ops; i++)
		printf("%s %s\n", verb, ops[i].key);
	return 0;
}

/* apply (bodies: the files' texts) and delete (bodies NULL): read, check,
 * write if nothing changed in between; again (3 times at most) when
 * something did */
static int change(struct cl_ctx *x, const char *node, char **keys,
		  const struct vtap_policy_docs *bodies, size_t n)
{
	struct etcd_cmp cmps[TXN_OPS_MAX];
	struct etcd_op ops[TXN_OPS_MAX];
	char dir[VTAP_STORE_KEY_MAX];
	int rc = -1;

	if (n > TXN_OPS_MAX) {
		fprintf(stderr,
			"vtapctl: cluster: at most %d documents per command (etcd's "
			"--max-txn-ops)\n",
			TXN_OPS_MAX);
		return 2;
	}
	if (docs_prefix(x, node, dir))
		goto out;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct vtap_store_docs store = {0};

		if (read_docs(x, dir, &store))
			goto out;
		for (size_t i = 0; i < n; i++) {
			const struct vtap_store_doc *cur = vtap_store_docs_find(&store, keys[i]);

			/* written only if it is still as it was read */
			cmps[i] = (struct etcd_cmp){.key = keys[i],
						    .target = ETCD_CMP_MOD,
						    .result = ETCD_CMP_EQUAL,
						    .value = cur ? cur->mod_revision : 0};
			if (!bodies && !cur) {
				fprintf(stderr, "vtapctl: cluster: no document %s\n", keys[i]);
				vtap_store_docs_free(&store);
				goto out;
			}
			ops[i] = (struct etcd_op){.type = bodies ? ETCD_OP_PUT : ETCD_OP_DELETE,
						  .key = keys[i],
						  .value = bodies ? bodies->v[i].text : NULL,
						  .value_len = bodies ? bodies->v[i].len : 0};
		}
		rc = check_merged(x, node, &store, keys, bodies, n);
		vtap_store_docs_free(&store);
		if (rc)
			goto out;
		rc = txn_print(x, cmps, n, ops, n, bodies ? "put" : "deleted");
		if (rc <= 0)
			goto out;
	}
	fprintf(stderr, "vtapctl: cluster: the documents kept changing while being written: "
			"nothing written\n");
	rc = -1;
out:
	return rc ? 1 : 0;
}

static int keys_of(const struct cl_ctx *x, const char *node, int n, char **args, char ***keys)
{
	char dir[VTAP_STORE_KEY_MAX];

	if (docs_prefix(x, node, dir))
		return -1;
	*keys = calloc((size_t)n + 1, sizeof(**keys));
	for (int i = 0; *keys && i < n; i++) {
		(*keys)[i] = malloc(VTAP_STORE_KEY_MAX);
		if (!(*keys)[i] || doc_key(dir, args[i], (*keys)[i]))
			return -1;
		for (int j = 0; j < i; j++) {
			if (!strcmp((*keys)[i], (*keys)[j])) {
				fprintf(stderr, "vtapctl: cluster: %s and %s are both %s\n",
					args[j], args[i], (*keys)[i]);
				return -1;
			}
		}
	}
	return *keys ? 0 : -1;
}

static void keys_free(char **keys, int n)
{
	for (int i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
}

/* the files read once: what is checked (with the store's documents, so a
 * file may use a monitor another document defines) is what is written */
static int read_files(int n, char **files, struct vtap_policy_docs *bodies)
{
	struct vtap_errors errs = {0};
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad |= vtap_policy_docs_add_file(bodies, files[i], &errs);
	print_errors(&errs);
	vtap_errors_free(&errs);
	if (bad)
		fprintf(stderr, "vtapctl: cluster apply: nothing written\n");
	return bad ? -1 : 0;
}

static int cmd_apply(struct cl_ctx *x, int argc, char **argv, bool del)
{
	struct vtap_policy_docs bodies = {0};
	struct cl_args a = {0};
	char **keys = NULL;
	int n = take_args(argc, argv, &a, true), rc = 1;

	if (!n) {
		fprintf(stderr, "usage: vtapctl cluster %s\n",
			del ? "delete NAME... [--node NAME]" : "apply FILE... [--node NAME]");
		return 2;
	}
	if ((del || !read_files(n, argv, &bodies)) && !keys_of(x, a.node, n, argv, &keys))
		rc = change(x, a.node, keys, del ? NULL : &bodies, (size_t)n);
	keys_free(keys, n);
	vtap_policy_docs_free(&bodies);
	return rc;
}

static int cmd_get(struct cl_ctx *x, int argc, char **argv)
{
	struct cl_args a = {0};
	struct vtap_store_docs docs = {0};
	char dir[VTAP_STORE_KEY_MAX], key[VTAP_STORE_KEY_MAX];
	int n = take_args(argc, argv, &a, true), rc = 1;

	if (n > 1) {
		fprintf(stderr, "usage: vtapctl cluster get [NAME] [--node NAME]\n");
		return 2;
	}
	if (docs_prefix(x, a.node, dir) || (n && doc_key(dir, argv[0], key)) ||
	    read_docs(x, dir, &docs))
		return 1;
	if (n) {
		const struct vtap_store_doc *d = vtap_store_docs_find(&docs, key);

		if (d)
			rc = fwrite(d->value, 1, d->len, stdout) == d->len ? 0 : 1;
		else
			fprintf(stderr, "vtapctl: cluster get: no document %s\n", key);
	} else {
		for (size_t i = 0; i < docs.n; i++) {
			printf("%s# %s (revision %" PRId64 ")\n", i ? "---\n" : "", docs.v[i].key,
			       docs.v[i].mod_revision);
			fwrite(docs.v[i].value, 1, docs.v[i].len, stdout);
			if (docs.v[i].len && docs.v[i].value[docs.v[i].len - 1] != '\n')
				printf("\n");
		}
		rc = 0;
	}
	vtap_store_docs_free(&docs);
	return rc;
}

int vtapctl_cluster(const struct vtapctl_store *s, int argc, char **argv)
{
	struct etcd_opts o = {.endpoints = s->endpoints,
			      .cacert = s->cacert,
			      .cert = s->cert,
			      .key = s->key,
			      .user = s->user};
	struct cl_ctx x = {.prefix = s->prefix ? s->prefix : VTAP_STORE_PREFIX_DEFAULT};
	char err[1024], *password = NULL;
	int rc = 2;

	if (argc < 1) {
		fprintf(stderr, "usage: vtapctl --etcd URL[,URL...] cluster COMMAND ...\n%s",
			vtapctl_cluster_usage);
		return 2;
	}
	if (!s->endpoints) {
		fprintf(stderr, "vtapctl: cluster: give the store: --etcd URL[,URL...]\n");
		return 2;
	}
	if (vtap_store_prefix_check(x.prefix, err, sizeof(err)) ||
	    !vtap_store_key_policies(x.key_g, x.prefix)) {
		fprintf(stderr, "vtapctl: %s\n", err);
		return 2;
	}
	if (s->password_file &&
	    !(password = vtap_store_read_password(s->password_file, err, sizeof(err)))) {
		fprintf(stderr, "vtapctl: %s\n", err);
		return 2;
	}
	o.password = password;
	x.e = etcd_new(&o, err, sizeof(err));
	free(password);
	if (!x.e) {
		fprintf(stderr, "vtapctl: %s\n", err);
		return 2;
	}
	if (!strcmp(argv[0], "apply") || !strcmp(argv[0], "delete"))
		rc = cmd_apply(&x, argc - 1, argv + 1, argv[0][0] == 'd');
	else if (!strcmp(argv[0], "get"))
		rc = cmd_get(&x, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "status"))
		rc = cl_cmd_status(&x, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "stats"))
		rc = cl_cmd_stats(&x, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "wait"))
		rc = cl_cmd_wait(&x, argc - 1, argv + 1);
	else
		fprintf(stderr, "vtapctl: cluster: unknown command %s\n%s", argv[0],
			vtapctl_cluster_usage);
	etcd_free(x.e);
	return rc;
}
