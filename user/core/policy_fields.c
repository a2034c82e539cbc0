// SPDX-License-Identifier: GPL-2.0
/* Reading a document's tree: node kinds, mapping keys, and the typed
 * fields every entry uses (strings, integers, lists, names), each with its
 * own FILE:LINE:COLUMN errors. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_parse.h"

bool node_is_null(const struct vtap_ynode *n)
{
	if (!n)
		return true;
	if (n->kind != VTAP_Y_SCALAR || !n->plain)
		return false;
	return !strcmp(n->str, "") || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

const char *node_kind(const struct vtap_ynode *n)
{
	if (node_is_null(n))
		return "nothing (null)";
	switch (n->kind) {
	case VTAP_Y_MAP:
		return "a mapping";
	case VTAP_Y_SEQ:
		return "a list";
	case VTAP_Y_SCALAR:
		break;
	}
	return "a scalar";
}

void node_check_keys(const struct pctx *c, const struct vtap_ynode *map, const char *what,
		     const struct key_spec *keys, size_t n_keys)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct vtap_ynode *k = map->kids[i];
		bool known = false;

		if (k->kind != VTAP_Y_SCALAR) {
			ERR(c, k, "keys in %s must be strings, got %s", what, node_kind(k));
			continue;
		}
		for (size_t j = 0; j < i; j += 2) {
			const struct vtap_ynode *p = map->kids[j];

			if (p->kind == VTAP_Y_SCALAR && !strcmp(p->str, k->str)) {
				ERR(c, k, "duplicate key '%s' in %s (first at line %u column %u)",
				    QNODE(k), what, p->line, p->col);
				break;
			}
		}
		for (size_t j = 0; j < n_keys; j++)
			if (!strcmp(keys[j].name, k->str))
				known = true;
		if (!known) {
			char list[512] = "";
			size_t off = 0;

			for (size_t j = 0; j < n_keys && off < sizeof(list); j++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							j ? ", " : "", keys[j].name);
			ERR(c, k, "unknown key '%s' in %s (expected one of: %s)", QNODE(k), what,
			    list);
		}
	}
}

const struct vtap_ynode *node_get(const struct vtap_ynode *map, const char *key,
				  const struct vtap_ynode **keynode)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct vtap_ynode *k = map->kids[i];

		if (k->kind == VTAP_Y_SCALAR && !strcmp(k->str, key)) {
			if (keynode)
				*keynode = k;
			return map->kids[i + 1];
		}
	}
	return NULL;
}

const char *field_str(const struct pctx *c, const struct vtap_ynode *n, const char *what)
{
	if (n->kind != VTAP_Y_SCALAR || node_is_null(n)) {
		ERR(c, n, "%s must be a string, got %s", what, node_kind(n));
		return NULL;
	}
	if (n->len == 0) {
		ERR(c, n, "%s must not be empty", what);
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		ERR(c, n, "%s contains a NUL byte", what);
		return NULL;
	}
	return n->str;
}

bool parse_decimal(const char *s, long long *v)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

bool field_int(const struct pctx *c, const struct vtap_ynode *n, const char *what, long long lo,
	       long long hi, long long *out)
{
	long long v;

	if (n->kind != VTAP_Y_SCALAR || node_is_null(n)) {
		ERR(c, n, "%s must be an integer, got %s", what, node_kind(n));
		return false;
	}
	if (!n->plain || !parse_decimal(n->str, &v)) {
		ERR(c, n, "%s must be an integer, got '%s'", what, QNODE(n));
		return false;
	}
	if (v < lo || v > hi) {
		ERR(c, n, "%s %s out of range %lld..%lld", what, QNODE(n), lo, hi);
		return false;
	}
	*out = v;
	return true;
}

bool field_list(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		struct vtap_ynode *const **items, size_t *count, struct vtap_ynode **one)
{
	if (n->kind == VTAP_Y_SEQ) {
		if (n->n == 0) {
			ERR(c, n, "%s must not be an empty list (leave it out to match any)", what);
			return false;
		}
		*items = n->kids;
		*count = n->n;
		return true;
	}
	if (n->kind == VTAP_Y_SCALAR && !node_is_null(n)) {
		one[0] = (struct vtap_ynode *)n; /* the caller's slot */
		*items = one;
		*count = 1;
		return true;
	}
	ERR(c, n, "%s must be a list, got %s", what, node_kind(n));
	return false;
}

static bool valid_name(const char *s, size_t len)
{
	if (len < 1 || len >= VTAP_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

bool field_name(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		char out[VTAP_NAME_MAX])
{
	const char *s = field_str(c, n, what);
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (!valid_name(s, len)) {
		if (len >= VTAP_NAME_MAX)
			ERR(c, n,
			    "invalid %s '%s' (%zu characters; 1 to %d characters from A-Z a-z 0-9 "
			    "_ . -)",
			    what, Q(s), vtap_utf8_chars(s, len), VTAP_NAME_MAX - 1);
		else
			ERR(c, n, "invalid %s '%s' (1 to %d characters from A-Z a-z 0-9 _ . -)",
			    what, Q(s), VTAP_NAME_MAX - 1);
		return false;
	}
	snprintf(out, VTAP_NAME_MAX, "%s", s);
	return true;
}

void field_short_str(const struct pctx *c, const struct vtap_ynode *n, const char *what, char *out,
		     size_t outsz)
{
	const char *s = field_str(c, n, what);

	if (!s)
		return;
	if (strlen(s) >= outsz) {
		ERR(c, n, "%s '%s' is longer than %zu characters", what, Q(s), outsz - 1);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			ERR(c, n, "%s '%s' contains white space or control characters", what, Q(s));
			return;
		}
	}
	snprintf(out, outsz, "%s", s);
}

void *grow_array(void *arr, size_t n, size_t size)
{
	if (n && (n & (n - 1)))
		return arr; /* n is not a power of two: there is room */
	return realloc(arr, (n ? n * 2 : 1) * size);
}
