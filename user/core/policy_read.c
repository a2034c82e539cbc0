// SPDX-License-Identifier: GPL-2.0
/* Reading a policy file: who may have written it, and its bytes, bounded.
 * Shared by the files named on a command line (vtap_policy_docs_add_file,
 * here) and the directory source (policy_dir.c), which adds its own checks
 * before it opens anything. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"

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

int vtap_policy_read_fd(int fd, const char *path, const struct stat *st, char **buf, size_t *len,
			struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	size_t cap, n = 0;
	char *b;

	if (S_ISREG(st->st_mode) && st->st_size > (off_t)VTAP_POLICY_FILE_MAX) {
		vtap_errors_add(errs, &loc, "too large (%lld bytes, limit %u)",
				(long long)st->st_size, VTAP_POLICY_FILE_MAX);
		return -1;
	}
	cap = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 65536;
	b = malloc(cap);
	if (!b) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(ENOMEM));
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
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	return -1;
}

int vtap_policy_docs_add_file(struct vtap_policy_docs *docs, const char *path,
			      struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
	} else {
		if (fstat(fd, &st) < 0)
			vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
		else if (S_ISDIR(st.st_mode))
			vtap_errors_add(errs, &loc, "cannot read: %s", strerror(EISDIR));
		/* checked on the open file: what is read is what was checked */
		else if (vtap_policy_check_perms(path, &st, false, errs) &&
			 vtap_policy_read_fd(fd, path, &st, &buf, &len, errs) < 0)
			buf = NULL;
		close(fd);
	}
	if (vtap_policy_docs_take(docs, path, buf, len, errs) < 0)
		return -1;
	return buf ? 0 : -1;
}
