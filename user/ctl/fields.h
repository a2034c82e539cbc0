/* SPDX-License-Identifier: GPL-2.0 */
/* Counters described once, rendered everywhere: a field table lists the
 * counters of one struct (JSON member = the C member's name, text column
 * heading and width, prose label), and the renderers below write them as
 * JSON members, text table columns, "label N" prose, or hand them to a
 * callback (DPDK telemetry). vtapd's and vtap-dpdk's answers and telemetry
 * all go through these, so a counter added to a table shows up in every
 * view at once and a view cannot misspell one. */
#ifndef VTAP_USER_CTL_FIELDS_H
#define VTAP_USER_CTL_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include "core/sbuf.h"

struct vtap_counter_field {
	const char *name;    /* JSON member (the C member's name) */
	const char *head;    /* text table: column heading; NULL = not a column */
	const char *label;   /* prose: "label N"; NULL = not in prose */
	const char *help;    /* one line for metrics (# HELP) and docs; NULL: none */
	unsigned char col;   /* text table: column position from 1 (0 = none) */
	unsigned char width; /* text table: column width */
	unsigned char size;  /* bytes of the counter: 8 or 4 */
	unsigned short off;  /* its offset in the struct */
	unsigned char gauge; /* a level, not a count (metrics: a gauge, no _total) */
};

struct vtap_field_table {
	const struct vtap_counter_field *f;
	size_t n;
};

/* One counter of TYPE: JSON only (VTAP_FIELD_J), a text column too
 * (VTAP_FIELD_C: position, heading, width), or prose (VTAP_FIELD_P); HELP
 * says what it counts (metrics). VTAP_GAUGE_J: a level, JSON only. */
#define VTAP_FIELD_(TYPE, M, HEAD, LABEL, COL, W, HELP, G)                                         \
	{                                                                                          \
#M, HEAD, LABEL, HELP, COL, W, sizeof(((TYPE *)0)->M), offsetof(TYPE, M), G        \
	}
#define VTAP_FIELD_J(TYPE, M, HELP)		  VTAP_FIELD_(TYPE, M, NULL, NULL, 0, 0, HELP, 0)
#define VTAP_FIELD_C(TYPE, M, COL, HEAD, W, HELP) VTAP_FIELD_(TYPE, M, HEAD, NULL, COL, W, HELP, 0)
#define VTAP_FIELD_P(TYPE, M, LABEL, HELP)	  VTAP_FIELD_(TYPE, M, NULL, LABEL, 0, 0, HELP, 0)
#define VTAP_GAUGE_J(TYPE, M, HELP)		  VTAP_FIELD_(TYPE, M, NULL, NULL, 0, 0, HELP, 1)
#define VTAP_FIELDS(ARR)                                                                           \
	{                                                                                          \
		ARR, sizeof(ARR) / sizeof((ARR)[0])                                                \
	}

uint64_t vtap_field_value(const struct vtap_counter_field *f, const void *s);
/* "name":N for every field, in table order, each after a comma unless it
 * opens the object (the text so far ends with '{') */
void vtap_fields_json(struct sbuf *o, const struct vtap_field_table *t, const void *s);
/* " %*s" heading / " %*llu" value for every column, in column order (no
 * newline: the caller writes its key columns first and ends the line) */
void vtap_fields_head(struct sbuf *o, const struct vtap_field_table *t);
void vtap_fields_row(struct sbuf *o, const struct vtap_field_table *t, const void *s);
/* "label N, label N" for every labelled field, in table order */
void vtap_fields_prose(struct sbuf *o, const struct vtap_field_table *t, const void *s);
/* fn(arg, name, value) for every field, in table order */
void vtap_fields_each(const struct vtap_field_table *t, const void *s,
		      void (*fn)(void *arg, const char *name, uint64_t value), void *arg);

#endif
