/* SPDX-License-Identifier: GPL-2.0 */
/* Untrusted text in messages: UTF-8 decoding, and quoting a value from a
 * policy document (or a file name) into an error so that the message stays
 * one line of bounded length whatever the value holds. */
#ifndef VTAP_USER_TEXT_H
#define VTAP_USER_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Characters of a value quoted in a message; longer values are cut there
 * and end with "…". The message's reason comes after the quote, so it is
 * never lost to the length of what is quoted. */
#define VTAP_QUOTE_CHARS 64

/* A quoted value, by value: vtap_quote(s).s is valid until the end of the
 * full expression, so it can be passed straight to a printf-like call. Each
 * character takes at most 6 bytes ("\u202e"). */
struct vtap_quoted {
	char s[VTAP_QUOTE_CHARS * 6 + 8];
};

/* s (len bytes, NUL bytes allowed) quoted: at most VTAP_QUOTE_CHARS
 * characters then "…"; control characters, bytes that are not UTF-8 and
 * the Unicode controls that reorder or break lines escaped as \n, \t, \r,
 * \xNN or \uNNNN. */
struct vtap_quoted vtap_quote_n(const char *s, size_t len);
/* The same for a NUL-terminated string. */
struct vtap_quoted vtap_quote(const char *s);

/* Why a byte sequence is not UTF-8 (RFC 3629). */
enum vtap_utf8_problem {
	VTAP_UTF8_OK = 0,
	VTAP_UTF8_BAD_BYTE,  /* 0xc0, 0xc1, 0xf5..0xff: never in UTF-8 */
	VTAP_UTF8_STRAY,     /* a continuation byte with no lead byte */
	VTAP_UTF8_CUT,	     /* a lead byte whose sequence is cut short */
	VTAP_UTF8_OVERLONG,  /* a longer encoding than the code point needs */
	VTAP_UTF8_SURROGATE, /* U+D800..U+DFFF */
	VTAP_UTF8_TOO_BIG,   /* above U+10FFFF */
};

/* Decode the character at s[0] (len > 0 bytes available): its length in
 * bytes and *cp, or 0 and *why when s[0] does not start a valid one. */
size_t vtap_utf8_next(const unsigned char *s, size_t len, uint32_t *cp,
		      enum vtap_utf8_problem *why);

/* Characters in s (len bytes): bytes that are not continuation bytes. */
size_t vtap_utf8_chars(const char *s, size_t len);

/* The first byte of buf that is not valid UTF-8, or len when all is. *why
 * says what is wrong there. */
size_t vtap_utf8_check(const char *buf, size_t len, enum vtap_utf8_problem *why);

/* "invalid UTF-8: ..." for the problem at buf[off] (len bytes in all),
 * naming the bytes at fault. */
void vtap_utf8_explain(const char *buf, size_t len, size_t off, enum vtap_utf8_problem why,
		       char *out, size_t outsz);

/* Line and column (1-based, in characters, as libyaml counts them: a line
 * break is \n, \r\n, a lone \r, U+0085, U+2028 or U+2029) of byte off of
 * buf, which must be valid UTF-8 up to off. */
void vtap_text_position(const char *buf, size_t len, size_t off, unsigned int *line,
			unsigned int *col);

#endif
