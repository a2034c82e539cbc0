// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk: vtapd's policies in user space, as a bump in the wire between
 * VM-side and network-side DPDK ports, copies to monitor ports. See vdp.h
 * for the threads and README.md for how to run it. */
#include <dirent.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include "ctl/ctl.h"
#include "ctl/metrics_http.h"
#include "ctl/socket.h"
#include "core/log.h"
#include "core/version.h"
#include "vdp.h"

#define VDP_DEFAULT_SOCKET "/run/vtap/vtap-dpdk.sock"

extern volatile int vdp_reload_requested;
static struct vdp *the_vdp;

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vtap-dpdk [EAL options --] --vm DEVARGS --net DEVARGS [--vm .. --net ..]\n"
	    "                 [--monitor DEVARGS]... [--policy-dir DIR] [--socket PATH]\n"
	    "                 [--vxlan DEVARGS --vxlan-local IP --vxlan-gw MAC\n"
	    "                  [--vxlan-port N] [--underlay-mtu N]]\n"
	    "                 [--idle-us N] [--log-level error|warn|info|debug]\n"
	    "                 [--metrics ADDR:PORT]\n"
	    "                 [--version] [--help]\n"
	    "--vm, --net: the i-th --vm port and the i-th --net port are one wire: frames\n"
	    "        from --vm (the VM sends: direction out) go to --net, and back (in).\n"
	    "        Policies name a --vm port by its interface (net_af_xdp iface=X).\n"
	    "--monitor: a port for the copies of local monitors whose port is its iface.\n"
	    "--vxlan: the underlay port for vxlan monitors (IPv4 remotes): copies leave it\n"
	    "        in VXLAN from --vxlan-local to the monitor's remote, UDP --vxlan-port\n"
	    "        (4789), through the next hop --vxlan-gw; cut to fit --underlay-mtu (1500)\n"
	    "--metrics: serve Prometheus metrics on http://ADDR:PORT/metrics (an IPv4\n"
	    "        address, or [IPv6]:PORT); a port in use stops the start\n"
	    "--idle-us: nap N microseconds between rounds once idle (default 50; 0 spins)\n"
	    "EAL options default to: --no-pci --no-huge -m 512 --no-shconf -l 0\n"
	    "        --file-prefix vtap-dpdk-PID\n"
	    "defaults: --policy-dir %s --socket %s\n"
	    "example: vtap-dpdk --vm net_af_xdp0,iface=vm1p --net net_af_xdp1,iface=wire1 \\\n"
	    "         --monitor net_af_xdp2,iface=mon0 --policy-dir /etc/vtap/policies\n",
	    VTAP_DEFAULT_POLICY_DIR, VDP_DEFAULT_SOCKET);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		vdp_reload_requested = 1;
	else if (the_vdp)
		the_vdp->quit = 1;
}

static int add_port(struct vdp_port *p, int *n, int max, const char *devargs, const char *what)
{
	if (*n >= max) {
		fprintf(stderr, "vtap-dpdk: at most %d %s ports\n", max, what);
		return -1;
	}
	if (strlen(devargs) >= sizeof(p[*n].devargs)) {
		fprintf(stderr, "vtap-dpdk: %s devargs too long: %s\n", what, devargs);
		return -1;
	}
	snprintf(p[(*n)++].devargs, sizeof(p->devargs), "%s", devargs);
	return 0;
}

static int parse_args(struct vdp *v, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"vm", required_argument, NULL, 'v'},
	    {"net", required_argument, NULL, 'n'},
	    {"monitor", required_argument, NULL, 'm'},
	    {"policy-dir", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 's'},
	    {"idle-us", required_argument, NULL, 'i'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {"vxlan", required_argument, NULL, 'x'},
	    {"vxlan-local", required_argument, NULL, 'L'},
	    {"vxlan-gw", required_argument, NULL, 'G'},
	    {"vxlan-port", required_argument, NULL, 'P'},
	    {"underlay-mtu", required_argument, NULL, 'M'},
	    {"metrics", required_argument, NULL, 'e'},
	    {0},
	};
	int n_net = 0, c;
	enum vtap_log_level lvl;
	const char *vxlan = NULL;
	bool have_gw = false;
	unsigned long num;
	char *end;

	v->policy_dir = VTAP_DEFAULT_POLICY_DIR;
	v->socket_path = VDP_DEFAULT_SOCKET;
	v->idle_us = 50;
	v->ul.dport = 4789;
	v->ul.mtu = 1500;
	optind = 0; /* rte_eal_init() ran getopt over other arguments */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (add_port(v->vm, &v->n_pairs, VDP_MAX_PAIRS, optarg, "--vm"))
				return -1;
			break;
		case 'n':
			if (add_port(v->net, &n_net, VDP_MAX_PAIRS, optarg, "--net"))
				return -1;
			break;
		case 'm': {
			int n = v->n_mon;

			if (n >= VDP_MAX_MONITORS) {
				fprintf(stderr, "vtap-dpdk: at most %d --monitor ports\n",
					VDP_MAX_MONITORS);
				return -1;
			}
			snprintf(v->mon[n].port.devargs, sizeof(v->mon[n].port.devargs), "%s",
				 optarg);
			v->n_mon++;
			break;
		}
		case 'x':
			vxlan = optarg;
			break;
		case 'L':
			if (inet_pton(AF_INET, optarg, &v->ul.local) != 1) {
				fprintf(stderr,
					"vtap-dpdk: --vxlan-local: not an IPv4 address: %s\n",
					optarg);
				return -1;
			}
			break;
		case 'G':
			if (rte_ether_unformat_addr(optarg,
						    (struct rte_ether_addr *)v->ul.gw_mac)) {
				fprintf(stderr, "vtap-dpdk: --vxlan-gw: not a MAC address: %s\n",
					optarg);
				return -1;
			}
			have_gw = true;
			break;
		case 'P':
		case 'M':
			num = strtoul(optarg, &end, 10);
			if (*end || !num || num > (c == 'P' ? 65535ul : 9000ul) ||
			    (c == 'M' && num < 576)) {
				fprintf(stderr, "vtap-dpdk: --%s: bad value %s\n",
					c == 'P' ? "vxlan-port" : "underlay-mtu", optarg);
				return -1;
			}
			if (c == 'P')
				v->ul.dport = (uint16_t)num;
			else
				v->ul.mtu = (unsigned int)num;
			break;
		case 'e':
			if (vtap_metrics_addr_check("vtap-dpdk", optarg))
				return -1;
			v->metrics_addr = optarg;
			break;
		case 'p':
			v->policy_dir = optarg;
			break;
		case 's':
			v->socket_path = optarg;
			break;
		case 'i':
			v->idle_us = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			if (vtap_log_parse_level(optarg, &lvl)) {
				fprintf(stderr, "vtap-dpdk: unknown log level %s\n", optarg);
				return -1;
			}
			vtap_log_set_level(lvl);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vtap-dpdk: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	if (vxlan) {
		if (!v->ul.local || !have_gw) {
			fprintf(stderr, "vtap-dpdk: --vxlan needs --vxlan-local and --vxlan-gw\n");
			return -1;
		}
		if (v->n_mon >= VDP_MAX_MONITORS) {
			fprintf(stderr, "vtap-dpdk: at most %d --monitor ports with --vxlan\n",
				VDP_MAX_MONITORS - 1);
			return -1;
		}
		snprintf(v->mon[v->n_mon].port.devargs, sizeof(v->mon[0].port.devargs), "%s",
			 vxlan);
		v->mon[v->n_mon++].vxlan = true;
	}
	if (!v->n_pairs || v->n_pairs != n_net) {
		fprintf(stderr, "vtap-dpdk: give --vm and --net in pairs (%d --vm, %d --net)\n",
			v->n_pairs, n_net);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* EAL arguments: the caller's (before --), or defaults that suit a shared
 * test host: no hugepages, no PCI, no files left behind, one lcore. */
static char prefix[64]; /* ours, when the EAL options are the defaults */

/* The runtime directory of our own prefix (telemetry socket...): the EAL
 * leaves it behind, and a test host would collect one per run. */
static void remove_runtime_dir(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!prefix[0])
		return;
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	if (!strstr(dir, prefix) || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static int eal_init(int argc, char **argv, int *consumed)
{
	char *def[] = {
	    argv[0], "--no-pci", "--no-huge",	  "-m",	  "512",	 "--no-shconf",
	    "-l",    "0",	 "--file-prefix", prefix, "--log-level", "lib.eal:warning",
	    NULL};
	int dashes = -1, ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashes = i;
			break;
		}
	if (dashes > 0) {
		argv[dashes] = argv[0];
		ret = rte_eal_init(dashes, argv);
		*consumed = dashes;
		return ret < 0 ? ret : 0;
	}
	snprintf(prefix, sizeof(prefix), "vtap-dpdk-%d", (int)getpid());
	ret = rte_eal_init((int)(sizeof(def) / sizeof(def[0])) - 1, def);
	*consumed = 0;
	return ret < 0 ? ret : 0;
}

static int open_ports(struct vdp *v)
{
	for (int i = 0; i < v->n_pairs; i++)
		if (vdp_port_open(&v->vm[i], "--vm") || vdp_port_open(&v->net[i], "--net"))
			return -1;
	for (int i = 0; i < v->n_mon; i++) {
		const char *role = v->mon[i].vxlan ? "--vxlan" : "--monitor";

		if (vdp_port_refused(&v->mon[i].port, role) || vdp_port_open(&v->mon[i].port, role))
			return -1;
		if (v->mon[i].vxlan)
			rte_eth_macaddr_get(v->mon[i].port.id,
					    (struct rte_ether_addr *)v->ul.src_mac);
	}
	v->copy_pool = vdp_copy_pool();
	if (!v->copy_pool) {
		log_err("no memory for the copy pool (more -m?)");
		return -1;
	}
	return 0;
}

static void close_ports(struct vdp *v)
{
	for (int i = 0; i < v->n_pairs; i++) {
		vdp_port_close(&v->vm[i]);
		vdp_port_close(&v->net[i]);
	}
	for (int i = 0; i < v->n_mon; i++)
		vdp_port_close(&v->mon[i].port);
}

/* what main allocated itself (the ports, rules and sockets have their own
 * close above) */
static void free_vdp(struct vdp *v)
{
	if (!v)
		return;
	the_vdp = NULL;
	free(v->stats);
	free(v->ids);
	free(v);
}

int main(int argc, char **argv)
{
	struct vdp *v;
	int consumed, ret = 1;

	vtap_log_init("vtap-dpdk", VTAP_LOG_INFO, 0);
	/* before the EAL: --version and --help need no DPDK set-up (they are
	 * vtap-dpdk's options: after "--" when EAL options are given) */
	int first = 1;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			first = i + 1;
			break;
		}
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("vtap-dpdk %s\n", vtap_version);
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	v = calloc(1, sizeof(*v));
	if (!v || !(v->stats = calloc(1, sizeof(*v->stats))) ||
	    !(v->ids = calloc(1, sizeof(*v->ids)))) {
		log_err("no memory");
		free_vdp(v);
		return 1;
	}
	vtap_policy_ids_init(v->ids);
	pthread_mutex_init(&v->lock, NULL);
	the_vdp = v;
	if (eal_init(argc, argv, &consumed)) {
		fprintf(stderr, "vtap-dpdk: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		free_vdp(v);
		return 1;
	}
	argc -= consumed;
	argv += consumed;
	if (parse_args(v, argc, argv))
		goto out;
	/* before any port is opened: never take over a socket where a server
	 * (vtapd, another vtap-dpdk) answers */
	if (vtap_ctl_socket_check(v->socket_path))
		goto out;
	/* a port in use ends the start before any DPDK port is opened */
	if (vdp_metrics_open(v))
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (open_ports(v))
		goto out;
	/* the first rule set must load: a wrong policy names its FILE:LINE */
	if (vdp_reload(v, NULL)) {
		log_err("policies in %s rejected; not starting", v->policy_dir);
		goto out;
	}
	if (vdp_ctl_start(v))
		goto out;
	vdp_notify_ready(v);
	log_info("forwarding %d wire%s on lcore %u; control socket %s", v->n_pairs,
		 v->n_pairs == 1 ? "" : "s", rte_lcore_id(), v->socket_path);
	vdp_fwd_loop(v);
	ret = 0;
out:
	vdp_notify_stopping(v);
	vdp_ctl_stop(v);
	vdp_metrics_close(v);
	close_ports(v);
	vdp_rules_free(v);
	remove_runtime_dir();
	rte_eal_cleanup();
	free_vdp(v);
	log_info("stopped");
	return ret;
}
