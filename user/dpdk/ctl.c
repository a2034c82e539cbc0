// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's control plane: the unix socket of vtapd's protocol (user/ctl/ctl.h:
 * one command line in, "ok"/"error" and the body out), so vtapctl --socket
 * works unchanged, and the same counters as DPDK telemetry commands
 * (/vtap/stats, /vtap/status) for dpdk-telemetry.py. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <rte_telemetry.h>
#include "ctl/ctl.h"
#include "ctl/ctl_reply.h"
#include "core/log.h"
#include "vdp.h"

static struct vdp *ctl_v;
static pthread_t ctl_thread;
static int ctl_fd = -1;
volatile int vdp_reload_requested; /* SIGHUP */

static void port_line(struct sbuf *o, const char *role, const struct vdp_port *p, bool json,
		      bool *first)
{
	if (json) {
		sbuf_printf(o, "%s{\"role\":\"%s\",\"name\":", *first ? "" : ",", role);
		sbuf_json_str(o, p->name);
		sbuf_printf(o, ",\"devargs\":");
		sbuf_json_str(o, p->devargs);
		sbuf_printf(o,
			    ",\"port_id\":%u,\"ifindex\":%u,\"engine\":\"dpdk\",\"rx\":%llu,"
			    "\"tx\":%llu,\"tx_drop\":%llu}",
			    p->id, p->ifindex, (unsigned long long)p->rx, (unsigned long long)p->tx,
			    (unsigned long long)p->tx_drop);
	} else {
		sbuf_printf(o, "%-8s %-16s %4u %10u %12llu %12llu %10llu  %s\n", role, p->name,
			    p->id, p->ifindex, (unsigned long long)p->rx, (unsigned long long)p->tx,
			    (unsigned long long)p->tx_drop, p->devargs);
	}
	*first = false;
}

static void cmd_status(void *srv, struct sbuf *o, bool json)
{
	struct vdp *v = srv;
	const struct vtap_global_counters *g = &v->stats->g;
	bool first = true;

	if (json) {
		sbuf_printf(o, "{\"engine\":\"dpdk\",\"policy_dir\":");
		sbuf_json_str(o, v->policy_dir);
		sbuf_printf(o,
			    ",\"policies\":%zu,\"monitors\":%zu,\"reloads_ok\":%lu,"
			    "\"reloads_failed\":%lu,\"last_apply_ms\":%.3f,\"last_error\":",
			    v->set.n_policies, v->set.n_monitors, v->reloads_ok, v->reloads_failed,
			    v->last_apply_ms);
		sbuf_json_str(o, v->last_error);
		sbuf_printf(o, ",\"ports\":[");
	} else {
		sbuf_printf(o, "engine:      dpdk (vtap-dpdk, bump in the wire)\npolicy dir:  %s\n",
			    v->policy_dir);
		sbuf_printf(o, "policies:    %zu (monitors %zu)\n", v->set.n_policies,
			    v->set.n_monitors);
		sbuf_printf(o, "reloads:     %lu ok, %lu rejected; last apply %.2f ms\n",
			    v->reloads_ok, v->reloads_failed, v->last_apply_ms);
		if (v->last_error[0])
			sbuf_printf(o, "last error:  %s\n", v->last_error);
		sbuf_printf(o, "frames seen: %llu (unparsed %llu, no match %llu)\n",
			    (unsigned long long)g->seen, (unsigned long long)g->unparsed,
			    (unsigned long long)g->no_match);
		sbuf_printf(o, "\n%-8s %-16s %4s %10s %12s %12s %10s  %s\n", "ROLE", "PORT", "ID",
			    "IFINDEX", "RX", "TX", "TX_DROP", "DEVARGS");
	}
	for (int i = 0; i < v->n_pairs; i++) {
		port_line(o, "vm", &v->vm[i], json, &first);
		port_line(o, "net", &v->net[i], json, &first);
	}
	for (int i = 0; i < v->n_mon; i++)
		port_line(o, v->mon[i].vxlan ? "vxlan" : "monitor", &v->mon[i].port, json, &first);
	if (json)
		sbuf_printf(o,
			    "],\"global\":{\"seen\":%llu,\"copies_seen\":0,\"unparsed\":%llu,"
			    "\"no_match\":%llu,\"pull_fail\":0}}\n",
			    (unsigned long long)g->seen, (unsigned long long)g->unparsed,
			    (unsigned long long)g->no_match);
}

/* the same layout as vtapd's stats: policies, then sinks (the monitor
 * ports; "foreign" = frames that arrived on a monitor port, dropped) */
static int cmd_stats(void *srv, struct sbuf *o, const char *name, bool json)
{
	struct vdp *v = srv;
	bool found = false, first = true;

	vtap_ctl_stats_head(o, json);
	for (size_t i = 0; i < v->set.n_policies; i++) {
		const char *pn = v->set.policies[i].name;

		if (name && strcmp(name, pn))
			continue;
		vtap_ctl_stats_policy(o, pn, &v->stats->pol[v->set_ids[i]], json, first);
		found = true;
		first = false;
	}
	if (name && !found) {
		sbuf_free(o);
		sbuf_printf(o, "no policy named %s\n", name);
		return -1;
	}
	if (json)
		sbuf_printf(o, "],\"sinks\":[");
	else
		sbuf_printf(o, "\n%-16s %12s %14s %10s %10s\n", "SINK", "DELIVERED", "BYTES",
			    "TRUNCATED", "FOREIGN");
	for (int k = 0; k < v->n_mon; k++) {
		const struct vdp_monitor *m = &v->mon[k];

		if (json) {
			sbuf_printf(o, "%s{\"port\":", k ? "," : "");
			sbuf_json_str(o, m->port.name);
			sbuf_printf(
			    o,
			    ",\"delivered\":%llu,\"delivered_bytes\":%llu,\"truncated\":%llu,"
			    "\"trunc_fail\":0,\"foreign\":%llu,\"encap_fail\":0,"
			    "\"too_big\":%llu,\"no_tunnel\":%llu,\"tx_drop\":%llu}",
			    (unsigned long long)m->delivered,
			    (unsigned long long)m->delivered_bytes,
			    (unsigned long long)m->truncated, (unsigned long long)m->rx_dropped,
			    (unsigned long long)m->too_big, (unsigned long long)m->no_tunnel,
			    (unsigned long long)m->port.tx_drop);
		} else {
			sbuf_printf(o, "%-16s %12llu %14llu %10llu %10llu\n", m->port.name,
				    (unsigned long long)m->delivered,
				    (unsigned long long)m->delivered_bytes,
				    (unsigned long long)m->truncated,
				    (unsigned long long)m->rx_dropped);
		}
	}
	if (json)
		sbuf_printf(o, "]}\n");
	return 0;
}

static void cmd_policies(void *srv, struct sbuf *o, bool json)
{
	struct vdp *v = srv;
	if (json)
		sbuf_printf(o, "[");
	else
		sbuf_printf(o, "%-20s %8s %-6s %-6s %-12s %s\n", "POLICY", "PRIORITY", "DIR",
			    "ACTION", "MONITOR", "ID");
	for (size_t i = 0; i < v->set.n_policies; i++) {
		const struct vtap_policy *p = &v->set.policies[i];

		if (json) {
			sbuf_printf(o, "%s{\"name\":", i ? "," : "");
			sbuf_json_str(o, p->name);
			sbuf_printf(o,
				    ",\"priority\":%d,\"direction\":\"%s\",\"action\":\"%s\","
				    "\"sample\":%u,\"snaplen\":%u,\"id\":%u}",
				    p->priority, vtap_direction_name(p->direction),
				    vtap_action_name(p->action), p->sample, p->snaplen,
				    v->set_ids[i]);
		} else {
			sbuf_printf(o, "%-20s %8d %-6s %-6s %-12s %u\n", p->name, p->priority,
				    vtap_direction_name(p->direction), vtap_action_name(p->action),
				    p->monitor[0] ? p->monitor : "-", v->set_ids[i]);
		}
	}
	if (json)
		sbuf_printf(o, "]\n");
}

static int ctl_reload(void *srv, struct sbuf *errs)
{
	return vdp_reload((struct vdp *)srv, errs);
}

static void ctl_teardown(void *srv, struct sbuf *o)
{
	(void)srv;
	sbuf_printf(o, "vtap-dpdk: stopping the ports and exiting\n");
}

static const struct vtap_ctl_ops ctl_ops = {
	.status = cmd_status,
	.policies = cmd_policies,
	.stats = cmd_stats,
	.reload = ctl_reload,
	.teardown = ctl_teardown,
};

int vdp_command(struct vdp *v, char *line, struct sbuf *o, bool *quit)
{
	return vtap_ctl_dispatch(&ctl_ops, v, &v->set, line, o, quit);
}

static void serve(struct vdp *v, int fd)
{
	char line[VTAP_CTL_MAX_LINE];
	struct sbuf o = {0};
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	bool quit = false;
	int ret = -1;

	/* one line, within a second: a stuck client must not stall reloads */
	while (got < sizeof(line) - 1 && poll(&pfd, 1, 1000) > 0) {
		ssize_t n = read(fd, line + got, sizeof(line) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = 0;
	pthread_mutex_lock(&v->lock);
	ret = vdp_command(v, line, &o, &quit);
	pthread_mutex_unlock(&v->lock);
	if (dprintf(fd, "%s\n", ret ? "error" : "ok") < 0 ||
	    (o.len && write(fd, o.s, o.len) != (ssize_t)o.len))
		log_warn("control client went away before its answer");
	sbuf_free(&o);
	if (quit)
		v->quit = 1;
}

static void *ctl_main(void *arg)
{
	struct vdp *v = arg;
	struct pollfd pfd = {.fd = ctl_fd, .events = POLLIN};

	while (!v->quit) {
		int r = poll(&pfd, 1, 100);

		if (vdp_reload_requested) {
			vdp_reload_requested = 0;
			pthread_mutex_lock(&v->lock);
			vdp_reload(v, NULL);
			pthread_mutex_unlock(&v->lock);
		}
		if (r > 0) {
			int c = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				serve(v, c);
				close(c);
			}
		}
	}
	return NULL;
}

/* ---- telemetry: /vtap/stats[,POLICY] and /vtap/status ---- */

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdp *v = ctl_v;

	(void)cmd;
	pthread_mutex_lock(&v->lock);
	if (!params || !*params) {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		for (size_t i = 0; i < v->set.n_policies; i++)
			rte_tel_data_add_array_string(d, v->set.policies[i].name);
		pthread_mutex_unlock(&v->lock);
		return 0;
	}
	for (size_t i = 0; i < v->set.n_policies; i++) {
		const struct vtap_counters *c = &v->stats->pol[v->set_ids[i]];

		if (strcmp(params, v->set.policies[i].name))
			continue;
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_u64(d, "matched_pkts", c->matched_pkts);
		rte_tel_data_add_dict_u64(d, "matched_bytes", c->matched_bytes);
		rte_tel_data_add_dict_u64(d, "copies", c->copies);
		rte_tel_data_add_dict_u64(d, "copy_bytes", c->copy_bytes);
		rte_tel_data_add_dict_u64(d, "copy_fail", c->copy_fail);
		rte_tel_data_add_dict_u64(d, "sampled_out", c->sampled_out);
		pthread_mutex_unlock(&v->lock);
		return 0;
	}
	pthread_mutex_unlock(&v->lock);
	return -EINVAL;
}

static int tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdp *v = ctl_v;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "engine", "dpdk");
	rte_tel_data_add_dict_u64(d, "policies", v->set.n_policies);
	rte_tel_data_add_dict_u64(d, "reloads_ok", v->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", v->reloads_failed);
	rte_tel_data_add_dict_u64(d, "seen", v->stats->g.seen);
	rte_tel_data_add_dict_u64(d, "unparsed", v->stats->g.unparsed);
	rte_tel_data_add_dict_u64(d, "no_match", v->stats->g.no_match);
	return 0;
}

int vdp_ctl_start(struct vdp *v)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	ctl_v = v;
	rte_telemetry_register_cmd("/vtap/stats", tel_stats,
				   "Counters of a policy (parameter: its name); without one, the "
				   "policy names");
	rte_telemetry_register_cmd("/vtap/status", tel_status, "vtap-dpdk engine status");
	if (strlen(v->socket_path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s is too long", v->socket_path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", v->socket_path);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_fd < 0)
		return -1;
	unlink(v->socket_path); /* a stale socket of a dead instance */
	if (bind(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(v->socket_path, 0600) ||
	    listen(ctl_fd, 16)) {
		log_err("control socket %s: %s", v->socket_path, strerror(errno));
		close(ctl_fd);
		ctl_fd = -1;
		return -1;
	}
	if (pthread_create(&ctl_thread, NULL, ctl_main, v)) {
		close(ctl_fd);
		ctl_fd = -1;
		unlink(v->socket_path);
		return -1;
	}
	return 0;
}

void vdp_ctl_stop(struct vdp *v)
{
	if (ctl_fd < 0)
		return;
	v->quit = 1;
	pthread_join(ctl_thread, NULL);
	close(ctl_fd);
	ctl_fd = -1;
	unlink(v->socket_path);
}
