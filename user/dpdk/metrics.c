// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's /metrics (--metrics ADDR:PORT): the counters of `vtapctl
 * stats` through the same walk (the stats command run for a scrape), the
 * datapath's global counters, reloads, the last apply, and every DPDK port
 * with its role and counters. Served by the control thread, which holds
 * v->lock while MHD runs (ctl.c), as it does for vtapctl's answers. */
#include <stdio.h>
#include "core/log.h"
#include "core/version.h"
#include "ctl/counters.h"
#include "ctl/metrics.h"
#include "ctl/metrics_http.h"
#include "vdp.h"

static void port(struct vtap_metrics *m, const char *role, const struct vdp_port *p)
{
	struct sbuf l = {0};

	vtap_metrics_label(&l, "port", p->name);
	vtap_metrics_label(&l, "role", role);
	vtap_metrics_label(&l, "engine", "dpdk");
	vtap_metrics_gauge(m, "vtap_port_info", "A port of the datapath: its role and engine", l.s,
			   1);
	l.len = 0;
	vtap_metrics_label(&l, "port", p->name);
	vtap_metrics_label(&l, "role", role);
	vtap_metrics_fields(m, "vtap_port", &vdp_port_fields, p, l.s);
	sbuf_free(&l);
}

static int render(void *arg, struct sbuf *o)
{
	struct vdp *v = arg;
	const struct vtap_ctl_command *stats = vtap_ctl_find(&vdp_ctl_table, "stats");
	struct vtap_metrics m;
	struct sbuf l = {0}, unused = {0};
	int ret;

	vtap_metrics_init(&m, &v->set);
	vtap_metrics_label(&l, "daemon", "vtap-dpdk");
	vtap_metrics_label(&l, "version", vtap_version);
	vtap_metrics_gauge(&m, "vtap_build_info", "The daemon and its version", l.s, 1);
	ret = stats->fn(v, &(struct vtap_ctl_req){.fd = -1, .metrics = &m}, &unused);
	vtap_metrics_gauge(&m, "vtap_policies", "Policies in effect", "",
			   (double)v->set.n_policies);
	vtap_metrics_gauge(&m, "vtap_monitors", "Monitors in effect", "",
			   (double)v->set.n_monitors);
	vtap_metrics_counter(&m, "vtap_reloads_total", "Policy reloads, applied or rejected",
			     "result=\"ok\"", v->reloads_ok);
	vtap_metrics_counter(&m, "vtap_reloads_total", NULL, "result=\"rejected\"",
			     v->reloads_failed);
	vtap_metrics_gauge(&m, "vtap_last_apply_duration_seconds",
			   "How long the last policy set took to apply", "",
			   v->last_apply_ms / 1000.0);
	vtap_metrics_gauge(&m, "vtap_last_reload_error",
			   "1 when the last reload was rejected (vtapctl status: last_error)", "",
			   v->last_error[0] ? 1 : 0);
	vtap_metrics_fields(&m, "vtap_datapath", &vtap_global_fields, &v->stats->g, "");
	for (int i = 0; i < v->n_pairs; i++) {
		port(&m, "vm", &v->vm[i]);
		port(&m, "net", &v->net[i]);
	}
	for (int i = 0; i < v->n_mon; i++)
		port(&m, v->mon[i].vxlan ? "vxlan" : "monitor", &v->mon[i].port);
	if (!ret)
		vtap_metrics_render(&m, o);
	vtap_metrics_free(&m);
	sbuf_free(&l);
	sbuf_free(&unused);
	return ret;
}

int vdp_metrics_open(struct vdp *v)
{
	char err[256];

	if (!v->metrics_addr)
		return 0;
	v->metrics = vtap_metrics_http_open(v->metrics_addr, render, v, err, sizeof(err));
	if (!v->metrics) {
		log_err("--metrics %s", err);
		return -1;
	}
	log_info("metrics: http://%s/metrics", v->metrics_addr);
	return 0;
}

void vdp_metrics_close(struct vdp *v)
{
	vtap_metrics_http_close(v->metrics);
	v->metrics = NULL;
}
