// SPDX-License-Identifier: GPL-2.0
/* Policy loading: the error list, name helpers, and the driver that reads
 * files or a directory, parses each one and checks the merged set. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"

/* An error is one line: values quoted from a file (a block scalar, say)
 * may hold newlines or other control bytes; escape them. */
static char *one_line(char *msg)
{
	size_t n = 0, len = strlen(msg);
	char *out;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f) ? 4 : 1;
	if (n == len)
		return msg;
	out = malloc(n + 1);
	if (!out)
		return msg;
	n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '\n' || c == '\t' || c == '\r') {
			out[n++] = '\\';
			out[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)sprintf(out + n, "\\x%02x", c);
		} else {
			out[n++] = (char)c;
		}
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
			file_only = (struct vtap_loc){ .file = loc->file };
			loc = &file_only;
		}
	}
	msg = one_line(msg);
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

const char *vtap_monitor_type_name(enum vtap_monitor_type t)
{
	switch (t) {
	case VTAP_MONITOR_LOCAL:
		return "local";
	case VTAP_MONITOR_VXLAN:
		return "vxlan";
	case VTAP_MONITOR_OVS:
		return "ovs";
	case VTAP_MONITOR_CAPTURE:
		return "capture";
	}
	return "?";
}

const char *vtap_hook_mode_name(enum vtap_hook_mode m)
{
	switch (m) {
	case VTAP_HOOK_MODE_AUTO:
		return "auto";
	case VTAP_HOOK_MODE_XDP:
		return "xdp";
	case VTAP_HOOK_MODE_TC:
		return "tc";
	case VTAP_HOOK_MODE_UNSET:
		break;
	}
	return "default";
}

int vtap_hook_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return VTAP_HOOK_MODE_AUTO;
	if (!strcmp(s, "xdp"))
		return VTAP_HOOK_MODE_XDP;
	if (!strcmp(s, "tc"))
		return VTAP_HOOK_MODE_TC;
	return -1;
}

const char *vtap_direction_name(enum vtap_direction d)
{
	switch (d) {
	case VTAP_DIR_IN:
		return "in";
	case VTAP_DIR_OUT:
		return "out";
	case VTAP_DIR_BOTH:
		return "both";
	}
	return "?";
}

const char *vtap_action_name(enum vtap_action a)
{
	switch (a) {
	case VTAP_ACTION_MIRROR:
		return "mirror";
	case VTAP_ACTION_SKIP:
		return "skip";
	}
	return "?";
}

const char *vtap_ovs_datapath_name(enum vtap_ovs_datapath d)
{
	switch (d) {
	case VTAP_OVS_DP_UNSET:
		return "";
	case VTAP_OVS_DP_AFXDP:
		return "afxdp";
	case VTAP_OVS_DP_DPDK:
		return "dpdk";
	}
	return "?";
}

int vtap_policy_order_cmp(const void *a, const void *b)
{
	const struct vtap_policy *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void vtap_policy_free_one(struct vtap_policy *p)
{
	for (size_t i = 0; i < p->n_ports; i++)
		free(p->ports[i]);
	free(p->ports);
	free(p->port_locs);
	free(p->src_cidrs);
	free(p->dst_cidrs);
	free(p->src_ports);
	free(p->dst_ports);
	free(p->vlans);
	memset(p, 0, sizeof(*p));
}

void vtap_policy_set_free(struct vtap_policy_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_policies; i++)
		vtap_policy_free_one(&set->policies[i]);
	free(set->policies);
	free(set->monitors);
	free(set->receives);
	for (size_t i = 0; i < set->n_files; i++)
		free(set->files[i]);
	free(set->files);
	memset(set, 0, sizeof(*set));
}

static const char *keep_path(struct vtap_policy_set *set, const char *path)
{
	char **f = realloc(set->files, (set->n_files + 1) * sizeof(*f));
	char *copy;

	if (!f)
		return NULL;
	set->files = f;
	copy = strdup(path);
	if (!copy)
		return NULL;
	set->files[set->n_files++] = copy;
	return copy;
}

int vtap_policy_load_files(const char *const *paths, size_t n_paths, struct vtap_policy_set *set,
			   struct vtap_errors *errs)
{
	size_t errs_before = errs->n;
	bool all_loaded = true;

	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < n_paths; i++) {
		struct vtap_ynode *root;
		const char *file = keep_path(set, paths[i]);

		if (!file) {
			struct vtap_loc loc = {.file = paths[i]};

			vtap_errors_add(errs, &loc, "out of memory");
			all_loaded = false;
			continue;
		}
		if (vtap_policy_yaml_load(file, &root, errs) < 0) {
			all_loaded = false;
			continue;
		}
		vtap_policy_parse_tree(root, file, set, errs);
		vtap_policy_ynode_free(root);
	}
	/* A file that did not load may define the monitors others refer
	 * to: do not report those references as unknown. */
	vtap_policy_validate_set(set, all_loaded, errs);
	if (errs->n != errs_before) {
		vtap_policy_set_free(set);
		return -1;
	}
	return 0;
}

bool vtap_policy_check_perms(const char *path, const struct stat *st, bool is_dir,
			     struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	const char *what = is_dir ? "policy directory" : "policy file";
	uid_t me = geteuid();
	bool ok = true;

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return true;
	/* Whoever can write a policy decides which traffic is copied where:
	 * only root and the user vtapd runs as may. */
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		vtap_errors_add(errs, &loc,
				"refusing a %s writable by others (mode %04o); chmod go-w %s", what,
				(unsigned int)(st->st_mode & 07777), path);
		ok = false;
	}
	if (st->st_uid != 0 && st->st_uid != me) {
		if (me == 0)
			vtap_errors_add(errs, &loc,
					"refusing a %s owned by uid %u (only root may own it); "
					"chown root %s",
					what, (unsigned int)st->st_uid, path);
		else
			vtap_errors_add(errs, &loc,
					"refusing a %s owned by uid %u (only root or uid %u, "
					"the running user, may own it); chown root %s",
					what, (unsigned int)st->st_uid, (unsigned int)me, path);
		ok = false;
	}
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vtap_policy_load_dir(const char *dir, struct vtap_policy_set *set, struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = dir};
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = -1;
	DIR *d;

	memset(set, 0, sizeof(*set));
	d = opendir(dir);
	if (!d) {
		vtap_errors_add(errs, &loc, "cannot open policy directory: %s", strerror(errno));
		return -1;
	}
	{
		struct stat dst;

		if (fstat(dirfd(d), &dst) < 0) {
			vtap_errors_add(errs, &loc, "cannot open policy directory: %s",
					strerror(errno));
			closedir(d);
			return -1;
		}
		/* Someone who may write the directory may replace any file in
		 * it: refuse it as a whole, without reading the files. */
		if (!vtap_policy_check_perms(dir, &dst, true, errs)) {
			closedir(d);
			return -1;
		}
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		/* Like the shell's *.yaml: no hidden files. */
		if (de->d_name[0] == '.' || fnmatch("*.yaml", de->d_name, 0) != 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			goto oom;
		/* Subdirectories named *.yaml are not policy files; files that
		 * cannot be stat'ed are kept so that the read reports why. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(path);
			continue;
		}
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 16;
			nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				free(path);
				goto oom;
			}
			names = nn;
		}
		names[n++] = path;
	}
	closedir(d);
	d = NULL;
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	rc = vtap_policy_load_files((const char *const *)names, n, set, errs);
	goto out;
oom:
	vtap_errors_add(errs, &loc, "out of memory");
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
