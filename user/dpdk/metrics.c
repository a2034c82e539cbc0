// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's /metrics (--metrics ADDR:PORT): the counters of `vtapctl
 * stats` through the same walk (the stats command run for a scrape), the
 * datapath's global counters, reloads, the last apply, and every DPDK port
 * with its role and counters. Served by the control thread, which holds
 * v->lock while MHD runs (ctl.c), as it does for vtapctl's answers. */
#include <stdio.h>
#include "core/log.h"
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
	struct vtap_metrics m;
	int ret;

	vtap_metrics_init(&m, &v->set);
	vtap_metrics_daemon(&m, &(struct vtap_metrics_daemon){
				    .daemon = "vtap-dpdk",
				    .policies = v->set.n_policies,
				    .monitors = v->set.n_monitors,
				    .reloads_ok = v->reloads_ok,
				    .reloads_failed = v->reloads_failed,
				    .last_apply_ms = v->last_apply_ms,
				    .last_error = v->last_error,
				});
	ret = vtap_metrics_stats(&m, &vdp_ctl_table, v);
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
