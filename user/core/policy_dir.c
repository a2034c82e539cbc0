// SPDX-License-Identifier: GPL-2.0
/* The directory source: the policy directory's *.yaml files as documents.
 * Only regular files that root (or the running user) owns and nobody else
 * may write are read, and only once nobody has them open for writing: a
 * link to /etc/shadow, a FIFO or a file half written are refused by name,
 * before a byte of them is read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, F_SETLEASE, F_SETSIG */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"
#include "text.h"

bool vtap_policy_file_name(const char *name)
{
	/* like the shell's *.yaml: hidden files are not policy files, so a
	 * tool may write .web.yaml (or web.yaml.tmp) and rename it in */
	return name[0] != '.' && fnmatch("*.yaml", name, 0) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The policy file names in the directory open as dfd, sorted. */
static int list_names(int dfd, char ***namesp, size_t *np)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!vtap_policy_file_name(de->d_name))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn)
				goto fail;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto fail;
		n++;
	}
	if (errno)
		goto fail;
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*namesp = names;
	*np = n;
	return 0;
fail:
	closedir(d);
	free_names(names, n);
	return -1;
}

/* Whether some process has fd's file open for writing: the kernel refuses a
 * read lease (EAGAIN) exactly then (fcntl(2), F_SETLEASE). While the lease
 * is held, a writer's open() waits for its release, so what is read under
 * it is the whole of one version of the file. Returns 1 with the lease
 * held, 0 when the file is open for writing, -1 when no lease can be taken
 * here (a file system without leases, a file of another owner): then the
 * file is read as it is. The lease's break would be signalled with SIGIO,
 * whose default action ends the process; SIGWINCH's default is to ignore. */
static int lease_take(int fd)
{
	if (fcntl(fd, F_SETSIG, SIGWINCH) < 0)
		return -1;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		return 1;
	return errno == EAGAIN ? 0 : -1;
}

static void lease_give(int fd)
{
	fcntl(fd, F_SETLEASE, F_UNLCK);
}

static const char *type_name(mode_t m)
{
	return S_ISFIFO(m)   ? "FIFO"
	       : S_ISCHR(m)  ? "character device"
	       : S_ISBLK(m)  ? "block device"
	       : S_ISSOCK(m) ? "socket"
	       : S_ISDIR(m)  ? "directory"
	       : S_ISLNK(m)  ? "symbolic link"
			     : "file of an unknown type";
}

static void refuse_link(int dfd, const char *name, const struct vtap_loc *loc,
			struct vtap_errors *errs)
{
	char target[VTAP_PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));

	/* a link is never followed: where it points is for root to decide
	 * once, by copying the file in, not for whoever can change its target */
	vtap_errors_add(errs, loc,
			"refusing a symbolic link (to '%s'): policy files must be regular files "
			"in the policy directory; copy the file in instead",
			n >= 0 ? vtap_quote_n(target, (size_t)n).s : "?");
}

/* Open name (a regular file when listed) and read it under a lease: NULL
 * after adding why not. */
static char *read_entry(int dfd, const char *name, const char *path, size_t *len,
			struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = path};
	char *buf = NULL;
	struct stat st;
	int fd, lease;

	/* O_NONBLOCK: a FIFO swapped in after the check must not hang the
	 * open; O_NOFOLLOW: nor may a link */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			refuse_link(dfd, name, &loc, errs);
		else
			vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		vtap_errors_add(errs, &loc, "refusing a %s: policy files must be regular files",
				type_name(st.st_mode));
	} else if (vtap_policy_check_perms(path, &st, false, errs)) {
		lease = lease_take(fd);
		if (lease == 0)
			vtap_errors_add(errs, &loc,
					"open for writing by another process: read once it is "
					"closed (write a temporary file and rename it in)");
		else if (vtap_policy_read_fd(fd, path, &st, &buf, len, errs) < 0)
			buf = NULL;
		if (lease > 0)
			lease_give(fd);
	}
	close(fd);
	return buf;
}

static int add_entry(int dfd, const char *dir, const char *name, struct vtap_policy_docs *docs,
		     struct vtap_errors *errs)
{
	struct vtap_loc loc;
	struct stat st;
	char *path, *buf = NULL;
	size_t len = 0;
	int rc;

	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		loc = (struct vtap_loc){.file = dir};
		vtap_errors_add(errs, &loc, "out of memory");
		return -1;
	}
	loc = (struct vtap_loc){.file = path};
	/* the type from the entry itself, before opening anything: opening a
	 * device can have effects, and a link is never followed */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = errno == ENOENT ? 0 : -1; /* removed since listed: a change of its own */
		if (rc)
			vtap_errors_add(errs, &loc, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = 0; /* a subdirectory named *.yaml is not a policy file */
		goto out;
	}
	if (S_ISLNK(st.st_mode))
		refuse_link(dfd, name, &loc, errs);
	else if (!S_ISREG(st.st_mode))
		vtap_errors_add(errs, &loc, "refusing a %s: policy files must be regular files",
				type_name(st.st_mode));
	else
		buf = read_entry(dfd, name, path, &len, errs);
	rc = vtap_policy_docs_take(docs, path, buf, len, errs);
out:
	free(path);
	return rc;
}

/* Open dir and check who may change it: a directory someone else may write
 * is refused whole, without reading its files. */
static int open_dir(const char *dir, struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = dir};
	struct stat st;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fstat(dfd, &st) < 0) {
		vtap_errors_add(errs, &loc, "cannot open policy directory: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	if (!vtap_policy_check_perms(dir, &st, true, errs)) {
		close(dfd);
		return -1;
	}
	return dfd;
}

int vtap_policy_dir_read(const char *dir, struct vtap_policy_docs *docs, struct vtap_errors *errs)
{
	struct vtap_loc loc = {.file = dir};
	char **names = NULL;
	size_t n = 0;
	int dfd = open_dir(dir, errs);

	if (dfd < 0)
		return -1;
	if (list_names(dfd, &names, &n) < 0) {
		vtap_errors_add(errs, &loc, "cannot read policy directory: %s", strerror(errno));
		close(dfd);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		add_entry(dfd, dir, names[i], docs, errs);
	free_names(names, n);
	close(dfd);
	return 0;
}

int vtap_policy_load_dir(const char *dir, struct vtap_policy_set *set, struct vtap_errors *errs)
{
	struct vtap_policy_docs docs = {0};
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (vtap_policy_dir_read(dir, &docs, errs) == 0)
		rc = vtap_policy_load_docs(&docs, set, errs);
	vtap_policy_docs_free(&docs);
	return rc;
}

bool vtap_policy_dir_writer(const char *dir, char *name, size_t namesz)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	bool busy = false;
	size_t n = 0;

	if (dfd < 0)
		return false;
	if (list_names(dfd, &names, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n && !busy; i++) {
		struct stat st;
		int fd, lease;

		/* only regular files (the reader refuses everything else), and
		 * nothing else is opened */
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		fd = openat(dfd, names[i],
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			lease = lease_take(fd);
			if (lease > 0)
				lease_give(fd);
			if (lease == 0) {
				busy = true;
				snprintf(name, namesz, "%s", names[i]);
			}
		}
		close(fd);
	}
	free_names(names, n);
	close(dfd);
	return busy;
}
