// SPDX-License-Identifier: GPL-2.0
/* vtapd's answers to vtapctl: status, policies and stats in text and JSON
 * (counters through the field tables of ctl/counters.h, laid out as
 * vtap-dpdk lays out its own: ctl/views.h), reload, capture, teardown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vtap/limits.h>
#include "ctl/counters.h"
#include "ctl/views.h"
#include "kernel/nft_guard.h"
#include "vtapd.h"
#include "cluster.h"
#include "views.h"

struct vtapd_view vtapd_view_of(struct vtapd *d)
{
	return (struct vtapd_view){
	    .policy_dir = d->cfg.policy_dir,
	    .pin_root = d->cfg.pin_root,
	    .engine = d->cfg.engine,
	    .attach = d->cfg.attach_mode,
	    .flow_cache = !d->cfg.no_flow_cache,
	    .ld = &d->ld,
	    .groups = &d->groups,
	    .set = &d->run.set,
	    .ids = d->run.ids,
	    .ports = d->ports.v,
	    .n_ports = d->ports.n,
	    .sinks = d->sinks.v,
	    .n_sinks = d->sinks.n,
	    .reloads_ok = d->rec.reloads_ok,
	    .reloads_failed = d->rec.reloads_failed,
	    .last_apply_ms = d->rec.last_apply_ms,
	    .last_error = d->rec.last_error,
	    .ring_records = d->ring.records,
	    .ring_unrouted = d->ring.unrouted,
	    .ring_bad = d->ring.bad,
	    .ring_cut = d->ring.cut,
	    .d = d,
	};
}

/* ---- status ---- */

/* The guards and what they dropped, read once per request (one nft run
 * however many ports are guarded), on the first guarded port; NULL when
 * nft could not say. */
static const struct vtap_nft_guards *guards_of(const struct vtap_loader *ld,
					       struct vtap_nft_guards **g, bool *tried)
{
	if (!*tried) {
		*tried = true;
		*g = vtap_nft_guards_of(ld->pin_root);
	}
	return *g;
}

/* "out(xdp)" for the XDP tap, "sink(tcx)" for a sink on TCX egress (tc
 * filter show does not list it), "guard(nft)" for a local monitor port
 * without a sink program */
static const char *hooks_str(const struct vtapd_port *p, char *buf, size_t n)
{
	unsigned int a = p->attached;

	snprintf(buf, n, "%s%s%s%s%s", a & VTAPD_ATT_XDP ? "out(xdp) " : "",
		 a & VTAPD_ATT_OUT ? "out " : "", a & VTAPD_ATT_IN ? "in " : "",
		 !(a & VTAPD_ATT_SINK) ? ""
		 : p->sink.id	       ? "sink(tcx) "
				       : "sink ",
		 a & VTAPD_ATT_GUARD ? "guard(nft) " : "");
	size_t l = strlen(buf);
	if (l)
		buf[l - 1] = 0;
	return buf;
}

/* The hook that taps a port's out (frames the VM sends) and in frames:
 * "xdp", "tc", or NULL (not tapped by vtapd) */
const char *vtapd_port_out_hook(const struct vtapd_port *p)
{
	return p->attached & VTAPD_ATT_XDP ? "xdp" : p->attached & VTAPD_ATT_OUT ? "tc" : NULL;
}

const char *vtapd_port_in_hook(const struct vtapd_port *p)
{
	return p->attached & VTAPD_ATT_IN ? "tc" : NULL;
}

static void json_str_or_null(struct sbuf *o, const char *s)
{
	if (s)
		sbuf_json_str(o, s);
	else
		sbuf_printf(o, "null");
}

static const char *engine_mode(enum vtapd_engine e)
{
	return e == VTAPD_ENGINE_DPDK ? "dpdk" : e == VTAPD_ENGINE_EBPF ? "ebpf" : "auto";
}

/* The members every monitor of status opens with, the sinks' and the
 * refused ones' alike: {"monitor":M,"type":T,"port":P (after a comma
 * unless first); the caller adds its own members and the closing brace */
static void monitor_json_open(struct sbuf *o, bool first, const char *monitor,
			      enum vtap_monitor_type type, const char *port)
{
	sbuf_printf(o, "%s{\"monitor\":", first ? "" : ",");
	sbuf_json_str(o, monitor);
	sbuf_printf(o, ",\"type\":\"%s\",\"port\":", vtap_monitor_type_name(type));
	sbuf_json_str(o, port);
}

/* The capture and ovs monitors' sinks: "monitor_sinks":[...] or a table */
static void sinks_status(const struct vtapd_view *v, struct sbuf *o, bool json)
{
	if (json) {
		sbuf_printf(o, "\"monitor_sinks\":[");
	} else if (v->n_sinks) {
		sbuf_printf(o, "\n%-16s %-8s %-16s", "MONITOR", "TYPE", "SINK");
		vtap_fields_head(o, &vtap_capture_stats_fields);
		sbuf_printf(o, "  %s\n", "STATE");
	}
	for (size_t i = 0; i < v->n_sinks; i++) {
		const struct vtapd_sink *s = &v->sinks[i];
		struct vtap_capture_stats st = {0};
		struct vtap_xsk_tx_stats tx = {0};
		const char *state = s->error[0] ? s->error : "ok";

		vtapd_sink_stats(s, &st);
		if (s->tx)
			vtap_xsk_tx_stats(s->tx, &tx);
		if (!json) {
			sbuf_printf(o, "%-16s %-8s %-16s", s->monitor,
				    vtap_monitor_type_name(s->type), s->port);
			vtap_fields_row(o, &vtap_capture_stats_fields, &st);
			sbuf_printf(o, "  %s\n", state);
			if (s->tx) {
				sbuf_printf(o, "%-16s   XDP copies by AF_XDP TX: ", "");
				vtap_fields_prose(o, &vtap_xsk_tx_fields, &tx);
				sbuf_printf(o, "\n");
			}
			continue;
		}
		monitor_json_open(o, i == 0, s->monitor, s->type, s->port);
		sbuf_printf(o, ",\"peer\":");
		sbuf_json_str(o, s->peer);
		vtap_fields_json(o, &vtap_capture_stats_fields, &st);
		sbuf_printf(o, ",\"state\":");
		sbuf_json_str(o, state);
		sbuf_printf(o, ",\"xdp_tx\":{\"open\":%s", s->tx ? "true" : "false");
		vtap_fields_json(o, &vtap_xsk_tx_fields, &tx);
		sbuf_printf(o, "}}");
	}
	if (json)
		sbuf_printf(o, "]");
}

/* The monitors whose port vtapd refuses, because it carries the host's own
 * traffic (guard.h): "refused_monitors":[...] or one line each */
static void refused_status(const struct vtapd_view *v, struct sbuf *o, bool json)
{
	bool first = true;

	if (json)
		sbuf_printf(o, "\"refused_monitors\":[");
	for (size_t m = 0; m < v->set->n_monitors; m++) {
		const struct vtap_monitor *mon = &v->set->monitors[m];
		const struct vtapd_port *p = NULL;

		if (mon->type == VTAP_MONITOR_VXLAN)
			continue;
		for (size_t i = 0; i < v->n_ports && !p; i++)
			if (!strcmp(v->ports[i].name, mon->port) && v->ports[i].host_use[0])
				p = &v->ports[i];
		if (!p)
			continue;
		if (!json) {
			sbuf_printf(
			    o,
			    "refused:     monitor %s: port %s carries the host's own traffic "
			    "(%s); its copies count as copy_fail\n",
			    mon->name, p->name, p->host_use);
			continue;
		}
		monitor_json_open(o, first, mon->name, mon->type, p->name);
		sbuf_printf(o, ",\"reason\":");
		sbuf_json_str(o, p->host_use);
		sbuf_printf(o, "}");
		first = false;
	}
	if (json)
		sbuf_printf(o, "],");
}

static void status_json(const struct vtapd_view *v, struct sbuf *o,
			const struct vtap_global_counters *g)
{
	char hb[48];
	bool first = true;

	sbuf_printf(o, "{\"policy_dir\":");
	json_str_or_null(o, v->policy_dir);
	sbuf_printf(o, ",\"cluster\":");
	vtapd_cluster_view(v->d, o, true);
	sbuf_printf(o, ",\"pin_root\":");
	sbuf_json_str(o, v->pin_root);
	/* vtapd's datapath is eBPF; each port says by which hook (out_hook,
	 * in_hook) or that it is the DPDK engine's (engine) */
	sbuf_printf(o,
		    ",\"engine\":\"ebpf\",\"engine_mode\":\"%s\",\"active_generation\":%d,"
		    "\"policies\":%zu,\"monitors\":%zu,\"reloads_ok\":%lu,\"reloads_failed\":%lu,"
		    "\"last_apply_ms\":%.3f,\"last_error\":",
		    engine_mode(v->engine), vtap_loader_active_gen(v->ld), v->set->n_policies,
		    v->set->n_monitors, v->reloads_ok, v->reloads_failed, v->last_apply_ms);
	sbuf_json_str(o, v->last_error);
	sbuf_printf(o, ",\"ports\":[");
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct vtapd_port *p = &v->ports[i];

		if (!p->attached && !p->dpdk)
			continue;
		sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
		sbuf_json_str(o, p->name);
		sbuf_printf(o, ",\"ifindex\":%d,\"hooks\":\"%s\",\"out_hook\":", p->ifindex,
			    hooks_str(p, hb, sizeof(hb)));
		json_str_or_null(o, vtapd_port_out_hook(p));
		sbuf_printf(o, ",\"in_hook\":");
		json_str_or_null(o, vtapd_port_in_hook(p));
		sbuf_printf(o, ",\"engine\":\"%s\"", p->dpdk ? "dpdk" : "ebpf");
		if (p->dpdk) {
			sbuf_printf(o, ",\"engine_reason\":");
			sbuf_json_str(o, p->engine_why);
		}
		sbuf_printf(o, ",\"hook_note\":");
		sbuf_json_str(o, p->hook_note);
		sbuf_printf(o, "}");
		first = false;
	}
	sbuf_printf(o,
		    "],\"attach\":\"%s\",\"ring\":{\"size\":%u,\"records\":%llu,"
		    "\"unrouted\":%llu,\"bad\":%llu,\"cut\":%llu},",
		    vtap_hook_mode_name(v->attach), v->ld->ring_size, v->ring_records,
		    v->ring_unrouted, v->ring_bad, v->ring_cut);
	refused_status(v, o, true);
	sinks_status(v, o, true);
	sbuf_printf(o, ",");
	vtap_status_global(o, g, true);
	sbuf_printf(o, ",\"flow_cache\":%s}}\n", v->flow_cache ? "true" : "false");
}

static void status_text(const struct vtapd_view *v, struct sbuf *o,
			const struct vtap_global_counters *g)
{
	size_t out_xdp = 0, out_tc = 0, in_tc = 0;
	char hb[48];

	for (size_t i = 0; i < v->n_ports; i++) {
		const char *oh = vtapd_port_out_hook(&v->ports[i]);

		out_xdp += oh && !strcmp(oh, "xdp");
		out_tc += oh && !strcmp(oh, "tc");
		in_tc += vtapd_port_in_hook(&v->ports[i]) != NULL;
	}
	sbuf_printf(o, "engine:      ebpf (out: xdp on %zu port%s, tc on %zu; in: tc on %zu)%s\n",
		    out_xdp, out_xdp == 1 ? "" : "s", out_tc, in_tc,
		    v->engine == VTAPD_ENGINE_DPDK ? "; VM ports: dpdk (--engine dpdk)"
		    : v->engine == VTAPD_ENGINE_EBPF
			? "; VM ports: ebpf only"
			: "; VM ports: ebpf, dpdk where it cannot attach");
	sbuf_printf(o, "policy dir:  %s\npin root:    %s\n",
		    v->policy_dir ? v->policy_dir : "(none: cluster mode)", v->pin_root);
	vtapd_cluster_view(v->d, o, false);
	sbuf_printf(o, "policies:    %zu (monitors %zu), generation %d\n", v->set->n_policies,
		    v->set->n_monitors, vtap_loader_active_gen(v->ld));
	sbuf_printf(o, "reloads:     %lu ok, %lu rejected; last apply %.2f ms\n", v->reloads_ok,
		    v->reloads_failed, v->last_apply_ms);
	if (v->last_error[0])
		sbuf_printf(o, "last error:  %s\n", v->last_error);
	refused_status(v, o, false);
	vtap_status_global(o, g, false);
	if (!v->flow_cache)
		sbuf_printf(o, "flow cache:  off (--no-flow-cache): every frame classified\n");
	else
		sbuf_printf(o, "flow cache:  %llu hits, %llu misses (frames classified)\n",
			    (unsigned long long)g->cache_hits, (unsigned long long)g->cache_misses);
	sbuf_printf(o,
		    "attach:      %s; ring buffer %u bytes: %llu copies read, %llu with no "
		    "sink, %llu bad, %llu cut at %u bytes\n",
		    vtap_hook_mode_name(v->attach), v->ld->ring_size, v->ring_records,
		    v->ring_unrouted, v->ring_bad, v->ring_cut, VTAP_RING_COPY_MAX);
	sbuf_printf(o, "\n%-16s %8s  %-6s %-16s %s\n", "PORT", "IFINDEX", "ENGINE", "HOOKS",
		    "NOTE");
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct vtapd_port *p = &v->ports[i];

		if (p->dpdk) /* no hooks: the reason takes their place */
			sbuf_printf(o, "%-16s %8d  %-6s %s\n", p->name, p->ifindex, "dpdk",
				    p->engine_why);
		else if (p->attached)
			sbuf_printf(o, "%-16s %8d  %-6s %-16s %s\n", p->name, p->ifindex, "ebpf",
				    hooks_str(p, hb, sizeof(hb)), p->hook_note);
	}
	sinks_status(v, o, false);
}

static int cmd_status(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vtapd_view v = vtapd_view_of(srv);
	struct vtap_global_counters g = {0};

	vtap_loader_read_global(v.ld, &g);
	if (r->json)
		status_json(&v, o, &g);
	else
		status_text(&v, o, &g);
	return 0;
}

/* ---- policies ---- */

static int cmd_policies(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vtapd_view v = vtapd_view_of(srv);

	vtap_policies_view(o, v.set, v.ids, r->json);
	return 0;
}

/* ---- stats ---- */

static int cmd_stats(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	struct vtapd_view v = vtapd_view_of(srv);
	struct vtap_stats_view sv;
	struct vtap_nft_guards *guards = NULL;
	bool guards_tried = false;
	size_t n = v.set->n_receives;

	vtap_stats_begin(&sv, o, r);
	for (size_t i = 0; i < v.set->n_policies; i++) {
		const char *name = v.set->policies[i].name;
		struct vtap_counters c;

		if (!vtap_stats_wants(&sv, name))
			continue;
		if (vtap_loader_read_stats(v.ld, v.ids[i], &c))
			memset(&c, 0, sizeof(c));
		vtap_stats_policy(&sv, name, &c);
	}
	if (vtap_stats_sinks(&sv))
		return -1;
	for (size_t i = 0; i < v.n_ports; i++) {
		const struct vtapd_port *p = &v.ports[i];
		struct vtap_sink_counters s;

		if (!(p->attached & (VTAPD_ATT_SINK | VTAPD_ATT_GUARD)))
			continue;
		/* without a sink program: the tap's counters in the port's
		 * slot, and the guard drops what the sink would count foreign */
		if ((p->attached & VTAPD_ATT_GUARD) && !(p->attached & VTAPD_ATT_SINK)) {
			const struct vtap_nft_guards *g = guards_of(v.ld, &guards, &guards_tried);
			int k = g ? vtap_nft_guards_find(g, p->guard_dev) : -1;

			if (vtap_loader_read_bare(v.ld, (__u32)p->guard_slot, &s))
				memset(&s, 0, sizeof(s));
			if (k >= 0)
				s.foreign = g->dropped[k];
		} else if (vtap_loader_read_sink(v.ld, (__u32)p->ifindex, &s)) {
			memset(&s, 0, sizeof(s));
		}
		vtap_stats_sink(&sv, p->name, &s, NULL, NULL);
	}
	vtapd_groups_stats(v.groups, v.ld, v.set, &sv);
	/* the receiving side, per VNI, and a line for VNIs nobody receives
	 * (when there is a receive entry at all) */
	vtap_stats_receive(&sv, n > 0);
	for (size_t i = 0; n && i <= n; i++) {
		struct vtap_recv_counters c = {0};
		__u32 vni = i < n ? v.set->receives[i].vni : VTAP_RECV_UNKNOWN;

		vtap_loader_read_recv(v.ld, vni, &c);
		vtap_stats_recv(&sv, i < n ? (long long)vni : -1,
				i < n ? v.set->receives[i].port : "(unknown vni)", &c);
	}
	free(guards);
	vtap_stats_end(&sv);
	return 0;
}

/* ---- reload, capture, teardown ---- */

static int cmd_reload(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)r;
	return vtap_ctl_reloaded(o, vtapd_reload_asked(srv, o), vtapd_view_of(srv).set);
}

/* capture POLICY [COUNT]: the connection becomes the stream of POLICY's
 * copies (vtapd_capture_client answers "ok" on it and keeps it) */
static int cmd_capture(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	unsigned long long count = 0;
	char *end;

	if (r->argc < 2 || r->argc > 3) {
		sbuf_printf(o, "usage: capture POLICY [COUNT]\n");
		return -1;
	}
	if (r->argc == 3) {
		errno = 0;
		count = strtoull(r->argv[2], &end, 10);
		if (errno || *end || r->argv[2][0] == '-') {
			sbuf_printf(o, "capture: COUNT is not a number: %s\n", r->argv[2]);
			return -1;
		}
	}
	if (vtapd_capture_client(srv, r->fd, r->argv[1], count, o))
		return -1;
	r->taken = true;
	return 0;
}

static int cmd_teardown(void *srv, struct vtap_ctl_req *r, struct sbuf *o)
{
	(void)r;
	sbuf_printf(o, "vtapd: detaching, removing pins under %s, and exiting\n",
		    vtapd_view_of(srv).pin_root);
	return 0;
}

static const struct vtap_ctl_command commands[] = {
    {"status", cmd_status, 0},
    {"policies", cmd_policies, 0},
    {"stats", cmd_stats, 0},
    {"reload", cmd_reload, 0},
    {"capture", cmd_capture, VTAP_CTL_STREAM},
    {"teardown", cmd_teardown, VTAP_CTL_QUIT},
};

const struct vtap_ctl_table vtapd_ctl_table = {commands, sizeof(commands) / sizeof(commands[0])};
