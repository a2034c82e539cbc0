// SPDX-License-Identifier: GPL-2.0
/* See fields.h. */
#include <stdbool.h>
#include <string.h>
#include "fields.h"

uint64_t vtap_field_value(const struct vtap_counter_field *f, const void *s)
{
	const char *p = (const char *)s + f->off;

	if (f->size == sizeof(uint32_t)) {
		uint32_t v;

		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void vtap_fields_json(struct sbuf *o, const struct vtap_field_table *t, const void *s)
{
	for (size_t i = 0; i < t->n; i++) {
		bool opens = o->len && o->s && o->s[o->len - 1] == '{';

		sbuf_printf(o, "%s\"%s\":%llu", opens ? "" : ",", t->f[i].name,
			    (unsigned long long)vtap_field_value(&t->f[i], s));
	}
}

/* The field in text column col (from 1), or NULL */
static const struct vtap_counter_field *column(const struct vtap_field_table *t, unsigned int col)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->f[i].col == col && t->f[i].head)
			return &t->f[i];
	return NULL;
}

void vtap_fields_head(struct sbuf *o, const struct vtap_field_table *t)
{
	const struct vtap_counter_field *f;

	for (unsigned int col = 1; (f = column(t, col)); col++)
		sbuf_printf(o, " %*s", f->width, f->head);
}

void vtap_fields_row(struct sbuf *o, const struct vtap_field_table *t, const void *s)
{
	const struct vtap_counter_field *f;

	for (unsigned int col = 1; (f = column(t, col)); col++)
		sbuf_printf(o, " %*llu", f->width, (unsigned long long)vtap_field_value(f, s));
}

void vtap_fields_prose(struct sbuf *o, const struct vtap_field_table *t, const void *s)
{
	const char *sep = "";

	for (size_t i = 0; i < t->n; i++) {
		if (!t->f[i].label)
			continue;
		sbuf_printf(o, "%s%s %llu", sep, t->f[i].label,
			    (unsigned long long)vtap_field_value(&t->f[i], s));
		sep = ", ";
	}
}

void vtap_fields_each(const struct vtap_field_table *t, const void *s,
		      void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
	for (size_t i = 0; i < t->n; i++)
		fn(arg, t->f[i].name, vtap_field_value(&t->f[i], s));
}
