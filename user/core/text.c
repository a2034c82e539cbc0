// SPDX-License-Identifier: GPL-2.0
/* UTF-8 decoding and bounded, escaped quoting of untrusted text (text.h). */
#include <stdio.h>
#include <string.h>

#include "text.h"

size_t vtap_utf8_next(const unsigned char *s, size_t len, uint32_t *cp, enum vtap_utf8_problem *why)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v;

	*why = VTAP_UTF8_OK;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc0) {
		*why = VTAP_UTF8_STRAY;
		return 0;
	}
	if (c < 0xc2 || c > 0xf4) {
		*why = VTAP_UTF8_BAD_BYTE;
		return 0;
	}
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	v = c & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if (i >= len || (s[i] & 0xc0) != 0x80) {
			*why = VTAP_UTF8_CUT;
			return 0;
		}
		v = v << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		*why = VTAP_UTF8_OVERLONG;
	else if (v >= 0xd800 && v <= 0xdfff)
		*why = VTAP_UTF8_SURROGATE;
	else if (v > 0x10ffff)
		*why = VTAP_UTF8_TOO_BIG;
	if (*why != VTAP_UTF8_OK)
		return 0;
	*cp = v;
	return n;
}

size_t vtap_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

size_t vtap_utf8_check(const char *buf, size_t len, enum vtap_utf8_problem *why)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	*why = VTAP_UTF8_OK;
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (s[i] < 0x80) { /* the common case, without a call */
			i++;
			continue;
		}
		n = vtap_utf8_next(s + i, len - i, &cp, why);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

void vtap_utf8_explain(const char *buf, size_t len, size_t off, enum vtap_utf8_problem why,
		       char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)buf + off;
	size_t avail = len - off, n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4, k = 0;
	char bytes[32] = "";
	uint32_t v = s[0] & (0x7fu >> n);

	if (why == VTAP_UTF8_BAD_BYTE) {
		snprintf(out, outsz, "invalid UTF-8: byte 0x%02x never appears in UTF-8", s[0]);
		return;
	}
	if (why == VTAP_UTF8_STRAY) {
		snprintf(out, outsz,
			 "invalid UTF-8: byte 0x%02x continues a character that has no first byte",
			 s[0]);
		return;
	}
	if (why == VTAP_UTF8_CUT) {
		size_t i = 1;

		while (i < n && i < avail && (s[i] & 0xc0) == 0x80)
			i++;
		if (i < avail)
			snprintf(out, outsz,
				 "invalid UTF-8: byte 0x%02x starts a %zu-byte character, but byte "
				 "0x%02x follows",
				 s[0], n, s[i]);
		else
			snprintf(out, outsz,
				 "invalid UTF-8: byte 0x%02x starts a %zu-byte character, but the "
				 "text ends",
				 s[0], n);
		return;
	}
	for (size_t i = 0; i < n && i < avail; i++) {
		if (i)
			v = v << 6 | (s[i] & 0x3fu);
		k += (size_t)snprintf(bytes + k, sizeof(bytes) - k, "%s0x%02x", i ? " " : "", s[i]);
	}
	snprintf(out, outsz, "invalid UTF-8: bytes %s encode U+%04X, %s", bytes, (unsigned int)v,
		 why == VTAP_UTF8_OVERLONG    ? "in more bytes than it needs (overlong)"
		 : why == VTAP_UTF8_SURROGATE ? "a UTF-16 surrogate"
					      : "above U+10FFFF");
}

static int is_break(uint32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

void vtap_text_position(const char *buf, size_t len, size_t off, unsigned int *line,
			unsigned int *col)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;

	*line = 1;
	*col = 1;
	while (i < off && i < len) {
		enum vtap_utf8_problem why;
		uint32_t cp;
		size_t n = vtap_utf8_next(s + i, len - i, &cp, &why);

		if (!n) { /* not UTF-8: one column a byte */
			n = 1;
			cp = 0xfffd;
		}
		if (cp == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++; /* \r\n is one break: the \n's */
			continue;
		}
		if (is_break(cp)) {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
		i += n;
	}
}

/* Characters that would make a quote mislead its reader: C1 controls, the
 * ones that reorder text (bidirectional overrides) or break lines. */
static int escape_as_u(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

struct vtap_quoted vtap_quote_n(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct vtap_quoted q;
	size_t o = 0, i = 0, chars = 0;

	while (i < len) {
		enum vtap_utf8_problem why;
		uint32_t cp;
		size_t n;

		if (chars == VTAP_QUOTE_CHARS) {
			memcpy(q.s + o, "\xe2\x80\xa6", 3); /* … */
			o += 3;
			break;
		}
		n = vtap_utf8_next(u + i, len - i, &cp, &why);
		chars++;
		if (!n) {
			o += (size_t)snprintf(q.s + o, sizeof(q.s) - o, "\\x%02x", u[i]);
			i++;
			continue;
		}
		if (cp == '\n' || cp == '\t' || cp == '\r') {
			q.s[o++] = '\\';
			q.s[o++] = cp == '\n' ? 'n' : cp == '\t' ? 't' : 'r';
		} else if (cp < 0x20 || cp == 0x7f) {
			o +=
			    (size_t)snprintf(q.s + o, sizeof(q.s) - o, "\\x%02x", (unsigned int)cp);
		} else if (escape_as_u(cp)) {
			o +=
			    (size_t)snprintf(q.s + o, sizeof(q.s) - o, "\\u%04x", (unsigned int)cp);
		} else {
			memcpy(q.s + o, s + i, n);
			o += n;
		}
		i += n;
	}
	q.s[o] = '\0';
	return q;
}

struct vtap_quoted vtap_quote(const char *s)
{
	return vtap_quote_n(s, strlen(s));
}
