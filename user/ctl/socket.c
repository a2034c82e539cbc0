// SPDX-License-Identifier: GPL-2.0
/* See socket.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "core/log.h"
#include "socket.h"

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!*path || strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

/* "comm (pid N)" of the process that listens on the other end of fd */
static void peer_name(int fd, char *who, size_t len)
{
	struct ucred cred = {0};
	socklen_t cl = sizeof(cred);
	char file[64], comm[64] = "";
	FILE *f;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.pid <= 0) {
		snprintf(who, len, "a server");
		return;
	}
	snprintf(file, sizeof(file), "/proc/%d/comm", (int)cred.pid);
	f = fopen(file, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(who, len, "%s (pid %d)", comm[0] ? comm : "a server", (int)cred.pid);
}

int vtap_ctl_socket_probe(const char *path, char *who, size_t who_len)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ret;

	if (who_len)
		who[0] = 0;
	ret = make_addr(path, &sa);
	if (ret)
		return ret;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		peer_name(fd, who, who_len);
		ret = 1;
	} else {
		/* nobody listens: a dead server's socket */
		ret = errno == ECONNREFUSED ? 0 : -errno;
	}
	close(fd);
	return ret;
}

/* Log why path cannot be served on (ret from probe, not 0) */
static void refuse(const char *path, int ret, const char *who)
{
	if (ret == 1)
		log_err("control socket %s: %s answers on it; not starting (one server per socket: "
			"stop it, or give another --socket)",
			path, who);
	else if (ret == -ENOTSOCK)
		log_err("control socket %s: the path exists and is not a socket; not replacing it",
			path);
	else if (ret == -ENAMETOOLONG)
		log_err("control socket %s: the path is empty or longer than %zu bytes", path,
			sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	else
		log_err("control socket %s: %s", path, strerror(-ret));
}

int vtap_ctl_socket_check(const char *path)
{
	char who[128];
	int ret = vtap_ctl_socket_probe(path, who, sizeof(who));

	if (!ret)
		return 0;
	refuse(path, ret, who);
	return -1;
}

/* mkdir -p of path's directory (0755 for what it makes) */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1;; p++) {
		bool end = !*p;

		if (*p != '/' && !end)
			continue;
		*p = 0;
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		if (end)
			return 0;
		*p = '/';
	}
}

int vtap_ctl_socket_listen(const char *path, int backlog, struct vtap_ctl_sock_id *id)
{
	struct sockaddr_un sa;
	struct stat st;
	char who[128];
	mode_t old;
	int fd, ret;

	ret = make_addr(path, &sa);
	if (!ret)
		ret = make_parent(path);
	if (ret) {
		log_err("control socket %s: cannot create its directory: %s", path, strerror(-ret));
		return ret;
	}
	ret = vtap_ctl_socket_probe(path, who, sizeof(who));
	if (ret) {
		refuse(path, ret, who);
		return ret == 1 ? -EADDRINUSE : ret;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* a dead server's socket (probed just now): take its place */
	if (unlink(path) && errno != ENOENT) {
		ret = -errno;
		goto fail;
	}
	old = umask(0177); /* born 0600: never a moment open to others */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret) {
		ret = -errno;
		goto fail;
	}
	if (listen(fd, backlog) || stat(path, &st)) {
		ret = -errno;
		unlink(path);
		goto fail;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return fd;
fail:
	log_err("control socket %s: cannot listen: %s", path, strerror(-ret));
	close(fd);
	return ret;
}

void vtap_ctl_socket_remove(const char *path, const struct vtap_ctl_sock_id *id)
{
	struct stat st;

	if (!lstat(path, &st) && st.st_dev == id->dev && st.st_ino == id->ino)
		unlink(path);
}
