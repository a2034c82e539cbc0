// SPDX-License-Identifier: GPL-2.0
/* vtapctl: the operator's command line for vtapd. */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl/ctl.h"
#include "kernel/link.h"
#include "kernel/xsk_pins.h"
#include "kernel/loader.h"
#include "core/log.h"
#include "core/version.h"
#include "kernel/bpf_log.h"
#include "core/policy.h"
#include "kernel/attach.h"
#include "kernel/nft_guard.h"
#include "client.h"
#include "cluster.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vtapctl [--socket PATH] [--pin-root DIR] COMMAND [ARGS]\n"
	    "       vtapctl --etcd URL[,URL...] [--etcd-prefix P] [--etcd-cacert F]\n"
	    "               [--etcd-cert F --etcd-key F] [--etcd-user NAME\n"
	    "               --etcd-password-file F] cluster COMMAND [ARGS]\n"
	    "       vtapctl --version | --help\n"
	    "commands:\n"
	    "  validate FILE...         check policy files; FILE:LINE:COLUMN: message per error\n"
	    "  status [--json]          what vtapd runs: ports, hooks, generation, errors\n"
	    "  policies [--json]        the policies in effect\n"
	    "  stats [NAME] [--json]    per-policy and per-sink counters\n"
	    "  reload                   re-read the policy directory now\n"
	    "  capture POLICY [-w FILE|-] [-c COUNT]\n"
	    "                           stream the copies of POLICY (monitor type capture)\n"
	    "                           as pcapng to FILE or standard output (-)\n"
	    "  extcap --extcap-interfaces|--extcap-dlts|--extcap-config|--capture\n"
	    "         [--extcap-interface vtap-POLICY] [--fifo PATH] [--socket PATH]\n"
	    "         [--extcap-version[=V]] [--extcap-capture-filter FILTER]\n"
	    "                           Wireshark's extcap interface: one interface\n"
	    "                           vtap-POLICY per capture policy (see vtapctl(8))\n"
	    "  teardown                 remove every attachment and pin vtap made\n"
	    "                           (through vtapd, or directly when it is not running)\n"
	    "  version                  print vtapctl's version (also --version)\n"
	    "cluster commands (the policy store, docs/cluster.md):\n");
	fputs(vtapctl_cluster_usage, f);
}

static int validate(int n, char **files)
{
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
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

/* Send one command line; print the reply (client.h). Returns the exit
 * code, or -1 when vtapd is not there at all. */
static int ctl(const char *path, int argc, char **argv)
{
	char *buf = NULL, *nl;
	size_t got = 0;
	int status, ret = vtapctl_request(path, argc, argv, &buf, &got);

	if (ret)
		return ret;
	nl = memchr(buf, '\n', got);
	status = strncmp(buf, "ok\n", 3) ? 1 : 0;
	fwrite(nl + 1, 1, got - (size_t)(nl + 1 - buf), status ? stderr : stdout);
	free(buf);
	return status;
}

static void say(void *arg, const char *what)
{
	(void)arg;
	printf("%s\n", what);
}

/* Without a daemon: take off every vtap filter and XDP tap whose program
 * uses the maps pinned under pin_root (another vtapd's, with its own pin
 * root, stay), and remove the pins. A clsact qdisc left holding no filter
 * is removed too. */
static int teardown_offline(const char *pin_root)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	const char *xdp_tap = vtap_prog_name(VTAP_PROG_XDP_OUT);
	const char *sink = vtap_prog_name(VTAP_PROG_SINK);
	char table[VTAP_NFT_TABLE_MAX];
	int removed = 0, ret;

	for (i = ifs; i && i->if_index; i++)
		removed += vtap_hook_remove_pinned((int)i->if_index, i->if_name, pin_root, xdp_tap,
						   sink, say, NULL);
	/* the sink veths and VXLAN device a vtapd of this pin root made
	 * (their alias says so); a veth takes its peer and XDP along */
	vtap_link_set_owner(pin_root);
	for (i = ifs; i && i->if_index; i++) {
		if (!vtap_link_is_vtaps(i->if_name))
			continue;
		if (!vtap_link_del(i->if_name))
			printf("removed %s (made by vtapd)\n", i->if_name);
		else
			fprintf(stderr, "vtapctl: cannot remove %s\n", i->if_name);
	}
	if (ifs)
		if_freenameindex(ifs);
	/* the nftables guards of its local monitor ports (--sink-hook nft) */
	vtap_nft_guard_table(pin_root, table, sizeof(table));
	ret = vtap_nft_guard_drop_table(table);
	if (ret < 0)
		fprintf(stderr, "vtapctl: cannot remove nftables table netdev %s: %s\n", table,
			strerror(-ret));
	else if (ret)
		printf("removed nftables table netdev %s\n", table);
	/* the captures a vtapd kept (their XDP program on an operator's veth
	 * and their pins) */
	vtap_xsk_remove_kept(pin_root, NULL, say, NULL);
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
	    {"socket", required_argument, NULL, 's'},
	    {"pin-root", required_argument, NULL, 'r'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {"etcd", required_argument, NULL, 'e'},
	    {"etcd-prefix", required_argument, NULL, 'x'},
	    {"etcd-cacert", required_argument, NULL, 'a'},
	    {"etcd-cert", required_argument, NULL, 'c'},
	    {"etcd-key", required_argument, NULL, 'k'},
	    {"etcd-user", required_argument, NULL, 'u'},
	    {"etcd-password-file", required_argument, NULL, 'P'},
	    {0},
	};
	const char *sock = VTAP_DEFAULT_SOCKET, *pin_root = VTAP_DEFAULT_PIN_ROOT;
	struct vtapctl_store store = {0};
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
		case 'e':
			store.endpoints = optarg;
			break;
		case 'x':
			store.prefix = optarg;
			break;
		case 'a':
			store.cacert = optarg;
			break;
		case 'c':
			store.cert = optarg;
			break;
		case 'k':
			store.key = optarg;
			break;
		case 'u':
			store.user = optarg;
			break;
		case 'P':
			store.password_file = optarg;
			break;
		case 'V':
			printf("vtapctl %s\n", vtap_version);
			return 0;
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
	vtap_bpf_log_init();
	signal(SIGPIPE, SIG_IGN); /* a refused peer's reply is still read */
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "version")) {
		printf("vtapctl %s\n", vtap_version);
		return 0;
	}
	if (!strcmp(argv[0], "validate"))
		return validate(argc - 1, argv + 1);
	if (!strcmp(argv[0], "cluster"))
		return vtapctl_cluster(&store, argc - 1, argv + 1);
	if (!strcmp(argv[0], "capture"))
		return vtapctl_capture(sock, argc, argv);
	if (!strcmp(argv[0], "extcap"))
		return vtapctl_extcap(sock, argc, argv);
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
