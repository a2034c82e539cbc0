// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's answers: status, policies and stats for the control socket
 * (the layout of vtapd's, through the same field tables and ctl/views.h,
 * so vtapctl --socket reads both alike), and the same counters as DPDK
 * telemetry commands (/vtap/stats, /vtap/status) for dpdk-telemetry.py.
 * Socket answers run on the control thread under v->lock. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_telemetry.h>
#include "ctl/counters.h"
#include "ctl/views.h"
#include "vdp.h"

/* A port's counters (lcore-written, read without a lock: aligned words) */
#define PRT struct vdp_port
static const struct vtap_counter_field port_f[] = {
    VTAP_FIELD_C(PRT, rx, 1, "RX", 12, "Frames received on the port"),
    VTAP_FIELD_C(PRT, tx, 2, "TX", 12, "Frames sent on the port"),
    VTAP_FIELD_C(PRT, tx_drop, 3, "TX_DROP", 10, "Frames the port could not send"),
};
const struct vtap_field_table vdp_port_fields = VTAP_FIELDS(port_f);
/* what a monitor port adds to its sink counters in stats --json */
static const struct vtap_counter_field port_drop_f[] = {
    VTAP_FIELD_J(PRT, tx_drop, "Copies the monitor port could not send")};
static const struct vtap_field_table port_drop_fields = VTAP_FIELDS(port_drop_f);

static void port_line(struct sbuf *o, const char *role, const struct vdp_port *p, bool json,
		      bool *first)
{
	if (json) {
		sbuf_printf(o, "%s{\"role\":\"%s\",\"name\":", *first ? "" : ",", role);
		sbuf_json_str(o, p->name);
		sbuf_printf(o, ",\"devargs\":");
		sbuf_json_str(o, p->devargs);
		sbuf_printf(o, ",\"port_id\":%u,\"ifindex\":%u,\"engine\":\"dpdk\"", p->id,
			    p->ifindex);
		vtap_fields_json(o, &vdp_port_fields, p);
		sbuf_printf(o, "}");
	} else {
		sbuf_printf(o, "%-8s %-16s %4u %10u", role, p->name, p->id, p->ifindex);
		vtap_fields_row(o, &vdp_port_fields, p);
		sbuf_printf(o, "  %s\n", p->devargs);
	}
	*first = false;
}

static int cmd_status(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vdp *v = srv;
	bool first = true, json = r->json;

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
		vtap_status_global(o, &v->stats->g, false);
		sbuf_printf(o, "\n%-8s %-16s %4s %10s", "ROLE", "PORT", "ID", "IFINDEX");
		vtap_fields_head(o, &vdp_port_fields);
		sbuf_printf(o, "  %s\n", "DEVARGS");
	}
	for (int i = 0; i < v->n_pairs; i++) {
		port_line(o, "vm", &v->vm[i], json, &first);
		port_line(o, "net", &v->net[i], json, &first);
	}
	for (int i = 0; i < v->n_mon; i++)
		port_line(o, v->mon[i].vxlan ? "vxlan" : "monitor", &v->mon[i].port, json, &first);
	if (json) {
		sbuf_printf(o, "],");
		vtap_status_global(o, &v->stats->g, true);
		sbuf_printf(o, "}}\n");
	}
	return 0;
}

/* the same layout as vtapd's stats: policies, then sinks (the monitor
 * ports; "foreign" = frames that arrived on a monitor port, dropped) */
static int cmd_stats(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vdp *v = srv;
	struct vtap_stats_view sv;

	vtap_stats_begin(&sv, o, r);
	for (size_t i = 0; i < v->set.n_policies; i++) {
		const char *pn = v->set.policies[i].name;

		if (vtap_stats_wants(&sv, pn))
			vtap_stats_policy(&sv, pn, &v->stats->pol[v->set_ids[i]]);
	}
	if (vtap_stats_sinks(&sv))
		return -1;
	for (int k = 0; k < v->n_mon; k++) {
		const struct vdp_monitor *m = &v->mon[k];
		struct vtap_sink_counters s = {
		    .delivered = m->delivered,
		    .delivered_bytes = m->delivered_bytes,
		    .truncated = m->truncated,
		    .foreign = m->rx_dropped,
		    .too_big = m->too_big,
		    .no_tunnel = m->no_tunnel,
		};

		vtap_stats_sink(&sv, m->port.name, &s, &port_drop_fields, &m->port);
	}
	vtap_stats_groups(&sv);
	for (size_t m = 0, g = 0; m < v->set.n_monitors && g < VTAP_MAX_GROUPS; m++) {
		const struct vtap_monitor *grp = &v->set.monitors[m];

		if (grp->type != VTAP_MONITOR_GROUP)
			continue;
		for (size_t k = 0; k < grp->n_members; k++)
			vtap_stats_member(&sv, grp->name, grp->members[k], &v->stats->members[g][k]);
		g++;
	}
	vtap_stats_end(&sv);
	return 0;
}

static int cmd_policies(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vdp *v = srv;

	vtap_policies_view(o, &v->set, v->set_ids, r->json);
	return 0;
}

static int cmd_reload(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vdp *v = srv;

	(void)r;
	return vtap_ctl_reloaded(o, vdp_reload_notified(v, o), &v->set);
}

static int cmd_teardown(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)srv;
	(void)r;
	sbuf_printf(o, "vtap-dpdk: stopping the ports and exiting\n");
	return 0;
}

static const struct vtap_ctl_command commands[] = {
    {"status", cmd_status, 0},
    {"policies", cmd_policies, 0},
    {"stats", cmd_stats, 0},
    {"reload", cmd_reload, 0},
    {"teardown", cmd_teardown, VTAP_CTL_QUIT},
};

const struct vtap_ctl_table vdp_ctl_table = {commands, sizeof(commands) / sizeof(commands[0])};

/* ---- telemetry: /vtap/stats[,POLICY] and /vtap/status ---- */

static struct vdp *tel_v;

static void tel_u64(void *d, const char *name, uint64_t value)
{
	rte_tel_data_add_dict_u64(d, name, value);
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdp *v = tel_v;
	int ret = -EINVAL;

	(void)cmd;
	pthread_mutex_lock(&v->lock);
	if (!params || !*params) {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		for (size_t i = 0; i < v->set.n_policies; i++)
			rte_tel_data_add_array_string(d, v->set.policies[i].name);
		ret = 0;
	}
	for (size_t i = 0; ret && i < v->set.n_policies; i++) {
		if (strcmp(params, v->set.policies[i].name))
			continue;
		rte_tel_data_start_dict(d);
		vtap_fields_each(&vtap_counters_fields, &v->stats->pol[v->set_ids[i]], tel_u64, d);
		ret = 0;
	}
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static int tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vdp *v = tel_v;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "engine", "dpdk");
	rte_tel_data_add_dict_u64(d, "policies", v->set.n_policies);
	rte_tel_data_add_dict_u64(d, "reloads_ok", v->reloads_ok);
	rte_tel_data_add_dict_u64(d, "reloads_failed", v->reloads_failed);
	vtap_fields_each(&vtap_global_fields, &v->stats->g, tel_u64, d);
	return 0;
}

void vdp_telemetry_register(struct vdp *v)
{
	tel_v = v;
	rte_telemetry_register_cmd("/vtap/stats", tel_stats,
				   "Counters of a policy (parameter: its name); without one, the "
				   "policy names");
	rte_telemetry_register_cmd("/vtap/status", tel_status, "vtap-dpdk engine status");
}
