/* SPDX-License-Identifier: GPL-2.0 */
/* Private to user/core/policy*.c: the YAML tree and the steps of loading. */
#ifndef VTAP_USER_POLICY_INTERNAL_H
#define VTAP_USER_POLICY_INTERNAL_H

#include "policy.h"

enum vtap_ynode_kind {
	VTAP_Y_SCALAR,
	VTAP_Y_SEQ,
	VTAP_Y_MAP,
};

/* One YAML node. A mapping's kids alternate key, value. */
struct vtap_ynode {
	enum vtap_ynode_kind kind;
	unsigned int line, col; /* 1-based */
	char *str;		/* scalar value, NUL-terminated */
	size_t len;		/* scalar length (may contain NUL bytes) */
	bool plain;		/* plain (unquoted, untagged) scalar */
	struct vtap_ynode **kids;
	size_t n;
	size_t cap;
};

#define VTAP_POLICY_NODES_MAX (1u << 20) /* YAML nodes per file */

/* Build the tree of one document (len bytes of text labelled origin).
 * Returns 0 and *root (NULL for an empty stream), or -1 after adding an
 * error to errs. */
int vtap_policy_yaml_parse(const char *origin, const char *text, size_t len,
			   struct vtap_ynode **root, struct vtap_errors *errs);
void vtap_policy_ynode_free(struct vtap_ynode *n);

/* Turn one document's tree into monitors/policies appended to set;
 * per-field checks. file (its origin) must point into set->files. */
void vtap_policy_parse_tree(const struct vtap_ynode *root, const char *file,
			    struct vtap_policy_set *set, struct vtap_errors *errs);

/* Checks across every file: duplicate names, monitor references, loops.
 * refs: also check monitor references (false when a file failed to load). */
void vtap_policy_validate_set(struct vtap_policy_set *set, bool refs, struct vtap_errors *errs);

void vtap_policy_free_one(struct vtap_policy *p);

/* Each group's members by index in set->monitors (policy_group.c), with an
 * error for a member that is not a monitor of the set (when refs) or is a
 * group itself. */
void vtap_policy_resolve_groups(struct vtap_policy_set *set, bool refs, struct vtap_errors *errs);

struct stat;
/* Who may change a policy file or the policy directory (st from fstat of the
 * open file or directory): refused, with an error naming path, when it is
 * writable by group or others (mode & 022) or owned by someone other than
 * root or the running user (geteuid). Character and block devices are not
 * checked (their mode says nothing about their contents). Returns false
 * after adding the error. */
bool vtap_policy_check_perms(const char *path, const struct stat *st, bool is_dir,
			     struct vtap_errors *errs);

/* Whether a directory entry's name is a policy file's: *.yaml, not hidden. */
bool vtap_policy_file_name(const char *name);

/* vtap_policy_docs_add without the copy: text (malloc'ed, NULL for an
 * unreadable document) is the list's from now on, freed on failure too. */
int vtap_policy_docs_take(struct vtap_policy_docs *docs, const char *origin, char *text, size_t len,
			  struct vtap_errors *errs);

/* Read all of fd (st: its fstat) into a new buffer, at most
 * VTAP_POLICY_FILE_MAX bytes; errors name path. Returns 0 with *buf
 * (malloc'ed) and *len, or -1 after adding an error. */
int vtap_policy_read_fd(int fd, const char *path, const struct stat *st, char **buf, size_t *len,
			struct vtap_errors *errs);

#endif
