// SPDX-License-Identifier: GPL-2.0
/* vtapd: keeps the BPF taps of this host in line with the policy files and
 * the ports present, and answers vtapctl on a unix socket. */
#include <errno.h>
#include <getopt.h>
#include <time.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "ctl/ctl.h"
#include "ctl/metrics_http.h"
#include "ctl/server.h"
#include "ctl/socket.h"
#include "vtapd.h"
#include "cluster.h"
#include "guard.h"
#include "hooks.h"
#include "views.h"
#include "core/log.h"
#include "core/policy_watch.h"
#include "core/version.h"
#include "kernel/bpf_log.h"
#include "kernel/netlink.h"
#include "sinks/capture.h"
#include "kernel/caps.h"
#include <vtap/limits.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vtapd [--policy-dir DIR] [--pin-root DIR] [--socket PATH] [--keep]\n"
		"             [--foreground] [--syslog] [--log-level error|warn|info|debug]\n"
		"             [--vxlan-dev NAME] [--vxlan-port N] [--underlay-mtu N]\n"
		"             [--no-flow-cache] [--metrics ADDR:PORT] [--version] [--help]\n"
		"             [--engine auto|ebpf|dpdk] [--dpdk-ports GLOB[,GLOB...]]\n"
		"--engine: who taps the VM ports. auto (default): eBPF, and where it cannot\n"
		"        attach (no clsact, BPF refused) the port is left to the DPDK engine,\n"
		"        vtap-dpdk; ebpf: a failed attach is an error; dpdk: every VM port is\n"
		"        vtap-dpdk's. vtapd logs the choice and vtapctl status shows it;\n"
		"        vtap-dpdk is started separately (README.md). Monitors stay eBPF.\n"
		"--dpdk-ports: ports (globs) that are always the DPDK engine's\n"
		"             [--attach auto|xdp|tc] [--ring-size BYTES]\n"
		"             [--sink-hook auto|tcx|clsact|nft] [--complete-checksums]\n"
		"--attach: the hook that taps the frames VMs send (policies may override it\n"
		"        with source.hook): xdp = native XDP, copies through a ring buffer to\n"
		"        vtapd, which writes capture monitors' pcapng and sends ovs monitors'\n"
		"        copies by AF_XDP; tc = clsact; auto (default) = XDP too. A port with a\n"
		"        policy to a local or vxlan monitor, or another XDP program on it, is\n"
		"        tapped by TC (vtapctl status says why). Frames to VMs (in): always TC.\n"
		"--ring-size: bytes of the ring buffer of the XDP tap's copies and the TC tap's\n"
		"        to capture monitors (and to ovs monitors of TSO VMs), a power of two\n"
		"        from 4096 (default 2097152); K and M suffixes. A full ring counts\n"
		"        ring_full. Below 512K a TSO VM's 64 KiB super-frames do not fit: a\n"
		"        capture or ovs monitor of them takes its sink veth.\n"
		"--sink-hook: where a monitor port's sink program goes: auto (default) = TCX\n"
		"        egress where the kernel has it (6.6), else clsact egress; tcx; clsact;\n"
		"        nft = no sink program on a local monitor port whose copies are never\n"
		"        cut (snaplen): an nftables egress chain drops the host's own frames\n"
		"        there instead, and the tap counts the copies (faster: no program\n"
		"        runs per copy on the port); the other sinks as auto\n"
		"--complete-checksums: ovs monitors get their copies with the TCP and UDP\n"
		"        checksums finished that the VM left to its device (TX checksum\n"
		"        offload: the copy's checksum holds only the pseudo-header's sum, and\n"
		"        OVS's AF_XDP port cannot say so to the monitor); by default a copy\n"
		"        carries the bytes the receiving VM gets\n"
		"--vxlan-dev, --vxlan-port: the VXLAN device (external mode) vtapd makes for\n"
		"        vxlan monitors and receive entries (default vtap-vxlan, UDP 4789)\n"
		"--underlay-mtu: MTU of the path to monitor hosts (default 1500): copies are\n"
		"        cut to fit it once encapsulated (counted); 0 = never cut (the\n"
		"        underlay must then carry frames + 50 bytes)\n"
		"--no-flow-cache: classify every frame; by default a frame whose classifier\n"
		"        inputs an earlier frame had (same flow, same rules) reuses its verdict\n"
		"--metrics: serve Prometheus metrics on http://ADDR:PORT/metrics (an IPv4\n"
		"        address, or [IPv6]:PORT); a port in use stops the start\n"
		"--keep: on SIGTERM leave the taps attached and the maps pinned (tapping goes\n"
		"        on; the next vtapd adopts them without a gap). After a crash or\n"
		"        SIGKILL that is always what happens.\n"
		"defaults: --policy-dir %s --pin-root %s --socket %s\n",
		VTAP_DEFAULT_POLICY_DIR, VTAP_DEFAULT_PIN_ROOT, VTAP_DEFAULT_SOCKET);
	fputs(vtapd_cluster_usage, f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"policy-dir", required_argument, NULL, 'p'},
	    {"pin-root", required_argument, NULL, 'r'},
	    {"socket", required_argument, NULL, 's'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"keep", no_argument, NULL, 'k'},
	    {"syslog", no_argument, NULL, 'S'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"vxlan-dev", required_argument, NULL, 'X'},
	    {"vxlan-port", required_argument, NULL, 'P'},
	    {"underlay-mtu", required_argument, NULL, 'M'},
	    {"no-flow-cache", no_argument, NULL, 'C'},
	    {"engine", required_argument, NULL, 'E'},
	    {"dpdk-ports", required_argument, NULL, 'D'},
	    {"attach", required_argument, NULL, 'A'},
	    {"ring-size", required_argument, NULL, 'R'},
	    {"complete-checksums", no_argument, NULL, 'c'},
	    {"sink-hook", required_argument, NULL, 'H'},
	    {"metrics", required_argument, NULL, 'm'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    VTAPD_CLUSTER_OPTIONS,
	    {0},
	};
	/* policy_dir: the default only when not in cluster mode (below) */
	struct vtapd d = { .cfg = { .pin_root = VTAP_DEFAULT_PIN_ROOT,
				    .socket_path = VTAP_DEFAULT_SOCKET,
				    .vxlan = { .dev = "vtap-vxlan", .port = 4789, .underlay_mtu = 1500 },
				    .attach_mode = VTAP_HOOK_MODE_AUTO } };
	char *end;
	long num;
	enum vtap_log_level level = VTAP_LOG_INFO;
	int use_syslog = 0, c, ret = 1;
	int ep = -1, sfd = -1, wfd = -1, ctl_fd = -1;
	struct vtap_dir_watch *watch = NULL; /* policy directory changes */
	struct vtap_ctl_server *ctl = NULL;
	struct vtap_nl *nl = NULL;
	const char *metrics = NULL;
	/* until the first policy set is in effect, an exit leaves the kernel's
	 * state as it found it (a previous vtapd's taps keep running) */
	bool running = true, teardown = false, started = false;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "p:r:s:fkSl:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			d.cfg.policy_dir = optarg;
			break;
		case 'r':
			d.cfg.pin_root = optarg;
			break;
		case 's':
			d.cfg.socket_path = optarg;
			break;
		case 'f': /* vtapd always runs in the foreground; systemd supervises */
			break;
		case 'k':
			d.cfg.keep = true;
			break;
		case 'X':
			if (!*optarg || strlen(optarg) >= IF_NAMESIZE || strpbrk(optarg, "/: \t")) {
				fprintf(stderr, "vtapd: --vxlan-dev: not an interface name: %s\n",
					optarg);
				return 2;
			}
			d.cfg.vxlan.dev = optarg;
			break;
		case 'P':
		case 'M':
			num = strtol(optarg, &end, 10);
			if (*end || num < 0 || num > 65535 || (c == 'P' && !num) ||
			    (c == 'M' && num && num < 576)) {
				fprintf(stderr, "vtapd: --%s: bad value %s\n",
					c == 'P' ? "vxlan-port" : "underlay-mtu", optarg);
				return 2;
			}
			if (c == 'P')
				d.cfg.vxlan.port = (unsigned int)num;
			else
				d.cfg.vxlan.underlay_mtu = (unsigned int)num;
			break;
		case 'C':
			d.cfg.no_flow_cache = true;
			break;
		case 'E':
			if (vtapd_engine_parse(optarg, &d.cfg.engine)) {
				fprintf(stderr, "vtapd: --engine: %s is not auto, ebpf or dpdk\n",
					optarg);
				return 2;
			}
			break;
		case 'D':
			d.cfg.dpdk_ports = optarg;
			break;
		case 'A':
			num = vtap_hook_mode_parse(optarg);
			if (num < 0) {
				fprintf(stderr, "vtapd: --attach: expected auto, xdp or tc, got %s\n",
					optarg);
				return 2;
			}
			d.cfg.attach_mode = (enum vtap_hook_mode)num;
			break;
		case 'H':
			num = vtapd_sink_hook_parse(optarg);
			if (num < 0) {
				fprintf(stderr,
					"vtapd: --sink-hook: expected auto, tcx, clsact or nft, got %s\n",
					optarg);
				return 2;
			}
			d.cfg.sink_hook = (enum vtapd_sink_hook)num;
			break;
		case 'R': {
			unsigned long long v = strtoull(optarg, &end, 10);

			if (*end == 'K' || *end == 'k')
				v <<= 10, end++;
			else if (*end == 'M' || *end == 'm')
				v <<= 20, end++;
			if (*end || v < VTAP_RING_SIZE_MIN || v > VTAP_RING_SIZE_MAX || (v & (v - 1))) {
				fprintf(stderr,
					"vtapd: --ring-size: %s is not a power of two from %u to %u\n",
					optarg, VTAP_RING_SIZE_MIN, VTAP_RING_SIZE_MAX);
				return 2;
			}
			d.cfg.ring_size = (__u32)v;
			break;
		}
		case 'c':
			d.sinks.complete_csum = true;
			break;
		case 'm':
			if (vtap_metrics_addr_check("vtapd", optarg))
				return 2;
			metrics = optarg;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'l':
			if (vtap_log_parse_level(optarg, &level)) {
				fprintf(stderr, "vtapd: unknown log level %s\n", optarg);
				return 2;
			}
			break;
		case 'V':
			printf("vtapd %s\n", vtap_version);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case VTAPD_OPT_ETCD ... VTAPD_OPT_CLUSTER_LAST:
			if (vtapd_cluster_option(&d.cfg, c, optarg))
				return 2;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!d.cfg.policy_dir && !d.cfg.cluster.endpoints)
		d.cfg.policy_dir = VTAP_DEFAULT_POLICY_DIR;
	vtap_log_init("vtapd", level, use_syslog);
	vtap_bpf_log_init();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* before touching anything: a second vtapd must not rewrite the
	 * first one's maps on its way to failing (nor take over a socket
	 * where vtap-dpdk answers) */
	if (vtap_ctl_socket_check(d.cfg.socket_path))
		return 1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	vtap_capture_set_epoll(ep); /* captures add their sockets and clients */
	vtapd_notify_init(&d.notify);
	/* before anything is changed: a port in use ends the start here */
	if (metrics && vtapd_metrics_open(&d, metrics, ep))
		goto out;
	/* refused, naming the owner, when another vtapd has the pin root */
	if (vtapd_init(&d))
		return 1;
	vtap_loader_set_owner(&d.ld, d.cfg.socket_path);
	/* before the first reload: copies of the taps it attaches are read */
	if (vtapd_ring_open(&d.ring, vtap_loader_ring_fd(&d.ld), &d.sinks, ep) ||
	    vtapd_guard_open(&d, ep))
		goto out;
	vtap_capture_set_before_read(vtapd_ring_consume, &d.ring);
	nl = vtap_nl_open(vtapd_link_event, &d);
	if (!nl) {
		log_err("cannot open rtnetlink: %s", strerror(errno));
		goto out;
	}
	if (vtap_nl_dump(nl) || vtap_nl_read(nl)) {
		log_err("cannot list the host's ports: %s", strerror(errno));
		goto out;
	}
	vtapd_adopt(&d);
	/* before the first load: a change made after it is not missed */
	watch = d.cfg.policy_dir ? vtap_dir_watch_open(d.cfg.policy_dir) : NULL;
	if (!watch && d.cfg.policy_dir)
		log_warn("cannot watch %s (%s): reload with SIGHUP or `vtapctl reload`",
			 d.cfg.policy_dir, strerror(errno));
	else if (watch)
		wfd = vtap_dir_watch_fd(watch);
	/* cluster mode: the store read (or the persisted set) */
	if (d.cfg.cluster.endpoints && vtapd_cluster_open(&d))
		goto out;
	while (vtapd_reload(&d, NULL)) {
		/* cluster mode: the persisted set, then none, before giving up */
		if (!vtapd_cluster_fallback(&d)) {
			log_err("no valid policy set in %s: not starting", vtapd_sources(&d));
			goto out;
		}
	}
	teardown = !d.cfg.keep;
	ctl = vtap_ctl_server_open(&(struct vtap_ctl_server_conf){
		.path = d.cfg.socket_path, .name = "vtapd", .table = &vtapd_ctl_table, .srv = &d });
	started = ctl != NULL;
	if (!ctl)
		goto out;
	ctl_fd = vtap_ctl_server_fd(ctl);
	vtap_drop_caps();
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	int fds[] = {sfd, wfd, ctl_fd, vtap_nl_fd(nl)};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (fds[i] >= 0)
			epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	if (vtapd_cluster_start(&d, ep))
		goto out;
	log_info("running: %s, pins under %s, control socket %s", vtapd_sources(&d),
		 d.cfg.pin_root, d.cfg.socket_path);
	if (vtapd_notify_watchdog(&d.notify, ep))
		goto out;
	vtapd_notify_ready(&d);

	while (running) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, vtapd_metrics_timeout(&d));

		if (n < 0 && errno != EINTR) {
			log_err("epoll: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						log_info("SIGHUP: reloading %s", vtapd_sources(&d));
						vtapd_reload_asked(&d, NULL);
					} else {
						log_info("signal %d: detaching and exiting",
							 si.ssi_signo);
						running = false;
					}
				}
			} else if (fd == wfd) {
				if (vtap_dir_watch_event(watch)) {
					log_info("policy files changed: reloading");
					vtapd_reload(&d, NULL);
				}
			} else if (fd == ctl_fd) {
				/* never blocks: clients are served as they are ready */
				vtap_ctl_server_run(ctl);
				if (vtap_ctl_server_quit(ctl)) {
					running = false;
					teardown = true; /* vtapctl teardown: even with --keep */
				}
			} else if (vtapd_cluster_event(&d, fd)) {
				/* the policy store: watches, lease, status */
			} else if (vtapd_notify_event(&d.notify, fd)) {
				/* WATCHDOG=1: the loop goes round */
			} else if (vtapd_metrics_event(&d, fd)) {
				/* a scrape */
			} else if (vtapd_ring_event(&d.ring, fd)) {
				/* copies from the XDP tap */
			} else if (vtapd_sinks_event(&d.sinks, fd, evs[i].events)) {
				/* a capture's socket or live client */
			} else if (vtapd_guard_event(&d, fd)) {
				/* what a monitor port carries may have changed */
			} else {
				vtapd_links_read(&d, nl);
			}
		}
		if (d.dirty && running)
			vtapd_reconcile(&d);
		if (d.metrics)
			vtap_metrics_http_run(d.metrics); /* idle scrapers time out */
		vtapd_notify_status(&d);
	}
	ret = 0;
out:
	vtapd_notify_stopping(&d);
	/* a start that failed takes with it the state it created itself (no
	 * earlier pins, nothing adopted); an earlier vtapd's state stays */
	if (teardown || (!started && d.ld.fresh && !d.rec.adopted)) {
		vtapd_teardown(&d, true);
	} else if (d.ld.tc) {
		log_info("leaving the taps attached and the maps pinned under %s", d.cfg.pin_root);
		vtapd_ring_close(&d.ring);
		vtapd_sinks_close(&d.sinks, &d.cfg.vxlan, false);
		vtap_loader_close(&d.ld, 0);
	}
	vtap_ctl_server_close(ctl);
	vtapd_cluster_close(&d);
	vtapd_metrics_close(&d);
	vtapd_notify_close(&d.notify);
	vtap_nl_close(nl);
	vtap_dir_watch_close(watch);
	vtapd_guard_close(&d);
	vtap_policy_set_free(&d.run.set);
	free(d.run.ids);
	vtapd_ports_free(&d.ports);
	return ret;
}
