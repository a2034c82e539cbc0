// SPDX-License-Identifier: GPL-2.0
/* vtapd's answers to vtapctl: status, policies and stats in text and JSON,
 * over the command dispatcher vtapd and vtap-dpdk share (ctl/ctl_reply.h). */
#include <stdio.h>
#include <string.h>
#include <vtap/limits.h>
#include "ctl/ctl_reply.h"
#include "daemon.h"

static const char *hooks_str(unsigned int a, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s", a & VTAPD_ATT_XDP ? "out(xdp) " : "",
		 a & VTAPD_ATT_OUT ? "out " : "", a & VTAPD_ATT_IN ? "in " : "",
		 a & VTAPD_ATT_SINK ? "sink " : "");
	size_t l = strlen(buf);
	if (l)
		buf[l - 1] = 0;
	return buf;
}

static void cmd_status(void *srv, struct sbuf *o, bool json)
{
	struct vtapd *d = srv;
	struct vtap_global_counters g = { 0 };
	char hb[48];
	bool first = true;

	vtap_loader_read_global(&d->ld, &g);
	if (json) {
		sbuf_printf(o, "{\"policy_dir\":");
		sbuf_json_str(o, d->policy_dir);
		sbuf_printf(o, ",\"pin_root\":");
		sbuf_json_str(o, d->pin_root);
		sbuf_printf(o,
			    ",\"engine\":\"ebpf-tc\",\"active_generation\":%d,\"policies\":%zu,"
			    "\"monitors\":%zu,\"reloads_ok\":%lu,\"reloads_failed\":%lu,"
			    "\"last_apply_ms\":%.3f,\"last_error\":",
			    vtap_loader_active_gen(&d->ld), d->set.n_policies, d->set.n_monitors,
			    d->reloads_ok, d->reloads_failed, d->last_apply_ms);
		sbuf_json_str(o, d->last_error);
		sbuf_printf(o, ",\"ports\":[");
		for (size_t i = 0; i < d->n_ports; i++) {
			const struct vtapd_port *p = &d->ports[i];

			if (!p->attached && !p->dpdk)
				continue;
			sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
			sbuf_json_str(o, p->name);
			sbuf_printf(o, ",\"ifindex\":%d,\"hooks\":\"%s\",\"engine\":\"%s\"",
				    p->ifindex, hooks_str(p->attached, hb, sizeof(hb)),
				    p->dpdk ? "dpdk" : "ebpf");
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
			    vtap_hook_mode_name(d->attach_mode), d->ld.ring_size, d->ring_records,
			    d->ring_unrouted, d->ring_bad, d->ring_cut);
		vtapd_sinks_status(d, o, true);
		sbuf_printf(o,
			    ",\"global\":{\"seen\":%llu,\"copies_seen\":%llu,\"unparsed\":%llu,"
			    "\"no_match\":%llu,\"pull_fail\":%llu,\"flow_cache\":%s,"
			    "\"cache_hits\":%llu,\"cache_misses\":%llu}}\n",
			    (unsigned long long)g.seen, (unsigned long long)g.copies_seen,
			    (unsigned long long)g.unparsed, (unsigned long long)g.no_match,
			    (unsigned long long)g.pull_fail, d->no_flow_cache ? "false" : "true",
			    (unsigned long long)g.cache_hits, (unsigned long long)g.cache_misses);
		return;
	}
	sbuf_printf(o, "engine:      ebpf (tc clsact)%s\npolicy dir:  %s\npin root:    %s\n",
		    d->engine == VTAPD_ENGINE_DPDK   ? "; VM ports: dpdk (--engine dpdk)"
		    : d->engine == VTAPD_ENGINE_EBPF ? "; VM ports: ebpf only"
						     : "; VM ports: ebpf, dpdk where it cannot attach",
		    d->policy_dir, d->pin_root);
	sbuf_printf(o, "policies:    %zu (monitors %zu), generation %d\n", d->set.n_policies,
		    d->set.n_monitors, vtap_loader_active_gen(&d->ld));
	sbuf_printf(o, "reloads:     %lu ok, %lu rejected; last apply %.2f ms\n", d->reloads_ok,
		    d->reloads_failed, d->last_apply_ms);
	if (d->last_error[0])
		sbuf_printf(o, "last error:  %s\n", d->last_error);
	sbuf_printf(o, "frames seen: %llu (copies ignored %llu, unparsed %llu, no match %llu)\n",
		    (unsigned long long)g.seen, (unsigned long long)g.copies_seen,
		    (unsigned long long)g.unparsed, (unsigned long long)g.no_match);
	if (d->no_flow_cache)
		sbuf_printf(o, "flow cache:  off (--no-flow-cache): every frame classified\n");
	else
		sbuf_printf(o, "flow cache:  %llu hits, %llu misses (frames classified)\n",
			    (unsigned long long)g.cache_hits, (unsigned long long)g.cache_misses);
	sbuf_printf(o,
		    "attach:      %s; ring buffer %u bytes: %llu copies read, %llu with no "
		    "sink, %llu bad, %llu cut at %u bytes\n",
		    vtap_hook_mode_name(d->attach_mode), d->ld.ring_size, d->ring_records,
		    d->ring_unrouted, d->ring_bad, d->ring_cut, VTAP_RING_COPY_MAX);
	sbuf_printf(o, "\n%-16s %8s  %-6s %-16s %s\n", "PORT", "IFINDEX", "ENGINE", "HOOKS",
		    "NOTE");
	for (size_t i = 0; i < d->n_ports; i++) {
		const struct vtapd_port *p = &d->ports[i];

		if (p->dpdk) /* no hooks: the reason takes their place */
			sbuf_printf(o, "%-16s %8d  %-6s %s\n", p->name, p->ifindex, "dpdk",
				    p->engine_why);
		else if (p->attached)
			sbuf_printf(o, "%-16s %8d  %-6s %-16s %s\n", p->name, p->ifindex, "ebpf",
				    hooks_str(p->attached, hb, sizeof(hb)), p->hook_note);
	}
	vtapd_sinks_status(d, o, false);
}

static void cmd_policies(void *srv, struct sbuf *o, bool json)
{
	struct vtapd *d = srv;
	if (json)
		sbuf_printf(o, "[");
	else
		sbuf_printf(o, "%-20s %8s %-6s %-6s %-12s %-20s %s\n", "POLICY", "PRIORITY",
			    "DIR", "ACTION", "MONITOR", "PORTS", "ID");
	for (size_t i = 0; i < d->set.n_policies; i++) {
		const struct vtap_policy *p = &d->set.policies[i];
		char ports[256] = "";

		for (size_t k = 0; k < p->n_ports; k++) {
			size_t l = strlen(ports);
			snprintf(ports + l, sizeof(ports) - l, "%s%s", k ? "," : "", p->ports[k]);
		}
		if (json) {
			sbuf_printf(o, "%s{\"name\":", i ? "," : "");
			sbuf_json_str(o, p->name);
			sbuf_printf(o, ",\"priority\":%d,\"direction\":\"%s\",\"action\":\"%s\","
				       "\"monitor\":",
				    p->priority, vtap_direction_name(p->direction),
				    p->action == VTAP_ACTION_SKIP ? "skip" : "mirror");
			sbuf_json_str(o, p->monitor);
			sbuf_printf(o, ",\"ports\":");
			sbuf_json_str(o, ports);
			sbuf_printf(o, ",\"sample\":%u,\"snaplen\":%u,\"hook\":\"%s\",\"id\":%u}",
				    p->sample, p->snaplen, vtap_hook_mode_name(p->hook), d->set_ids[i]);
		} else {
			sbuf_printf(o, "%-20s %8d %-6s %-6s %-12s %-20s %u\n", p->name, p->priority,
				    vtap_direction_name(p->direction),
				    p->action == VTAP_ACTION_SKIP ? "skip" : "mirror",
				    p->monitor[0] ? p->monitor : "-", ports, d->set_ids[i]);
		}
	}
	if (json)
		sbuf_printf(o, "]\n");
}

static int cmd_stats(void *srv, struct sbuf *o, const char *name, bool json)
{
	struct vtapd *d = srv;
	bool found = false, first = true;

	vtap_ctl_stats_head(o, json);
	for (size_t i = 0; i < d->set.n_policies; i++) {
		const struct vtap_policy *p = &d->set.policies[i];
		struct vtap_counters c;

		if (name && strcmp(name, p->name))
			continue;
		found = true;
		if (vtap_loader_read_stats(&d->ld, d->set_ids[i], &c))
			memset(&c, 0, sizeof(c));
		vtap_ctl_stats_policy(o, p->name, &c, json, first);
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
	first = true;
	for (size_t i = 0; i < d->n_ports; i++) {
		struct vtap_sink_counters s;

		if (!(d->ports[i].attached & VTAPD_ATT_SINK))
			continue;
		if (vtap_loader_read_sink(&d->ld, (__u32)d->ports[i].ifindex, &s))
			memset(&s, 0, sizeof(s));
		if (json) {
			sbuf_printf(o, "%s{\"port\":", first ? "" : ",");
			sbuf_json_str(o, d->ports[i].name);
			sbuf_printf(o,
				    ",\"delivered\":%llu,\"delivered_bytes\":%llu,\"truncated\":%llu,"
				    "\"trunc_fail\":%llu,\"foreign\":%llu,\"encap_fail\":%llu,"
				    "\"too_big\":%llu,\"no_tunnel\":%llu}",
				    (unsigned long long)s.delivered,
				    (unsigned long long)s.delivered_bytes,
				    (unsigned long long)s.truncated, (unsigned long long)s.trunc_fail,
				    (unsigned long long)s.foreign, (unsigned long long)s.encap_fail,
				    (unsigned long long)s.too_big, (unsigned long long)s.no_tunnel);
		} else {
			sbuf_printf(o, "%-16s %12llu %14llu %10llu %10llu\n", d->ports[i].name,
				    (unsigned long long)s.delivered,
				    (unsigned long long)s.delivered_bytes,
				    (unsigned long long)s.truncated, (unsigned long long)s.foreign);
		}
		first = false;
	}
	if (json)
		sbuf_printf(o, "],");
	vtapd_recv_stats(d, o, json);
	if (json)
		sbuf_printf(o, "}\n");
	return 0;
}

static int ctl_reload(void *srv, struct sbuf *errs)
{
	return vtapd_reload((struct vtapd *)srv, errs);
}

static void ctl_teardown(void *srv, struct sbuf *o)
{
	struct vtapd *d = srv;

	sbuf_printf(o, "vtapd: detaching, removing pins under %s, and exiting\n", d->pin_root);
}

static const struct vtap_ctl_ops ctl_ops = {
	.status = cmd_status,
	.policies = cmd_policies,
	.stats = cmd_stats,
	.reload = ctl_reload,
	.teardown = ctl_teardown,
};

int vtapd_command(struct vtapd *d, char *line, struct sbuf *o, bool *quit)
{
	return vtap_ctl_dispatch(&ctl_ops, d, &d->set, line, o, quit);
}
