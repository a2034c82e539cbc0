// SPDX-License-Identifier: GPL-2.0
/* vtapctl cluster status and wait (cluster.h): what the nodes
 * publish under PREFIX/status/ (each under its lease: a node that died is
 * not there), next to what the store holds for each of them. A node is
 * converged when the digest of the set it applied is the digest of what
 * the store holds for it now (store/store_docs.h): that holds whatever
 * else changed in the store since (other nodes' documents, statuses). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cluster.h"
#include "core/sbuf.h"

int cl_store_read(struct cl_ctx *x, struct cl_store *st)
{
	char key[VTAP_STORE_KEY_MAX];
	struct etcd_result r;

	memset(st, 0, sizeof(*st));
	if (etcd_range(x->e, x->key_g, ETCD_PREFIX, 0, 0, &r)) {
		fprintf(stderr, "vtapctl: %s\n", r.msg);
		etcd_result_free(&r);
		return -1;
	}
	st->rev = r.revision;
	if (vtap_store_docs_load(&st->g, r.kvs, r.n_kvs, r.revision)) {
		etcd_result_free(&r);
		fprintf(stderr, "vtapctl: out of memory\n");
		return -1;
	}
	etcd_result_free(&r);
	/* the rest at the same revision: one moment of the store */
	if (!vtap_store_key_nodes(key, x->prefix) ||
	    etcd_range(x->e, key, ETCD_PREFIX, st->rev, 0, &st->nodes)) {
		fprintf(stderr, "vtapctl: %s\n", st->nodes.msg);
		return -1;
	}
	if (!vtap_store_key_status(key, x->prefix, "") ||
	    etcd_range(x->e, key, ETCD_PREFIX, st->rev, 0, &st->status)) {
		fprintf(stderr, "vtapctl: %s\n", st->status.msg);
		return -1;
	}
	return 0;
}

void cl_store_free(struct cl_store *st)
{
	vtap_store_docs_free(&st->g);
	etcd_result_free(&st->nodes);
	etcd_result_free(&st->status);
}

int cl_store_node_docs(const struct cl_ctx *x, const struct cl_store *st, const char *node,
		       struct vtap_store_docs *out)
{
	char dir[VTAP_STORE_KEY_MAX];
	size_t len;

	out->rev = st->rev;
	if (!vtap_store_key_node_policies(dir, x->prefix, node))
		return -1;
	len = strlen(dir);
	for (size_t i = 0; i < st->nodes.n_kvs; i++) {
		const struct etcd_kv *kv = &st->nodes.kvs[i];

		if (!strncmp(kv->key, dir, len) &&
		    vtap_store_docs_put(out, kv->key, kv->value, kv->value_len, kv->mod_revision))
			return -1;
	}
	return 0;
}

void cl_nodes_free(struct nodes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		json_decref(ns->v[i].j);
	free(ns->v);
}

const char *cl_str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* the live nodes (those with a status key), each against the store */
int cl_nodes_read(struct cl_ctx *x, const struct cl_store *st, struct nodes *ns)
{
	char dir[VTAP_STORE_KEY_MAX], hex[20];

	memset(ns, 0, sizeof(*ns));
	vtap_store_key_status(dir, x->prefix, "");
	ns->v = calloc(st->status.n_kvs + 1, sizeof(*ns->v));
	if (!ns->v)
		return -1;
	for (size_t i = 0; i < st->status.n_kvs; i++) {
		const struct etcd_kv *kv = &st->status.kvs[i];
		struct vtap_store_docs own = {0};
		struct node *n = &ns->v[ns->n];
		json_error_t je;

		n->name = kv->key + strlen(dir);
		n->j = json_loadb((const char *)kv->value, kv->value_len, 0, &je);
		if (!json_is_object(n->j)) {
			fprintf(stderr, "vtapctl: cluster: %s is not a node's status: %s\n",
				kv->key, je.text);
			json_decref(n->j);
			continue;
		}
		if (cl_store_node_docs(x, st, n->name, &own)) {
			vtap_store_docs_free(&own);
			return -1;
		}
		snprintf(hex, sizeof(hex), "%016" PRIx64, vtap_store_digest(&st->g, &own));
		vtap_store_docs_free(&own);
		n->revision = json_integer_value(json_object_get(n->j, "revision"));
		n->converged = !strcmp(cl_str_of(n->j, "digest"), hex) &&
			       !strcmp(cl_str_of(n->j, "source"), "live");
		n->state = n->converged					      ? "converged"
			   : json_array_size(json_object_get(n->j, "errors")) ? "rejected"
									      : "lagging";
		json_object_set_new(n->j, "alive", json_true());
		json_object_set_new(n->j, "state", json_string(n->state));
		json_object_set_new(n->j, "converged", json_boolean(n->converged));
		json_object_set_new(n->j, "store_revision", json_integer(st->rev));
		json_object_set_new(n->j, "expected_digest", json_string(hex));
		ns->n++;
	}
	return 0;
}

/* a node whose documents are in the store but that has no status */
static bool has_status(const struct nodes *ns, const char *name, size_t len)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strlen(ns->v[i].name) == len && !strncmp(ns->v[i].name, name, len))
			return true;
	return false;
}

static void ports_text(const json_t *ports, char *buf, size_t n)
{
	size_t i, off = 0;
	json_t *p;

	buf[0] = '\0';
	json_array_foreach(ports, i, p)
	{
		int w = snprintf(buf + off, n - off, "%s%s", i ? "," : "", json_string_value(p));

		if (w < 0 || (size_t)w >= n - off)
			break;
		off += (size_t)w;
	}
	if (!off)
		snprintf(buf, n, "-");
}

int cl_cmd_status(struct cl_ctx *x, int argc, char **argv)
{
	bool json = argc == 1 && !strcmp(argv[0], "--json");
	char dir[VTAP_STORE_KEY_MAX], ports[64];
	struct cl_store st;
	struct nodes ns = {0};
	json_t *out = NULL, *arr;
	int rc = 1;

	if (argc > 1 || (argc == 1 && !json)) {
		fprintf(stderr, "usage: vtapctl cluster status [--json]\n");
		return 2;
	}
	if (cl_store_read(x, &st) || cl_nodes_read(x, &st, &ns))
		goto out;
	vtap_store_key_nodes(dir, x->prefix);
	out = json_pack("{s:I,s:[]}", "revision", (json_int_t)st.rev, "nodes");
	arr = json_object_get(out, "nodes");
	if (!json)
		printf("store revision %" PRId64
		       ", %zu node%s alive\n%-16s %-10s %8s %8s  %-7s %-20s "
		       "%s\n",
		       st.rev, ns.n, ns.n == 1 ? "" : "s", "NODE", "STATE", "REVISION", "POLICIES",
		       "SOURCE", "PORTS", "ERROR");
	for (size_t i = 0; i < ns.n; i++) {
		json_t *j = ns.v[i].j;

		json_object_del(j, "stats");
		json_array_append(arr, j);
		if (json)
			continue;
		ports_text(json_object_get(j, "ports"), ports, sizeof(ports));
		printf("%-16s %-10s %8" PRId64 " %8" PRId64 "  %-7s %-20s %s\n", ns.v[i].name,
		       ns.v[i].state, ns.v[i].revision,
		       (int64_t)json_integer_value(json_object_get(j, "policies")),
		       cl_str_of(j, "source"), ports, cl_str_of(j, "last_error"));
	}
	/* nodes the store has documents for, without a status: not running */
	for (size_t i = 0; i < st.nodes.n_kvs; i++) {
		const char *name = st.nodes.kvs[i].key + strlen(dir), *end = strchr(name, '/');
		size_t len = end ? (size_t)(end - name) : strlen(name);

		if (!len || has_status(&ns, name, len) ||
		    (i > 0 && !strncmp(st.nodes.kvs[i - 1].key + strlen(dir), name, len) &&
		     st.nodes.kvs[i - 1].key[strlen(dir) + len] == '/'))
			continue;
		json_array_append_new(arr, json_pack("{s:s%,s:b,s:s}", "node", name, len, "alive",
						     0, "state", "not alive"));
		if (!json)
			printf("%-16.*s %-10s %8s %8s  %-7s %-20s (documents under %s%.*s/, no "
			       "status)\n",
			       (int)len, name, "not alive", "-", "-", "-", "-", dir, (int)len,
			       name);
	}
	if (json) {
		char *s = json_dumps(out, JSON_COMPACT);

		if (s)
			printf("%s\n", s);
		free(s);
	}
	rc = 0;
out:
	json_decref(out);
	cl_nodes_free(&ns);
	cl_store_free(&st);
	return rc;
}

/* ---- wait ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cl_cmd_wait(struct cl_ctx *x, int argc, char **argv)
{
	int64_t want = 0;
	double timeout = 30, t0 = now_s();
	char *end;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--revision") && i + 1 < argc) {
			want = strtoll(argv[++i], &end, 10);
			if (*end || want <= 0)
				goto usage;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout = strtod(argv[++i], &end);
			if (*end || timeout < 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	for (;;) {
		struct cl_store st;
		struct nodes ns = {0};
		struct sbuf late = {0};
		size_t n_late = 0;
		bool over = now_s() - t0 >= timeout;

		if (cl_store_read(x, &st) || cl_nodes_read(x, &st, &ns)) {
			cl_nodes_free(&ns);
			cl_store_free(&st);
			if (over)
				return 1;
		} else {
			if (!want)
				want = st.rev; /* "now": what the store holds when asked */
			/* a node has applied R when its set is the store's at R
			 * or later, or is what the store holds for it now */
			for (size_t i = 0; i < ns.n; i++) {
				const struct node *nd = &ns.v[i];

				if (nd->converged || (nd->revision >= want &&
						      !strcmp(cl_str_of(nd->j, "source"), "live")))
					continue;
				sbuf_printf(&late, "%s%s (%s, revision %" PRId64 "%s%s)",
					    n_late++ ? ", " : "", nd->name, nd->state, nd->revision,
					    *cl_str_of(nd->j, "last_error") ? ": " : "",
					    cl_str_of(nd->j, "last_error"));
			}
			if (!n_late)
				printf("revision %" PRId64 " applied by %zu live node%s\n", want,
				       ns.n, ns.n == 1 ? "" : "s");
			if (!n_late && !ns.n)
				fprintf(stderr,
					"vtapctl: cluster wait: no node is alive (no status "
					"under %s/status/)\n",
					x->prefix);
			else if (over)
				fprintf(stderr,
					"vtapctl: cluster wait: revision %" PRId64
					" not applied within %g s by %s\n",
					want, timeout, late.s ? late.s : "");
			cl_nodes_free(&ns);
			cl_store_free(&st);
			sbuf_free(&late);
			if (!n_late)
				return 0;
			if (over)
				return 1;
		}
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
	}
usage:
	fprintf(stderr, "usage: vtapctl cluster wait [--revision R] [--timeout S]\n");
	return 2;
}
