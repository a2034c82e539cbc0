/* SPDX-License-Identifier: GPL-2.0 */
/* A growing string buffer, for control-socket replies (text and JSON). */
#ifndef VTAP_USER_SBUF_H
#define VTAP_USER_SBUF_H

#include <stddef.h>

struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included. */
void sbuf_json_str(struct sbuf *b, const char *s);
void sbuf_free(struct sbuf *b);

#endif
