// SPDX-License-Identifier: GPL-2.0
/* See stats_view.h. */
#include <stdio.h>
#include <string.h>
#include "counters.h"
#include "metrics.h"
#include "views.h"

void vtap_stats_begin(struct vtap_stats_view *v, struct sbuf *o, const struct vtap_ctl_req *r)
{
	*v = (struct vtap_stats_view){
	    .o = o, .json = r->json, .only = r->name, .metrics = r->metrics};
	if (v->metrics)
		return;
	if (v->json) {
		sbuf_printf(o, "{\"policies\":[");
		return;
	}
	sbuf_printf(o, "%-20s", "POLICY");
	vtap_fields_head(o, &vtap_counters_fields);
	sbuf_printf(o, "\n");
}

bool vtap_stats_wants(const struct vtap_stats_view *v, const char *policy)
{
	return !v->only || !strcmp(v->only, policy);
}

/* The start of a JSON list entry */
static void entry(struct vtap_stats_view *v, const char *key)
{
	sbuf_printf(v->o, "%s{\"%s\":", v->rows++ ? "," : "", key);
}

void vtap_stats_policy(struct vtap_stats_view *v, const char *name, const struct vtap_counters *c)
{
	v->policies++;
	if (v->metrics) {
		struct sbuf l = {0};

		vtap_metrics_label(&l, "policy", name);
		vtap_metrics_label(&l, "monitor", vtap_metrics_monitor_of(v->metrics, name));
		vtap_metrics_fields(v->metrics, "vtap_policy", &vtap_counters_fields, c, l.s);
		sbuf_free(&l);
		return;
	}
	if (v->json) {
		entry(v, "name");
		sbuf_json_str(v->o, name);
		vtap_fields_json(v->o, &vtap_counters_fields, c);
		sbuf_printf(v->o, "}");
		return;
	}
	sbuf_printf(v->o, "%-20s", name);
	vtap_fields_row(v->o, &vtap_counters_fields, c);
	sbuf_printf(v->o, "\n");
}

int vtap_stats_sinks(struct vtap_stats_view *v)
{
	if (v->only && !v->policies) {
		v->o->len = 0;
		sbuf_printf(v->o, "no policy named %s\n", v->only);
		return -1;
	}
	v->rows = 0;
	if (v->metrics)
		return 0;
	if (v->json) {
		sbuf_printf(v->o, "],\"sinks\":[");
		return 0;
	}
	sbuf_printf(v->o, "\n%-16s", "SINK");
	vtap_fields_head(v->o, &vtap_sink_fields);
	sbuf_printf(v->o, "\n");
	return 0;
}

void vtap_stats_sink(struct vtap_stats_view *v, const char *port,
		     const struct vtap_sink_counters *c, const struct vtap_field_table *more,
		     const void *more_s)
{
	if (v->metrics) {
		struct sbuf l = {0};

		vtap_metrics_label(&l, "port", port);
		vtap_metrics_fields(v->metrics, "vtap_sink", &vtap_sink_fields, c, l.s);
		if (more)
			vtap_metrics_fields(v->metrics, "vtap_sink", more, more_s, l.s);
		sbuf_free(&l);
		return;
	}
	if (v->json) {
		entry(v, "port");
		sbuf_json_str(v->o, port);
		vtap_fields_json(v->o, &vtap_sink_fields, c);
		if (more)
			vtap_fields_json(v->o, more, more_s);
		sbuf_printf(v->o, "}");
		return;
	}
	sbuf_printf(v->o, "%-16s", port);
	vtap_fields_row(v->o, &vtap_sink_fields, c);
	sbuf_printf(v->o, "\n");
}

void vtap_stats_groups(struct vtap_stats_view *v)
{
	v->rows = 0;
	v->group_head = false;
	if (!v->metrics && v->json)
		sbuf_printf(v->o, "],\"groups\":[");
}

void vtap_stats_member(struct vtap_stats_view *v, const char *group, const char *member,
		       const struct vtap_member_counters *c)
{
	if (v->metrics) {
		struct sbuf l = {0};

		vtap_metrics_label(&l, "group", group);
		vtap_metrics_label(&l, "member", member);
		vtap_metrics_fields(v->metrics, "vtap_group_member", &vtap_member_fields, c, l.s);
		sbuf_free(&l);
		return;
	}
	if (v->json) {
		entry(v, "group");
		sbuf_json_str(v->o, group);
		sbuf_printf(v->o, ",\"member\":");
		sbuf_json_str(v->o, member);
		vtap_fields_json(v->o, &vtap_member_fields, c);
		sbuf_printf(v->o, "}");
		return;
	}
	if (!v->group_head) {
		sbuf_printf(v->o, "\n%-16s %-16s", "GROUP", "MEMBER");
		vtap_fields_head(v->o, &vtap_member_fields);
		sbuf_printf(v->o, "\n");
		v->group_head = true;
	}
	sbuf_printf(v->o, "%-16s %-16s", group, member);
	vtap_fields_row(v->o, &vtap_member_fields, c);
	sbuf_printf(v->o, "\n");
}

void vtap_stats_receive(struct vtap_stats_view *v, bool any)
{
	v->rows = 0;
	if (v->metrics)
		return;
	if (v->json) {
		sbuf_printf(v->o, "],\"receive\":[");
	} else if (any) {
		sbuf_printf(v->o, "\n%-10s %-16s", "VNI", "PORT");
		vtap_fields_head(v->o, &vtap_recv_fields);
		sbuf_printf(v->o, "\n");
	}
}

void vtap_stats_recv(struct vtap_stats_view *v, long long vni, const char *port,
		     const struct vtap_recv_counters *c)
{
	if (v->metrics) {
		struct sbuf l = {0};
		char id[24];

		snprintf(id, sizeof(id), "%lld", vni < 0 ? -1 : vni);
		vtap_metrics_label(&l, "vni", id);
		vtap_metrics_label(&l, "port", port);
		vtap_metrics_fields(v->metrics, "vtap_receive", &vtap_recv_fields, c, l.s);
		sbuf_free(&l);
		return;
	}
	if (v->json) {
		sbuf_printf(v->o, "%s{\"vni\":%lld,\"port\":", v->rows++ ? "," : "",
			    vni < 0 ? -1 : vni);
		sbuf_json_str(v->o, port);
		vtap_fields_json(v->o, &vtap_recv_fields, c);
		sbuf_printf(v->o, "}");
		return;
	}
	char id[24] = "-";

	if (vni >= 0)
		snprintf(id, sizeof(id), "%lld", vni);
	sbuf_printf(v->o, "%-10s %-16s", id, port);
	vtap_fields_row(v->o, &vtap_recv_fields, c);
	sbuf_printf(v->o, "\n");
}

void vtap_stats_end(struct vtap_stats_view *v)
{
	if (v->json && !v->metrics)
		sbuf_printf(v->o, "]}\n");
}

void vtap_status_global(struct sbuf *o, const struct vtap_global_counters *g, bool json)
{
	if (json) {
		sbuf_printf(o, "\"global\":{");
		vtap_fields_json(o, &vtap_global_fields, g);
		return;
	}
	sbuf_printf(o, "frames seen: %llu (", (unsigned long long)g->seen);
	vtap_fields_prose(o, &vtap_global_fields, g);
	sbuf_printf(o, ")\n");
}

/* The type of the monitor named name in set ("" when none: a skip) */
static const char *monitor_type(const struct vtap_policy_set *set, const char *name)
{
	for (size_t i = 0; name[0] && i < set->n_monitors; i++)
		if (!strcmp(set->monitors[i].name, name))
			return vtap_monitor_type_name(set->monitors[i].type);
	return "";
}

void vtap_policies_view(struct sbuf *o, const struct vtap_policy_set *set, const __u32 *ids,
			bool json)
{
	if (json)
		sbuf_printf(o, "[");
	else
		sbuf_printf(o, "%-20s %8s %-6s %-6s %-12s %-20s %s\n", "POLICY", "PRIORITY", "DIR",
			    "ACTION", "MONITOR", "PORTS", "ID");
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];
		char ports[256] = "";

		for (size_t k = 0; k < p->n_ports; k++) {
			size_t l = strlen(ports);
			snprintf(ports + l, sizeof(ports) - l, "%s%s", k ? "," : "", p->ports[k]);
		}
		if (!json) {
			sbuf_printf(o, "%-20s %8d %-6s %-6s %-12s %-20s %u\n", p->name, p->priority,
				    vtap_direction_name(p->direction), vtap_action_name(p->action),
				    p->monitor[0] ? p->monitor : "-", ports, ids[i]);
			continue;
		}
		sbuf_printf(o, "%s{\"name\":", i ? "," : "");
		sbuf_json_str(o, p->name);
		sbuf_printf(
		    o, ",\"priority\":%d,\"direction\":\"%s\",\"action\":\"%s\",\"monitor\":",
		    p->priority, vtap_direction_name(p->direction), vtap_action_name(p->action));
		sbuf_json_str(o, p->monitor);
		/* what extcap and other readers choose by (capture: a live stream) */
		sbuf_printf(o, ",\"monitor_type\":");
		sbuf_json_str(o, monitor_type(set, p->monitor));
		sbuf_printf(o, ",\"ports\":");
		sbuf_json_str(o, ports);
		if (p->snap_headers)
			sbuf_printf(o, ",\"sample\":%u,\"snaplen\":\"headers\"", p->sample);
		else
			sbuf_printf(o, ",\"sample\":%u,\"snaplen\":%u", p->sample, p->snaplen);
		sbuf_printf(o, ",\"hook\":\"%s\",\"id\":%u}", vtap_hook_mode_name(p->hook), ids[i]);
	}
	if (json)
		sbuf_printf(o, "]\n");
}
