// SPDX-License-Identifier: GPL-2.0
/* Running a command-line tool (ovs-vsctl, nft) from the daemon: run.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "run.h"

int vtap_run_tool(char *const argv[], const char *in, char *out, size_t outlen, char *err,
		  size_t errlen)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, pi[2] = {-1, -1}, status = 0;
	size_t got = 0, egot = 0;
	pid_t pid;

	if (out && outlen)
		out[0] = 0;
	if (err && errlen)
		err[0] = 0;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || pipe2(pi, O_CLOEXEC))
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (!pid) {
		sigset_t none;

		/* vtapd blocks its signals (signalfd) and ignores SIGPIPE:
		 * the tool gets the defaults back */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	if (in && write(pi[1], in, strlen(in)) < 0)
		log_debug("%s: stdin: %s", argv[0], strerror(errno));
	close(pi[1]);
	for (;;) {
		struct pollfd p[2] = {{.fd = po[0], .events = POLLIN},
				      {.fd = pe[0], .events = POLLIN}};
		char sink[512];
		ssize_t n;

		if (p[0].fd < 0 && p[1].fd < 0)
			break;
		if (poll(p, 2, 15000) <= 0) {
			/* the tool's own --timeout did not end it: it will not
			 * hold the daemon any longer */
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			char *dst = i ? err : out;
			size_t len = i ? errlen : outlen, *g = i ? &egot : &got;

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (dst && *g + 1 < len)
				n = read(p[i].fd, dst + *g, len - 1 - *g);
			else
				n = read(p[i].fd, sink, sizeof(sink));
			if (n <= 0) {
				close(i ? pe[0] : po[0]);
				if (i)
					pe[0] = -1;
				else
					po[0] = -1;
				continue;
			}
			if (dst && *g + 1 < len) {
				*g += (size_t)n;
				dst[*g] = 0;
			}
		}
	}
	if (po[0] >= 0)
		close(po[0]);
	if (pe[0] >= 0)
		close(pe[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (err && errlen)
		err[strcspn(err, "\n")] = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (pi[i] >= 0)
			close(pi[i]);
	}
	return -errno;
}
