/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's state and its one job: make the kernel (attachments and maps)
 * match the policy files and the ports present, and answer vtapctl.
 *
 * Who does what (docs/architecture.md, "vtapd"): reload.c takes a new
 * policy set and its ids, reconcile.c brings the kernel in line with a set
 * (sinks, hooks, the flip, what goes after it), events.c follows
 * rtnetlink, start.c takes over what a previous vtapd left. Below them,
 * each concern has its file and its part of struct vtapd: ports.c,
 * hooks.c (+ hook_choice.c), sinks.c, ring.c. */
#ifndef VTAP_VTAPD_H
#define VTAP_VTAPD_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "notify.h"
#include "ports.h"
#include "ring.h"
#include "groups.h"
#include "sinks.h"
#include "core/policy_ids.h"
#include "core/sbuf.h"
#include "kernel/host_use.h"
#include "kernel/loader.h"

/* The policy set in effect, and each policy's id */
struct vtapd_running {
	struct vtap_policy_set set;
	__u32 *ids; /* policy id per set.policies[i] */
};

/* What vtapd has done, for vtapctl status */
struct vtapd_record {
	unsigned long reloads_ok, reloads_failed, applies;
	unsigned long adopted; /* hooks found attached and kept at start */
	double last_apply_ms;
	char last_error[1024];
	/* cluster mode (--etcd, cluster.h): set, with the store revision of
	 * the set in effect; the metrics show vtap_store_revision (metrics.c) */
	bool cluster;
	unsigned long long store_revision;
};

struct vtap_metrics_http;

struct vtapd {
	struct vtapd_config cfg;
	struct vtap_loader ld;
	struct vtapd_running run;
	struct vtap_policy_ids ids; /* by name, across reloads and restarts */
	struct vtapd_ports ports;
	struct vtapd_sinks sinks;
	struct vtapd_ring ring;
	struct vtapd_groups groups; /* monitor groups' indices by name */
	struct vtapd_record rec;
	struct vtapd_notify notify;	   /* systemd (notify.h) */
	struct vtap_metrics_http *metrics; /* --metrics (metrics.c); NULL: off */
	struct vtap_host_watch *watch;	   /* news that may make a port the host's (guard.h) */
	struct vtapd_cluster *cluster;	   /* cluster mode: the store's side (cluster.h) */
	bool dirty;			   /* ports changed: reconcile */
};

/* start.c: the pinned maps (with the counters' owners); after the first
 * port dump, the filters a previous vtapd left (same program, by tag),
 * taken over untouched so tapping has no gap. */
int vtapd_init(struct vtapd *d);
void vtapd_adopt(struct vtapd *d);
/* What of vtap's is on p already (a kept run's, a port back from another
 * network namespace) becomes vtapd's. */
void vtapd_adopt_port(struct vtapd *d, struct vtapd_port *p);

/* reload.c: load the policy directory; on success replace the running set
 * and reconcile, on failure log every error and keep the running set.
 * errs (optional) receives the errors. */
int vtapd_reload(struct vtapd *d, struct sbuf *errs);
/* The same, asked for by an operator (vtapctl reload, SIGHUP): a port nft
 * could not guard before is tried again (nft installed since, its error
 * gone), where a reload on a file change keeps the sink program it got. */
int vtapd_reload_asked(struct vtapd *d, struct sbuf *errs);

/* reconcile.c: make the kernel match set (whose ids are ids) and the
 * ports: sinks, attach, flip, detach. id_steps: vtap_policy_ids_assign's
 * answer for a new set (0 for the running one). */
int vtapd_apply_set(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids,
		    int id_steps);
/* The running set again (ports changed). */
int vtapd_reconcile(struct vtapd *d);
/* Detach everything vtap attached; with unpin, remove the pins too. */
void vtapd_teardown(struct vtapd *d, bool unpin);

/* events.c: rtnetlink's news of the ports. When link events were lost
 * (ENOBUFS): mark the ports, dump, and when the dump is complete forget
 * the ports it did not list (deleted in the gap). */
struct vtap_link_news;
struct vtap_nl;
void vtapd_link_event(void *arg, const struct vtap_link_news *n);
/* Read what rtnetlink says of the ports. Events lost (ENOBUFS): the ports
 * are listed again (a dump), and an entry the list does not have is taken
 * as gone; lost again while the list runs, listed once more after it. */
void vtapd_links_read(struct vtapd *d, struct vtap_nl *nl);

/* sinks_ctl.c: the control socket's side of the sinks. `capture POLICY
 * [COUNT]`: on success fd belongs to the capture (it was answered "ok");
 * otherwise err says why and fd is the caller's. */
int vtapd_capture_client(struct vtapd *d, int fd, const char *policy, uint64_t count,
			 struct sbuf *err);

/* views.c (views.h): the control commands, answered by ctl/server.h */

/* metrics.c: --metrics ADDR:PORT, GET /metrics (ctl/metrics.h for the
 * names). open: bind now, serve from the event loop ep; event: fd was
 * the server's (served); timeout: how long the loop may wait (ms, -1). */
int vtapd_metrics_open(struct vtapd *d, const char *addr, int ep);
bool vtapd_metrics_event(struct vtapd *d, int fd);
int vtapd_metrics_timeout(struct vtapd *d);
void vtapd_metrics_close(struct vtapd *d);

#endif
