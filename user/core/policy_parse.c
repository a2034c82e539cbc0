// SPDX-License-Identifier: GPL-2.0
/* One document's tree -> monitors, policies and receive entries appended to
 * the set (policy_monitor.c, policy_rule.c), with every per-field check.
 * Checks that need every document (names, references, loops) are in
 * policy_validate.c. */
#include <string.h>

#include "policy_parse.h"

static void parse_list(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		       void (*one)(const struct pctx *, const struct vtap_ynode *))
{
	if (node_is_null(n))
		return; /* "policies:" with nothing: none */
	if (n->kind != VTAP_Y_SEQ) {
		ERR(c, n, "%s must be a list, got %s", what, node_kind(n));
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		one(c, n->kids[i]);
}

static const struct key_spec top_keys[] = {
    {"monitors", 0},
    {"policies", 0},
    {"receive", 0},
};

/* A mapping of string keys none of which is a policy document's: some
 * other file (a password file's "user: ..." lines, say). Its keys are not
 * quoted one by one, so such a file never reaches a log line by line. */
static bool foreign_mapping(const struct vtap_ynode *root)
{
	for (size_t i = 0; i + 1 < root->n; i += 2) {
		const struct vtap_ynode *k = root->kids[i];

		if (k->kind != VTAP_Y_SCALAR)
			return false; /* reported as a non-string key */
		for (size_t j = 0; j < NKEYS(top_keys); j++)
			if (!strcmp(k->str, top_keys[j].name))
				return false;
	}
	return root->n > 0;
}

void vtap_policy_parse_tree(const struct vtap_ynode *root, const char *file,
			    struct vtap_policy_set *set, struct vtap_errors *errs)
{
	struct pctx c = {.file = file, .set = set, .errs = errs};
	const struct vtap_ynode *v;

	if (node_is_null(root))
		return; /* empty file, or only comments */
	if (root->kind != VTAP_Y_MAP) {
		ERR(&c, root,
		    "the top level must be a mapping with 'monitors', 'policies' and/or 'receive', "
		    "got %s",
		    node_kind(root));
		return;
	}
	if (foreign_mapping(root)) {
		ERR(&c, root,
		    "not a policy document: none of its %zu top-level keys is 'monitors', "
		    "'policies' or 'receive'",
		    root->n / 2);
		return;
	}
	node_check_keys(&c, root, "the top level", top_keys, NKEYS(top_keys));
	if ((v = node_get(root, "monitors", NULL)))
		parse_list(&c, v, "monitors", parse_monitor);
	if ((v = node_get(root, "policies", NULL)))
		parse_list(&c, v, "policies", parse_policy);
	if ((v = node_get(root, "receive", NULL)))
		parse_list(&c, v, "receive", parse_receive);
}
