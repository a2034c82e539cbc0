// SPDX-License-Identifier: GPL-2.0
/* vtapd's /metrics (--metrics ADDR:PORT): the counters of `vtapctl stats`
 * through the same walk (the stats command run for a scrape), and what
 * `vtapctl status` shows: ports and their hooks, reloads, the last apply,
 * the datapath's global counters (flow cache), the XDP ring, the capture
 * and ovs sinks. Names and labels: docs/metrics.md. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "core/log.h"
#include "ctl/counters.h"
#include "ctl/metrics.h"
#include "ctl/metrics_http.h"
#include "views.h"
#include "vtapd.h"

/* labels from key/value pairs, NULL-terminated; the caller frees l */
static const char *labels(struct sbuf *l, ...)
{
	va_list ap;
	const char *k;

	l->len = 0;
	if (l->s)
		l->s[0] = 0;
	va_start(ap, l);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		vtap_metrics_label(l, k, v ? v : "");
	}
	va_end(ap);
	return l->s ? l->s : "";
}

static void ports_and_hooks(struct vtap_metrics *m, const struct vtapd_view *v, struct sbuf *l)
{
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct vtapd_port *p = &v->ports[i];
		const char *oh = vtapd_port_out_hook(p), *ih = vtapd_port_in_hook(p);

		if (!p->attached && !p->dpdk)
			continue;
		vtap_metrics_gauge(
		    m, "vtap_port_info",
		    "A port vtapd taps, or a sink: its engine and hooks (none: "
		    "not tapped that way)",
		    labels(l, "port", p->name, "engine", p->dpdk ? "dpdk" : "ebpf", "out_hook",
			   oh ? oh : "none", "in_hook", ih ? ih : "none", "sink",
			   p->attached & (VTAPD_ATT_SINK | VTAPD_ATT_GUARD) ? "true" : "false",
			   NULL),
		    1);
	}
}

static void monitor_sinks(struct vtap_metrics *m, const struct vtapd_view *v, struct sbuf *l)
{
	for (size_t i = 0; i < v->n_sinks; i++) {
		const struct vtapd_sink *s = &v->sinks[i];
		struct vtap_capture_stats st = {0};
		struct vtap_xsk_tx_stats tx = {0};
		const char *lb = labels(l, "monitor", s->monitor, "port", s->port, NULL);

		vtap_metrics_gauge(m, "vtap_monitor_sink_up",
				   "1 when the capture or ovs monitor's sink works, 0 when it "
				   "gets no copies (vtapctl status says why)",
				   lb, s->error[0] ? 0 : 1);
		vtapd_sink_stats(s, &st);
		vtap_metrics_fields(m, "vtap_capture", &vtap_capture_stats_fields, &st, lb);
		if (s->tx) {
			vtap_xsk_tx_stats(s->tx, &tx);
			vtap_metrics_fields(m, "vtap_xdp_tx", &vtap_xsk_tx_fields, &tx, lb);
		}
	}
}

static int render(void *arg, struct sbuf *o)
{
	struct vtapd *d = arg;
	struct vtapd_view v = vtapd_view_of(d);
	struct vtap_global_counters g = {0};
	struct vtap_metrics m;
	struct sbuf l = {0};
	int ret;

	vtap_metrics_init(&m, v.set);
	vtap_metrics_daemon(&m, &(struct vtap_metrics_daemon){
				    .daemon = "vtapd",
				    .policies = v.set->n_policies,
				    .monitors = v.set->n_monitors,
				    .reloads_ok = v.reloads_ok,
				    .reloads_failed = v.reloads_failed,
				    .last_apply_ms = v.last_apply_ms,
				    .last_error = v.last_error,
				});
	/* the policies', sinks' and receiving side's counters: the walk of
	 * `vtapctl stats`, run for the scrape */
	ret = vtap_metrics_stats(&m, &vtapd_ctl_table, d);
	vtap_metrics_gauge(&m, "vtap_active_generation", "The rule generation the datapath reads",
			   "", vtap_loader_active_gen(v.ld));
	if (d->rec.cluster) /* cluster mode: the store revision in effect */
		vtap_metrics_gauge(&m, "vtap_store_revision",
				   "The policy store's revision of the set in effect", "",
				   (double)d->rec.store_revision);
	vtap_loader_read_global(v.ld, &g);
	vtap_metrics_fields(&m, "vtap_datapath", &vtap_global_fields, &g, "");
	vtap_metrics_gauge(&m, "vtap_flow_cache_enabled",
			   "1 unless vtapd runs with --no-flow-cache", "", v.flow_cache);
	vtap_metrics_gauge(&m, "vtap_ring_size_bytes",
			   "Bytes of the copies' ring buffer (XDP tap; TC to a capture)", "",
			   v.ld->ring_size);
	vtap_metrics_counter(&m, "vtap_ring_records_total", "Copies read from the ring", "",
			     v.ring_records);
	vtap_metrics_counter(&m, "vtap_ring_unrouted_total",
			     "Copies read from the ring for which there was no sink", "",
			     v.ring_unrouted);
	vtap_metrics_counter(&m, "vtap_ring_bad_total", "Malformed ring records", "", v.ring_bad);
	vtap_metrics_counter(&m, "vtap_ring_cut_total", "Ring copies cut to the record size", "",
			     v.ring_cut);
	ports_and_hooks(&m, &v, &l);
	monitor_sinks(&m, &v, &l);
	if (!ret)
		vtap_metrics_render(&m, o);
	vtap_metrics_free(&m);
	sbuf_free(&l);
	return ret;
}

int vtapd_metrics_open(struct vtapd *d, const char *addr, int ep)
{
	char err[256];
	int fd;

	d->metrics = vtap_metrics_http_open(addr, render, d, err, sizeof(err));
	if (!d->metrics) {
		log_err("--metrics %s", err);
		return -1;
	}
	fd = vtap_metrics_http_fd(d->metrics);
	if (fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd,
				&(struct epoll_event){.events = EPOLLIN, .data.fd = fd})) {
		log_err("--metrics %s: cannot watch the HTTP server", addr);
		vtapd_metrics_close(d);
		return -1;
	}
	log_info("metrics: http://%s/metrics", addr);
	return 0;
}

bool vtapd_metrics_event(struct vtapd *d, int fd)
{
	if (!d->metrics || fd != vtap_metrics_http_fd(d->metrics))
		return false;
	vtap_metrics_http_run(d->metrics);
	return true;
}

int vtapd_metrics_timeout(struct vtapd *d)
{
	if (!d->metrics)
		return -1;
	return vtap_metrics_http_timeout_ms(d->metrics);
}

void vtapd_metrics_close(struct vtapd *d)
{
	vtap_metrics_http_close(d->metrics);
	d->metrics = NULL;
}
