// SPDX-License-Identifier: GPL-2.0
/* Turn one policy document's text into a small tree that keeps the 1-based
 * line and column of every node, from libyaml's events. Limits: size,
 * nesting depth, node count; aliases and multiple documents are refused.
 * The text is checked to be UTF-8 here, before libyaml sees it, so that the
 * error blames the byte at fault (libyaml names the byte after a cut
 * sequence, and for a surrogate the low byte of its code point). */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "policy_internal.h"
#include "text.h"

void vtap_policy_ynode_free(struct vtap_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		vtap_policy_ynode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static void yaml_error(const yaml_parser_t *p, const char *origin, const char *buf, size_t len,
		       struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = origin};
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		vtap_errors_add(errs, &loc, "out of memory parsing YAML");
		return;
	case YAML_READER_ERROR:
		/* the text is UTF-8 (checked before): what libyaml refuses is a
		 * character YAML does not allow, and problem_value is it */
		vtap_text_position(buf, len, p->problem_offset, &loc.line, &loc.col);
		if (p->problem_value != -1)
			vtap_errors_add(errs, &loc, "%s (U+%04X)", problem,
					(unsigned int)p->problem_value);
		else
			vtap_errors_add(errs, &loc, "%s", problem);
		return;
	default:
		loc.line = (unsigned int)p->problem_mark.line + 1;
		loc.col = (unsigned int)p->problem_mark.column + 1;
		if (p->context)
			vtap_errors_add(errs, &loc,
					"YAML syntax error: %s (%s at line %zu column %zu)",
					problem, p->context, p->context_mark.line + 1,
					p->context_mark.column + 1);
		else
			vtap_errors_add(errs, &loc, "YAML syntax error: %s", problem);
		return;
	}
}

static struct vtap_ynode *new_node(enum vtap_ynode_kind kind, const yaml_mark_t *m)
{
	struct vtap_ynode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (unsigned int)m->line + 1;
	n->col = (unsigned int)m->column + 1;
	return n;
}

static int add_kid(struct vtap_ynode *parent, struct vtap_ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct vtap_ynode **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -1;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static int build_tree(yaml_parser_t *p, const char *origin, const char *buf, size_t len,
		      struct vtap_ynode **rootp, struct vtap_errors *errs)
{
	struct vtap_ynode *stack[VTAP_POLICY_DEPTH_MAX];
	struct vtap_ynode *root = NULL;
	struct vtap_loc loc = {.file = origin};
	size_t depth = 0, nodes = 0;
	int docs = 0;
	bool done = false;

	while (!done) {
		struct vtap_ynode *n = NULL;
		yaml_event_t ev;
		bool push = false;

		if (!yaml_parser_parse(p, &ev)) {
			yaml_error(p, origin, buf, len, errs);
			goto fail;
		}
		loc.line = (unsigned int)ev.start_mark.line + 1;
		loc.col = (unsigned int)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				vtap_errors_add(errs, &loc,
						"more than one YAML document in a policy file");
				yaml_event_delete(&ev);
				goto fail;
			}
			break;
		case YAML_ALIAS_EVENT:
			vtap_errors_add(errs, &loc, "YAML aliases (*%s) are not supported",
					vtap_quote((const char *)ev.data.alias.anchor).s);
			yaml_event_delete(&ev);
			goto fail;
		case YAML_SCALAR_EVENT:
			n = new_node(VTAP_Y_SCALAR, &ev.start_mark);
			if (!n)
				break;
			n->len = ev.data.scalar.length;
			n->str = malloc(n->len + 1);
			if (!n->str) {
				free(n);
				n = NULL;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
				   ev.data.scalar.plain_implicit;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth >= VTAP_POLICY_DEPTH_MAX) {
				vtap_errors_add(errs, &loc, "nesting deeper than %d levels",
						VTAP_POLICY_DEPTH_MAX);
				yaml_event_delete(&ev);
				goto fail;
			}
			n = new_node(ev.type == YAML_SEQUENCE_START_EVENT ? VTAP_Y_SEQ : VTAP_Y_MAP,
				     &ev.start_mark);
			push = true;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if ((ev.type == YAML_SCALAR_EVENT || push) && !n) {
			yaml_event_delete(&ev);
			vtap_errors_add(errs, &loc, "out of memory");
			goto fail;
		}
		yaml_event_delete(&ev);
		if (!n)
			continue;
		if (++nodes > VTAP_POLICY_NODES_MAX) {
			vtap_errors_add(errs, &loc, "too many YAML nodes (limit %u)",
					VTAP_POLICY_NODES_MAX);
			vtap_policy_ynode_free(n);
			goto fail;
		}
		if (depth == 0) {
			root = n;
		} else if (add_kid(stack[depth - 1], n) < 0) {
			vtap_policy_ynode_free(n);
			vtap_errors_add(errs, &loc, "out of memory");
			goto fail;
		}
		if (push)
			stack[depth++] = n;
	}
	*rootp = root;
	return 0;
fail:
	vtap_policy_ynode_free(root);
	return -1;
}

int vtap_policy_yaml_parse(const char *origin, const char *text, size_t len,
			   struct vtap_ynode **root, struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = origin};
	enum vtap_utf8_problem why;
	yaml_parser_t p;
	char what[160];
	size_t bad;
	int rc;

	*root = NULL;
	if (len > VTAP_POLICY_FILE_MAX) {
		vtap_errors_add(errs, &loc, "too large (%zu bytes, limit %u)", len,
				VTAP_POLICY_FILE_MAX);
		return -1;
	}
	bad = vtap_utf8_check(text, len, &why);
	if (bad < len) {
		vtap_text_position(text, len, bad, &loc.line, &loc.col);
		vtap_utf8_explain(text, len, bad, why, what, sizeof(what));
		vtap_errors_add(errs, &loc, "%s", what);
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		vtap_errors_add(errs, &loc, "out of memory");
		return -1;
	}
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	rc = build_tree(&p, origin, text, len, root, errs);
	yaml_parser_delete(&p);
	return rc;
}
