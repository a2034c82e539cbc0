// SPDX-License-Identifier: GPL-2.0
/* See client.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl/ctl.h"
#include "client.h"

/* The reply is read whole before it is used, so a slow reader of vtapctl's
 * output (a pager) never keeps the daemon's connection open (it drops
 * clients that stop reading). */
int vtapctl_request(const char *path, int argc, char **argv, char **reply, size_t *reply_len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char line[VTAP_CTL_MAX_LINE] = "", *buf = NULL, *nl;
	size_t len = 0, got = 0, cap = 0;
	int fd;
	ssize_t n;

	for (int i = 0; i < argc; i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - len) {
			fprintf(stderr, "vtapctl: command too long\n");
			return 2;
		}
		len += (size_t)w;
	}
	line[len++] = '\n';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a failed write (vtapd refused us and closed) still leaves its
	 * answer to read */
	if (write(fd, line, len) != (ssize_t)len && errno != EPIPE) {
		fprintf(stderr, "vtapctl: cannot talk to vtapd on %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	do {
		if (got + 1 >= cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!b) {
				fprintf(stderr, "vtapctl: out of memory for the reply\n");
				free(buf);
				close(fd);
				return 1;
			}
			buf = b;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n > 0)
			got += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	if (buf)
		buf[got] = 0;
	nl = buf ? memchr(buf, '\n', got) : NULL;
	if (!nl) {
		fprintf(stderr, "vtapctl: vtapd closed the connection without an answer\n");
		free(buf);
		return 1;
	}
	*reply = buf;
	*reply_len = got;
	return 0;
}
