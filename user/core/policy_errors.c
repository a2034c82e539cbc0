// SPDX-License-Identifier: GPL-2.0
/* The error list of policy loading: one line per error, "ORIGIN:LINE:COLUMN:
 * message", at most VTAP_POLICY_ERRORS_MAX of them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "text.h"

/* An error is one line of text a terminal shows as it is: escape control
 * bytes and bytes that are not UTF-8, wherever they came from (a quoted
 * value is escaped already; an origin may be any file name). */
static char *one_line(char *msg)
{
	size_t len = strlen(msg), bad = 0, i = 0, n = 0;
	enum vtap_utf8_problem why;
	char *out;

	for (size_t k = 0; k < len; k++)
		bad += (unsigned char)msg[k] < 0x20 || msg[k] == 0x7f;
	if (!bad && vtap_utf8_check(msg, len, &why) == len)
		return msg;
	out = malloc(len * 4 + 1);
	if (!out)
		return msg;
	while (i < len) {
		unsigned char c = (unsigned char)msg[i];
		uint32_t cp;
		size_t k = vtap_utf8_next((const unsigned char *)msg + i, len - i, &cp, &why);

		if (c == '\n' || c == '\t' || c == '\r') {
			out[n++] = '\\';
			out[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (!k || c < 0x20 || c == 0x7f) {
			n += (size_t)sprintf(out + n, "\\x%02x", c);
		} else {
			memcpy(out + n, msg + i, k);
			n += k;
			i += k;
			continue;
		}
		i++;
	}
	out[n] = 0;
	free(msg);
	return out;
}

void vtap_errors_add(struct vtap_errors *errs, const struct vtap_loc *loc, const char *fmt, ...)
{
	struct vtap_loc file_only;
	char *msg = NULL, *line = NULL;
	va_list ap;
	char **m;
	int r;

	if (!errs || errs->n > VTAP_POLICY_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (errs->n == VTAP_POLICY_ERRORS_MAX) {
		/* One last line says the rest was dropped. */
		free(msg);
		if (asprintf(&msg, "too many errors (limit %u), giving up",
			     VTAP_POLICY_ERRORS_MAX) < 0)
			return;
		/* still "FILE: message": the file where we gave up */
		if (loc) {
			file_only = (struct vtap_loc){.file = loc->file};
			loc = &file_only;
		}
	}
	if (loc && loc->file && loc->line)
		r = asprintf(&line, "%s:%u:%u: %s", loc->file, loc->line, loc->col, msg);
	else if (loc && loc->file)
		r = asprintf(&line, "%s: %s", loc->file, msg);
	else {
		line = msg;
		msg = NULL;
		r = 0;
	}
	free(msg);
	if (r < 0)
		return;
	line = one_line(line);
	m = realloc(errs->msgs, (errs->n + 1) * sizeof(*m));
	if (!m) {
		free(line);
		return;
	}
	errs->msgs = m;
	errs->msgs[errs->n++] = line;
}

void vtap_errors_free(struct vtap_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}
