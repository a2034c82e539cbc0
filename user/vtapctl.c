// SPDX-License-Identifier: GPL-2.0
/* vtapctl: the operator's command line for vtapd. */
#include <errno.h>
#include <signal.h>
#include <bpf/bpf.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ctl.h"
#include "loader.h"
#include "log.h"
#include "policy.h"
#include "tc.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vtapctl [--socket PATH] [--pin-root DIR] COMMAND [ARGS]\n"
		   "commands:\n"
		   "  validate FILE...         check policy files; FILE:LINE:COLUMN: message per error\n"
		   "  status [--json]          what vtapd runs: ports, hooks, generation, errors\n"
		   "  policies [--json]        the policies in effect\n"
		   "  stats [NAME] [--json]    per-policy and per-sink counters\n"
		   "  reload                   re-read the policy directory now\n"
		   "  teardown                 remove every attachment and pin vtap made\n"
		   "                           (through vtapd, or directly when it is not running)\n");
}

static int validate(int n, char **files)
{
	struct vtap_policy_set set = { 0 };
	struct vtap_errors errs = { 0 };
	int ret;

	if (!n) {
		fprintf(stderr, "vtapctl: validate: no file given\n");
		return 2;
	}
	ret = vtap_policy_load_files((const char *const *)files, (size_t)n, &set, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	if (!ret)
		printf("%d file%s valid: %zu policies, %zu monitors\n", n, n == 1 ? "" : "s",
		       set.n_policies, set.n_monitors);
	vtap_errors_free(&errs);
	vtap_policy_set_free(&set);
	return ret ? 1 : 0;
}

/* Send one command line; print the reply. Returns the exit code, or -1
 * when vtapd is not there at all. */
static int ctl(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[VTAP_CTL_MAX_LINE] = "", buf[65536];
	size_t len = 0, got = 0;
	int fd, status = -1;
	ssize_t n;
	FILE *dst = stdout;

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
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = 0;
		if (status < 0) {
			char *nl = strchr(buf, '\n');

			if (!nl)
				continue;
			status = strncmp(buf, "ok\n", 3) ? 1 : 0;
			dst = status ? stderr : stdout;
			fputs(nl + 1, dst);
		} else {
			fputs(buf, dst);
		}
		got = 0;
	}
	close(fd);
	if (status < 0) {
		fprintf(stderr, "vtapctl: vtapd closed the connection without an answer\n");
		return 1;
	}
	return status;
}

/* Without a daemon: take off every vtap filter whose program uses the maps
 * pinned under pin_root (another vtapd's, with its own pin root, stay), and
 * remove the pins. A clsact qdisc left holding no filter is removed too. */
static int teardown_offline(const char *pin_root)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int removed = 0, ret;

	for (i = ifs; i && i->if_index; i++) {
		int ifindex = (int)i->if_index, mine = 0;

		/* no clsact here: nothing of vtap's either (and no query noise) */
		if (vtap_tc_count_filters(ifindex, VTAP_HOOK_INGRESS) < 0)
			continue;
		for (int h = VTAP_HOOK_INGRESS; h <= VTAP_HOOK_EGRESS; h++) {
			__u32 id = 0;
			int fd, ours = 0;

			if (vtap_tc_query(ifindex, (enum vtap_hook)h, &id) != 1)
				continue;
			/* only the filters whose maps are pinned under this pin
			 * root: another vtapd's taps on this host are not ours */
			fd = bpf_prog_get_fd_by_id(id);
			if (fd >= 0) {
				ours = vtap_prog_uses_pins(fd, pin_root) == 1;
				close(fd);
			}
			if (ours && !vtap_tc_detach(ifindex, (enum vtap_hook)h)) {
				printf("removed vtap's filter from %s %s\n", i->if_name,
				       h == VTAP_HOOK_INGRESS ? "ingress" : "egress");
				removed++;
				mine++;
			}
		}
		/* a clsact that held vtap's filter and now holds nothing was
		 * vtap's; one that still holds another filter is left alone */
		if (mine && vtap_tc_count_filters(ifindex, VTAP_HOOK_INGRESS) == 0 &&
		    vtap_tc_count_filters(ifindex, VTAP_HOOK_EGRESS) == 0 &&
		    !vtap_tc_destroy_qdisc(ifindex))
			printf("removed the clsact qdisc of %s\n", i->if_name);
	}
	if (ifs)
		if_freenameindex(ifs);
	ret = vtap_unpin_all(pin_root);
	if (ret)
		fprintf(stderr, "vtapctl: cannot remove pins under %s: %s\n", pin_root,
			strerror(-ret));
	else
		printf("removed pins under %s; %d filter%s removed\n", pin_root, removed,
		       removed == 1 ? "" : "s");
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sock = VTAP_DEFAULT_SOCKET, *pin_root = VTAP_DEFAULT_PIN_ROOT;
	int c, ret;

	/* "+": stop at the command, so its own flags (--json) reach it */
	while ((c = getopt_long(argc, argv, "+s:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			pin_root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	vtap_log_init("vtapctl", VTAP_LOG_WARN, 0);
	signal(SIGPIPE, SIG_IGN); /* a refused peer's reply is still read */
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "validate"))
		return validate(argc - 1, argv + 1);
	if (strcmp(argv[0], "status") && strcmp(argv[0], "policies") && strcmp(argv[0], "stats") &&
	    strcmp(argv[0], "reload") && strcmp(argv[0], "teardown")) {
		fprintf(stderr, "vtapctl: unknown command %s\n", argv[0]);
		usage(stderr);
		return 2;
	}
	ret = ctl(sock, argc, argv);
	if (ret >= 0)
		return ret;
	/* only "nobody there" means vtapd is not running; a refused or
	 * unreachable socket is an error, never a reason to act alone */
	if (!strcmp(argv[0], "teardown") && (errno == ENOENT || errno == ECONNREFUSED)) {
		printf("vtapd is not running on %s: removing vtap's state directly\n", sock);
		return teardown_offline(pin_root);
	}
	fprintf(stderr, "vtapctl: cannot reach vtapd on %s: %s (is it running? --socket?)\n", sock,
		strerror(errno));
	return 1;
}
