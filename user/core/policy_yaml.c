// SPDX-License-Identifier: GPL-2.0
/* Read one policy file and turn libyaml's events into a small tree that keeps
 * the 1-based line and column of every node. Limits: file size, nesting
 * depth, node count; aliases and multiple documents are refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "policy_internal.h"

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

static int read_file(const char *path, char **buf, size_t *len, struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	struct stat st;
	size_t cap, n = 0;
	char *b;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(EISDIR));
		close(fd);
		return -1;
	}
	/* Checked on the open file: what is read is what was checked. */
	if (!vtap_policy_check_perms(path, &st, false, errs)) {
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)VTAP_POLICY_FILE_MAX) {
		vtap_errors_add(errs, &loc, "too large (%lld bytes, limit %u)",
				(long long)st.st_size, VTAP_POLICY_FILE_MAX);
		close(fd);
		return -1;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	b = malloc(cap);
	if (!b) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(ENOMEM));
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			cap *= 2;
			if (cap > (size_t)VTAP_POLICY_FILE_MAX + 1)
				cap = (size_t)VTAP_POLICY_FILE_MAX + 1;
			nb = realloc(b, cap);
			if (!nb) {
				vtap_errors_add(errs, &loc, "cannot read: %s", strerror(ENOMEM));
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > VTAP_POLICY_FILE_MAX) {
			vtap_errors_add(errs, &loc, "too large (more than %u bytes, limit %u)",
					VTAP_POLICY_FILE_MAX, VTAP_POLICY_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	close(fd);
	return -1;
}

/* Position of a byte offset, for reader errors (which carry only an offset). */
static void offset_pos(const char *buf, size_t len, size_t off, unsigned int *line,
		       unsigned int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void yaml_error(const yaml_parser_t *p, const char *path, const char *buf, size_t len,
		       struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	const char *problem = p->problem ? p->problem : "unknown error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		vtap_errors_add(errs, &loc, "out of memory parsing YAML");
		return;
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &loc.line, &loc.col);
		if (p->problem_value != -1)
			vtap_errors_add(errs, &loc, "invalid UTF-8: %s (byte 0x%02x)", problem,
					(unsigned)p->problem_value & 0xff);
		else
			vtap_errors_add(errs, &loc, "invalid UTF-8: %s", problem);
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

static int build_tree(yaml_parser_t *p, const char *path, const char *buf, size_t len,
		      struct vtap_ynode **rootp, struct vtap_errors *errs)
{
	struct vtap_ynode *stack[VTAP_POLICY_DEPTH_MAX];
	struct vtap_ynode *root = NULL;
	struct vtap_loc loc = {.file = path};
	size_t depth = 0, nodes = 0;
	int docs = 0;
	bool done = false;

	while (!done) {
		struct vtap_ynode *n = NULL;
		yaml_event_t ev;
		bool push = false;

		if (!yaml_parser_parse(p, &ev)) {
			yaml_error(p, path, buf, len, errs);
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
					(const char *)ev.data.alias.anchor);
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

int vtap_policy_yaml_load(const char *path, struct vtap_ynode **root, struct vtap_errors *errs)
{
	yaml_parser_t p;
	size_t len;
	char *buf;
	int rc;

	*root = NULL;
	if (read_file(path, &buf, &len, errs) < 0)
		return -1;
	if (!yaml_parser_initialize(&p)) {
		struct vtap_loc loc = {.file = path};

		vtap_errors_add(errs, &loc, "out of memory");
		free(buf);
		return -1;
	}
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	rc = build_tree(&p, path, buf, len, root, errs);
	yaml_parser_delete(&p);
	free(buf);
	return rc;
}
