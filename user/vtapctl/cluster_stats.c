// SPDX-License-Identifier: GPL-2.0
/* vtapctl cluster stats (cluster.h): the per-policy counters every live
 * node publishes in its status (the field names of `vtapctl stats
 * --json`), summed over the nodes, then each node's. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "core/sbuf.h"
#include "ctl/counters.h"
#include "ctl/views.h"

struct named_counters {
	const char *name;
	const char *node;
	struct vtap_counters c;
};

static void counters_of(const json_t *e, struct vtap_counters *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < vtap_counters_fields.n; i++) {
		const struct vtap_counter_field *f = &vtap_counters_fields.f[i];
		uint64_t v = (uint64_t)json_integer_value(json_object_get(e, f->name));
		uint32_t v32 = (uint32_t)v;

		memcpy((char *)c + f->off, f->size == 8 ? (void *)&v : (void *)&v32, f->size);
	}
}

static void counters_add(struct vtap_counters *sum, const struct vtap_counters *c)
{
	for (size_t i = 0; i < vtap_counters_fields.n; i++) {
		const struct vtap_counter_field *f = &vtap_counters_fields.f[i];
		uint64_t v = vtap_field_value(f, sum) + vtap_field_value(f, c);
		uint32_t v32 = (uint32_t)v;

		memcpy((char *)sum + f->off, f->size == 8 ? (void *)&v : (void *)&v32, f->size);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct named_counters *)a)->name,
		      ((const struct named_counters *)b)->name);
}

static void row(struct sbuf *o, bool json, bool *first, const char *name,
		const struct vtap_counters *c, struct vtap_stats_view *v)
{
	if (!json) {
		vtap_stats_policy(v, name, c);
		return;
	}
	sbuf_printf(o, "%s{\"name\":", *first ? "" : ",");
	sbuf_json_str(o, name);
	vtap_fields_json(o, &vtap_counters_fields, c);
	sbuf_printf(o, "}");
	*first = false;
}

/* the nodes' counters: the sums per policy, then each node's */
static void stats_out(const struct nodes *ns, struct named_counters *all, size_t n,
		      const char *only, bool json, struct sbuf *o)
{
	struct vtap_stats_view v;
	bool first = true, complete = true;

	for (size_t k = 0; k < ns->n; k++)
		complete &= json_is_true(json_object_get(ns->v[k].j, "counters_complete"));
	qsort(all, n, sizeof(*all), by_name);
	if (json)
		sbuf_printf(o, "{\"nodes_counted\":%zu,\"complete\":%s,\"policies\":[", ns->n,
			    complete ? "true" : "false");
	else
		vtap_stats_begin(&v, o, &(struct vtap_ctl_req){.name = only, .fd = -1});
	for (size_t i = 0; i < n;) {
		struct vtap_counters sum = {0};
		size_t j = i;

		for (; j < n && !strcmp(all[j].name, all[i].name); j++)
			counters_add(&sum, &all[j].c);
		row(o, json, &first, all[i].name, &sum, &v);
		i = j;
	}
	if (!n && only) /* no node counted anything for it */
		row(o, json, &first, only, &(struct vtap_counters){0}, &v);
	if (json)
		sbuf_printf(o, "],\"nodes\":[");
	for (size_t k = 0; k < ns->n; k++) {
		bool first_row = true;

		if (json) {
			sbuf_printf(o, "%s{\"node\":", k ? "," : "");
			sbuf_json_str(o, ns->v[k].name);
			sbuf_printf(o, ",\"policies\":[");
		} else {
			sbuf_printf(o, "\nnode %s:\n", ns->v[k].name);
			vtap_stats_begin(&v, o, &(struct vtap_ctl_req){.name = only, .fd = -1});
		}
		for (size_t i = 0; i < n; i++)
			if (!strcmp(all[i].node, ns->v[k].name))
				row(o, json, &first_row, all[i].name, &all[i].c, &v);
		if (json)
			sbuf_printf(o, "]}");
	}
	if (json)
		sbuf_printf(o, "]}\n");
	else if (!complete)
		sbuf_printf(o, "\n(a node's status was cut to fit etcd's request size: its sums "
			       "miss some policies)\n");
}

int cl_cmd_stats(struct cl_ctx *x, int argc, char **argv)
{
	const char *only = NULL;
	bool json = false;
	struct cl_store st;
	struct nodes ns = {0};
	struct named_counters *all = NULL;
	struct sbuf o = {0};
	size_t n = 0, cap = 0;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!only && argv[i][0] != '-')
			only = argv[i];
		else {
			fprintf(stderr, "usage: vtapctl cluster stats [NAME] [--json]\n");
			return 2;
		}
	}
	if (cl_store_read(x, &st) || cl_nodes_read(x, &st, &ns))
		goto out;
	for (size_t k = 0; k < ns.n; k++) {
		json_t *pols = json_object_get(json_object_get(ns.v[k].j, "stats"), "policies"), *e;
		size_t i;

		json_array_foreach(pols, i, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));

			if (!name || (only && strcmp(only, name)))
				continue;
			if (n == cap) {
				struct named_counters *na =
				    realloc(all, (cap = cap ? 2 * cap : 64) * sizeof(*all));

				if (!na)
					goto out;
				all = na;
			}
			all[n].name = name;
			all[n].node = ns.v[k].name;
			counters_of(e, &all[n++].c);
		}
	}
	stats_out(&ns, all, n, only, json, &o);
	if (o.oom)
		goto out;
	fwrite(o.s, 1, o.len, stdout);
	rc = 0;
out:
	sbuf_free(&o);
	free(all);
	cl_nodes_free(&ns);
	cl_store_free(&st);
	return rc;
}
