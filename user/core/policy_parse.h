/* SPDX-License-Identifier: GPL-2.0 */
/* Private to the parser of one document's tree (policy_parse.c and the
 * files it calls: policy_fields.c, policy_values.c, policy_monitor.c,
 * policy_rule.c). Every message that quotes a value from the document
 * quotes it with Q(): bounded and escaped (text.h), the reason after it. */
#ifndef VTAP_USER_POLICY_PARSE_H
#define VTAP_USER_POLICY_PARSE_H

#include "policy_internal.h"
#include "text.h"

struct pctx {
	const char *file; /* the document's origin */
	struct vtap_policy_set *set;
	struct vtap_errors *errs;
};

static inline struct vtap_loc at(const struct pctx *c, const struct vtap_ynode *n)
{
	struct vtap_loc l = {.file = c->file, .line = n->line, .col = n->col};

	return l;
}

#define ERR(c, node, ...)                                                                          \
	do {                                                                                       \
		struct vtap_loc l_ = at((c), (node));                                              \
		vtap_errors_add((c)->errs, &l_, __VA_ARGS__);                                      \
	} while (0)

/* A value of the document, quoted for a message (a scalar node's whole
 * length, NUL bytes included). */
#define Q(str_)	     (vtap_quote(str_).s)
#define QNODE(node_) (vtap_quote_n((node_)->str, (node_)->len).s)

/* ---- nodes (policy_fields.c) ---- */

struct key_spec {
	const char *name;
	unsigned int types; /* monitors: bit per type allowed; else unused */
};

#define T_ALL	 0x1fu
#define T_BIT(t) (1u << (t))
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

bool node_is_null(const struct vtap_ynode *n);
/* "a mapping", "a list", "a scalar", "nothing (null)" */
const char *node_kind(const struct vtap_ynode *n);
/* Reports non-string keys, duplicate keys and keys not in keys[]. */
void node_check_keys(const struct pctx *c, const struct vtap_ynode *map, const char *what,
		     const struct key_spec *keys, size_t n_keys);
/* First value for key in a mapping (and its key node), or NULL. */
const struct vtap_ynode *node_get(const struct vtap_ynode *map, const char *key,
				  const struct vtap_ynode **keynode);

/* ---- typed fields (policy_fields.c); each reports its own errors ---- */

/* A non-empty string without NUL bytes, or NULL after an error. */
const char *field_str(const struct pctx *c, const struct vtap_ynode *n, const char *what);
/* Decimal digits with an optional sign, fits in long long. */
bool parse_decimal(const char *s, long long *v);
/* An integer in lo..hi, written as a plain (unquoted) YAML integer. */
bool field_int(const struct pctx *c, const struct vtap_ynode *n, const char *what, long long lo,
	       long long hi, long long *out);
/* Items of a list; a single scalar counts as a list of one (one[0] holds
 * it then). */
bool field_list(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		struct vtap_ynode *const **items, size_t *count, struct vtap_ynode **one);
/* A monitor or policy name: 1 to VTAP_NAME_MAX - 1 of [A-Za-z0-9_.-]. */
bool field_name(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		char out[VTAP_NAME_MAX]);
/* A string shorter than outsz without white space or control characters. */
void field_short_str(const struct pctx *c, const struct vtap_ynode *n, const char *what, char *out,
		     size_t outsz);
/* Room for element n of an array whose capacity is the power of two at or
 * above its length. */
void *grow_array(void *arr, size_t n, size_t size);

/* ---- values (policy_values.c) ---- */

/* Interface names as the kernel accepts them (dev_valid_name); with glob,
 * fnmatch patterns over such names. NULL if fine, else why not (in buf). */
const char *ifname_problem(const char *s, bool glob, char *buf, size_t bufsz);
#define IFNAME_WHY_MAX 512 /* buf size for ifname_problem */
bool field_cidrs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		 struct vtap_cidr **out, size_t *count);
bool field_port_specs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		      struct vtap_port_range **out, size_t *count);

/* ---- entries of the top-level lists ---- */

void parse_monitor(const struct pctx *c, const struct vtap_ynode *map); /* policy_monitor.c */
/* a group monitor's own keys, members and hash (policy_group.c) */
void parse_group(const struct pctx *c, const struct vtap_ynode *map, struct vtap_monitor *m);
void parse_receive(const struct pctx *c, const struct vtap_ynode *map); /* policy_monitor.c */
void parse_policy(const struct pctx *c, const struct vtap_ynode *map);	/* policy_rule.c */

/* ---- a policy's copy keys (policy_copy.c); key: the key's node ---- */

void parse_rate(const struct pctx *c, const struct vtap_ynode *n, const struct vtap_ynode *key,
		struct vtap_policy *p);
void parse_dedup(const struct pctx *c, const struct vtap_ynode *n, const struct vtap_ynode *key,
		 struct vtap_policy *p);

#endif
