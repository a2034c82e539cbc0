// SPDX-License-Identifier: GPL-2.0
/* PREFIX/status/NODE (cluster.h): what this node runs and copies, as JSON,
 * under a lease of CL_LEASE_TTL seconds kept alive from the loop, so a
 * node that dies leaves the cluster's view by itself. Put when it changes
 * (at most one put per CL_STATUS_MIN_MS, one at a time) and every
 * CL_STATUS_EVERY ms when the counters moved; never when nothing did. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cluster_internal.h"
#include "vtapd.h"
#include "core/log.h"
#include "core/version.h"
#include "ctl/counters.h"

/* etcd refuses requests over 1.5 MiB by default: the counters stop short of
 * that (policies without a count are left out first: they add nothing) */
#define STATUS_COUNTERS_MAX (1024u * 1024)

static void on_lease(struct etcd_lease *l, enum etcd_lease_note note, int64_t id, const char *msg,
		     void *arg)
{
	struct vtapd_cluster *c = arg;

	(void)l;
	if (note == ETCD_LEASE_ERROR) {
		cl_store_error(c, msg);
		return;
	}
	/* a new lease: the key is put again under it, whatever it held */
	c->lease_id = id;
	free(c->last_put);
	c->last_put = NULL;
	c->last_put_at = 0;
	log_info("etcd: %s (status %s, %d s)", msg ? msg : "lease granted", c->key_status,
		 CL_LEASE_TTL);
	cl_publish(c);
}

void cl_publish_start(struct vtapd_cluster *c)
{
	c->lease = etcd_lease_start(c->e, CL_LEASE_TTL, on_lease, c);
	if (!c->lease)
		log_err("etcd: cannot keep a lease (out of memory): no status is published");
}

void cl_publish_stop(struct vtapd_cluster *c)
{
	/* a clean exit takes the status key with it at once; a store that
	 * does not answer would only hold the exit up: it expires instead */
	if (c->lease)
		etcd_lease_stop(c->lease, cl_connected(c));
	c->lease = NULL;
}

static bool any_count(const struct vtap_counters *k)
{
	for (size_t i = 0; i < vtap_counters_fields.n; i++)
		if (vtap_field_value(&vtap_counters_fields.f[i], k))
			return true;
	return false;
}

/* "stats":{"policies":[...]}: the counters as `vtapctl stats --json` names
 * them, for policies that have any */
static void counters_json(struct vtapd *d, struct sbuf *o)
{
	const struct vtap_policy_set *set = &d->run.set;
	bool first = true, complete = true;

	sbuf_printf(o, ",\"stats\":{\"policies\":[");
	for (size_t i = 0; i < set->n_policies; i++) {
		struct vtap_counters k;

		if (vtap_loader_read_stats(&d->ld, d->run.ids[i], &k) || !any_count(&k))
			continue;
		if (o->len > STATUS_COUNTERS_MAX) {
			complete = false;
			break;
		}
		sbuf_printf(o, "%s{\"name\":", first ? "" : ",");
		sbuf_json_str(o, set->policies[i].name);
		vtap_fields_json(o, &vtap_counters_fields, &k);
		sbuf_printf(o, "}");
		first = false;
	}
	sbuf_printf(o, "]},\"counters_complete\":%s", complete ? "true" : "false");
}

void cl_status_json(struct vtapd_cluster *c, struct sbuf *o)
{
	struct vtapd *d = c->d;
	const struct cl_set *a = &c->applied;
	bool first = true;

	sbuf_printf(o, "{\"node\":");
	sbuf_json_str(o, c->node);
	sbuf_printf(o, ",\"pid\":%d,\"version\":", (int)getpid());
	sbuf_json_str(o, vtap_version);
	sbuf_printf(o,
		    ",\"engine\":\"ebpf\",\"engine_mode\":\"%s\",\"source\":\"%s\","
		    "\"revision\":%" PRId64 ",\"digest\":\"%016" PRIx64 "\","
		    "\"seen_revision\":%" PRId64 ",\"policies\":%zu,\"monitors\":%zu,\"ports\":[",
		    d->cfg.engine == VTAPD_ENGINE_DPDK	 ? "dpdk"
		    : d->cfg.engine == VTAPD_ENGINE_EBPF ? "ebpf"
							 : "auto",
		    cl_source_name(a->src), a->src == CL_NONE ? 0 : a->g.rev, cl_set_digest(a),
		    c->offer.src == CL_NONE ? 0 : c->offer.g.rev, d->run.set.n_policies,
		    d->run.set.n_monitors);
	for (size_t i = 0; i < d->ports.n; i++) {
		const struct vtapd_port *p = &d->ports.v[i];

		if (!(p->attached & VTAPD_ATT_TAPS) && !p->dpdk)
			continue;
		sbuf_printf(o, "%s", first ? "" : ",");
		sbuf_json_str(o, p->name);
		first = false;
	}
	sbuf_printf(o, "],\"last_error\":");
	sbuf_json_str(o, c->n_errors ? c->errors[0] : d->rec.last_error);
	sbuf_printf(o, ",\"errors\":[");
	for (size_t i = 0; i < c->n_errors; i++) {
		sbuf_printf(o, "%s", i ? "," : "");
		sbuf_json_str(o, c->errors[i]);
	}
	sbuf_printf(o, "],\"rejected_revision\":%" PRId64, c->rejected_rev);
	sbuf_printf(o,
		    ",\"event\":{\"revision\":%" PRId64 ",\"at_ms\":%.3f},"
		    "\"applied_at_ms\":%.3f,\"apply_ms\":%.3f,\"reloads_ok\":%lu,"
		    "\"reloads_failed\":%lu",
		    c->event_rev, c->event_at_ms, c->applied_at_ms, d->rec.last_apply_ms,
		    d->rec.reloads_ok, d->rec.reloads_failed);
	counters_json(d, o);
	sbuf_printf(o, "}");
}

static void put_done(struct etcd_result *r, void *arg)
{
	struct vtapd_cluster *c = arg;
	char *sent = c->pending;

	c->pending = NULL;
	c->put_busy = false;
	if (r->err) {
		free(sent);
		c->put_fails++;
		cl_store_error(c, r->msg);
		/* a lease that expired is granted anew (on_lease puts again) */
		cl_due(&c->due_status, 1000);
		return;
	}
	free(c->last_put);
	c->last_put = sent;
	c->puts++;
	c->put_bytes += strlen(sent);
	/* what changed while it was on its way */
	cl_publish(c);
}

void cl_publish(struct vtapd_cluster *c)
{
	uint64_t now = cl_now_ms();
	struct sbuf o = {0};

	if (!c->lease_id || c->put_busy || !c->started)
		return; /* the lease's grant, or the put's answer, publishes */
	if (c->last_put_at && now - c->last_put_at < CL_STATUS_MIN_MS) {
		cl_due(&c->due_status, c->last_put_at + CL_STATUS_MIN_MS - now);
		return;
	}
	cl_status_json(c, &o);
	if (o.oom || (c->last_put && !strcmp(c->last_put, o.s))) {
		sbuf_free(&o);
		return;
	}
	if (etcd_put_async(c->e, c->key_status, o.s, o.len, c->lease_id, put_done, c)) {
		sbuf_free(&o);
		cl_due(&c->due_status, 1000);
		return;
	}
	c->pending = o.s;
	c->put_busy = true;
	c->last_put_at = now;
}
