// SPDX-License-Identifier: GPL-2.0
/* vtapctl capture (client.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl/ctl.h"
#include "client.h"

static volatile sig_atomic_t stop_capture;

static void on_stop(int sig)
{
	(void)sig;
	stop_capture = 1;
}

/* capture POLICY [-w FILE|-] [-c COUNT]: vtapd answers "ok" and then the
 * connection is a pcapng stream, copied to out until vtapd ends it (COUNT
 * records sent, or vtapd stopping) or a signal. */
int vtapctl_capture(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *policy = NULL, *file = "-";
	unsigned long long count = 0;
	char req[VTAP_CTL_MAX_LINE], buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd, out = STDOUT_FILENO, ret = 1;
	char *nl, *end;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			count = strtoull(argv[++i], &end, 10);
			if (*end || !count) {
				fprintf(stderr, "vtapctl: capture: -c needs a count above 0\n");
				return 2;
			}
		} else if (!policy && argv[i][0] != '-') {
			policy = argv[i];
		} else {
			fprintf(stderr, "vtapctl: capture: unexpected %s\n", argv[i]);
			return 2;
		}
	}
	if (!policy) {
		fprintf(stderr, "usage: vtapctl capture POLICY [-w FILE|-] [-c COUNT]\n");
		return 2;
	}
	if (!strcmp(file, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr,
			"vtapctl: capture: pcapng is binary; give -w FILE or a pipe "
			"(vtapctl capture %s -w - | tshark -r -)\n",
			policy);
		return 2;
	}
	if ((size_t)snprintf(req, sizeof(req), "capture %s %llu\n", policy, count) >= sizeof(req)) {
		fprintf(stderr, "vtapctl: capture: policy name too long\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr,
			"vtapctl: cannot reach vtapd on %s: %s (is it running? --socket?)\n", path,
			strerror(errno));
		goto out;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "vtapctl: cannot talk to vtapd on %s: %s\n", path, strerror(errno));
		goto out;
	}
	/* the status line, then the stream (or the error text) */
	while (!(nl = memchr(buf, '\n', got)) && got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	if (!nl) {
		fprintf(stderr, "vtapctl: vtapd closed the connection without an answer\n");
		goto out;
	}
	if (strncmp(buf, "ok\n", 3)) {
		while (got < sizeof(buf) - 1 &&
		       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		buf[got] = 0;
		fputs(nl + 1, stderr);
		goto out;
	}
	if (strcmp(file, "-")) {
		out = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (out < 0) {
			fprintf(stderr, "vtapctl: capture: cannot write %s: %s\n", file,
				strerror(errno));
			out = STDOUT_FILENO;
			goto out;
		}
	}
	{
		/* no SA_RESTART: a signal ends the blocking read */
		struct sigaction sa_stop = {.sa_handler = on_stop};

		sigaction(SIGINT, &sa_stop, NULL);
		sigaction(SIGTERM, &sa_stop, NULL);
	}
	got -= (size_t)(nl + 1 - buf);
	memmove(buf, nl + 1, got);
	for (;;) {
		for (size_t off = 0; off < got;) {
			n = write(out, buf + off, got - off);
			if (n <= 0) {
				/* Ctrl-C while the reader does not read
				 * (a pager, a paused Wireshark) */
				if (n < 0 && errno == EINTR && stop_capture)
					goto stopped;
				if (n < 0 && errno == EINTR)
					continue;
				/* the reader went away (tshark done): not an error */
				ret = errno == EPIPE ? 0 : 1;
				if (ret)
					fprintf(stderr, "vtapctl: capture: write: %s\n",
						strerror(errno));
				goto out;
			}
			off += (size_t)n;
		}
		if (stop_capture)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			got = 0;
			continue;
		}
		/* vtapd ends the stream after -c records; else it went away
		 * (stopped, crashed) or the policy or its monitor did */
		if (n < 0 || (n == 0 && !count)) {
			fprintf(stderr, "vtapctl: capture: %s\n",
				n < 0
				    ? strerror(errno)
				    : "vtapd ended the stream (stopped, or the policy went away)");
			goto out;
		}
		if (n == 0)
			break;
		got = (size_t)n;
	}
stopped:
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (out != STDOUT_FILENO)
		close(out);
	return ret;
}
