// SPDX-License-Identifier: GPL-2.0
/* See metrics.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/version.h"
#include "metrics.h"

struct vtap_metric_sample {
	char *family; /* the metric's name */
	const char *help;
	bool gauge, is_double;
	char *labels;
	uint64_t u;
	double d;
};

void vtap_metrics_init(struct vtap_metrics *m, const struct vtap_policy_set *set)
{
	*m = (struct vtap_metrics){.set = set};
}

void vtap_metrics_free(struct vtap_metrics *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].family);
		free(m->v[i].labels);
	}
	free(m->v);
	*m = (struct vtap_metrics){0};
}

void vtap_metrics_label(struct sbuf *l, const char *key, const char *value)
{
	sbuf_printf(l, "%s%s=\"", l->len ? "," : "", key);
	/* the format escapes backslash, double quote and line feed */
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			sbuf_printf(l, "\\%c", *c);
		else if (*c == '\n')
			sbuf_printf(l, "\\n");
		else
			sbuf_printf(l, "%c", *c);
	}
	sbuf_printf(l, "\"");
}

static struct vtap_metric_sample *add(struct vtap_metrics *m, const char *family, const char *help,
				      bool gauge, const char *labels)
{
	struct vtap_metric_sample *s;

	if (m->oom)
		return NULL;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct vtap_metric_sample *v = realloc(m->v, cap * sizeof(*v));

		if (!v) {
			m->oom = 1;
			return NULL;
		}
		m->v = v;
		m->cap = cap;
	}
	s = &m->v[m->n];
	*s = (struct vtap_metric_sample){.family = strdup(family),
					 .help = help ? help : "",
					 .gauge = gauge,
					 .labels = strdup(labels ? labels : "")};
	if (!s->family || !s->labels) {
		free(s->family);
		free(s->labels);
		m->oom = 1;
		return NULL;
	}
	m->n++;
	return s;
}

void vtap_metrics_counter(struct vtap_metrics *m, const char *name, const char *help,
			  const char *labels, uint64_t value)
{
	struct vtap_metric_sample *s = add(m, name, help, false, labels);

	if (s)
		s->u = value;
}

void vtap_metrics_gauge(struct vtap_metrics *m, const char *name, const char *help,
			const char *labels, double value)
{
	struct vtap_metric_sample *s = add(m, name, help, true, labels);

	if (s) {
		s->is_double = true;
		s->d = value;
	}
}

void vtap_metrics_fields(struct vtap_metrics *m, const char *prefix,
			 const struct vtap_field_table *t, const void *st, const char *labels)
{
	char name[128];

	for (size_t i = 0; i < t->n; i++) {
		const struct vtap_counter_field *f = &t->f[i];
		struct vtap_metric_sample *s;

		snprintf(name, sizeof(name), "%s_%s%s", prefix, f->name, f->gauge ? "" : "_total");
		s = add(m, name, f->help, f->gauge, labels);
		if (s)
			s->u = vtap_field_value(f, st);
	}
}

void vtap_metrics_daemon(struct vtap_metrics *m, const struct vtap_metrics_daemon *d)
{
	struct sbuf l = {0};

	vtap_metrics_label(&l, "daemon", d->daemon);
	vtap_metrics_label(&l, "version", vtap_version);
	vtap_metrics_gauge(m, "vtap_build_info", "The daemon and its version", l.s, 1);
	sbuf_free(&l);
	vtap_metrics_gauge(m, "vtap_policies", "Policies in effect", "", (double)d->policies);
	vtap_metrics_gauge(m, "vtap_monitors", "Monitors in effect", "", (double)d->monitors);
	vtap_metrics_counter(m, "vtap_reloads_total", "Policy reloads, applied or rejected",
			     "result=\"ok\"", d->reloads_ok);
	vtap_metrics_counter(m, "vtap_reloads_total", NULL, "result=\"rejected\"",
			     d->reloads_failed);
	vtap_metrics_gauge(m, "vtap_last_apply_duration_seconds",
			   "How long the last policy set took to apply", "",
			   d->last_apply_ms / 1000.0);
	vtap_metrics_gauge(m, "vtap_last_reload_error",
			   "1 when the last reload was rejected (vtapctl status: last_error)", "",
			   d->last_error[0] ? 1 : 0);
}

int vtap_metrics_stats(struct vtap_metrics *m, const struct vtap_ctl_table *t, void *srv)
{
	const struct vtap_ctl_command *stats = vtap_ctl_find(t, "stats");
	struct sbuf unused = {0}; /* the walk writes no text for a scrape */
	int ret;

	if (!stats)
		return -1;
	ret = stats->fn(srv, &(struct vtap_ctl_req){.fd = -1, .metrics = m}, &unused);
	sbuf_free(&unused);
	return ret;
}

const char *vtap_metrics_monitor_of(struct vtap_metrics *m, const char *policy)
{
	const struct vtap_policy_set *set = m->set;

	/* the stats walk goes in set order: the next one is usually it */
	for (size_t k = 0; set && k < set->n_policies; k++) {
		size_t i = (m->hint + k) % set->n_policies;

		if (!strcmp(set->policies[i].name, policy)) {
			m->hint = i + 1;
			return set->policies[i].monitor;
		}
	}
	return "";
}

/* The families in order of first appearance, each sample's family index
 * in fam_of: samples are then written family by family. */
void vtap_metrics_render(const struct vtap_metrics *m, struct sbuf *o)
{
	size_t *fam_of = calloc(m->n + 1, sizeof(*fam_of));
	size_t *first = calloc(m->n + 1, sizeof(*first)); /* family -> its first sample */
	size_t n_fam = 0;

	if (!fam_of || !first || m->oom) {
		o->oom = 1;
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		size_t f;

		/* most samples are of a family seen a few rows before */
		for (f = n_fam; f-- > 0;)
			if (!strcmp(m->v[first[f]].family, m->v[i].family))
				break;
		if (f == (size_t)-1) {
			f = n_fam++;
			first[f] = i;
		}
		fam_of[i] = f;
	}
	for (size_t f = 0; f < n_fam; f++) {
		const struct vtap_metric_sample *h = &m->v[first[f]];

		sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", h->family, h->help, h->family,
			    h->gauge ? "gauge" : "counter");
		for (size_t i = first[f]; i < m->n; i++) {
			const struct vtap_metric_sample *s = &m->v[i];

			if (fam_of[i] != f)
				continue;
			sbuf_printf(o, "%s%s%s%s ", s->family, *s->labels ? "{" : "", s->labels,
				    *s->labels ? "}" : "");
			if (s->is_double)
				sbuf_printf(o, "%.9g\n", s->d);
			else
				sbuf_printf(o, "%llu\n", (unsigned long long)s->u);
		}
	}
out:
	free(fam_of);
	free(first);
}
