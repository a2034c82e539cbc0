// SPDX-License-Identifier: GPL-2.0
/* Following the store (cluster.h): a full read of both prefixes (the
 * node's own at the revision the every-node read answered, so both hold
 * one moment), then one watch per prefix from the next revision. Each
 * watch keeps its view current; when one view is ahead of the other, the
 * other is read at that revision (its watch may simply not have spoken
 * yet, or have nothing to say), so a set offered to the reload is always
 * the store's at one revision: a transaction writing both prefixes is
 * applied whole. A burst of events is one reload; a compacted revision is
 * a full read again. And the reload's hooks: the documents offered, the
 * ports the node must have, the outcome (persisted when applied). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster_internal.h"
#include "vtapd.h"
#include "core/log.h"
#include "store/store_state.h"

#define READ_RETRY_MIN_MS 500
#define READ_RETRY_MAX_MS 5000
#define PORTS_RETRY_MS	  1000

static void watches_stop(struct vtapd_cluster *c)
{
	etcd_watch_stop(c->w_g);
	etcd_watch_stop(c->w_n);
	c->w_g = c->w_n = NULL;
	c->up_g = c->up_n = false;
}

/* everything again: a compacted revision, or a view that could not be kept */
static void resync(struct vtapd_cluster *c)
{
	watches_stop(c);
	c->synced = false;
	cl_due(&c->due_read, 0);
}

/* how long a change waits for the rest of its burst (CL_BURST_MIN_MS) */
static uint64_t burst_ms(const struct vtapd_cluster *c)
{
	double ms = 2 * c->reload_cpu_ms;

	return ms < CL_BURST_MIN_MS   ? CL_BURST_MIN_MS
	       : ms > CL_BURST_MAX_MS ? CL_BURST_MAX_MS
				      : (uint64_t)ms;
}

static void on_watch(struct etcd_watch *w, const struct etcd_watch_update *u, void *arg)
{
	struct vtapd_cluster *c = arg;
	bool g = w == c->w_g;
	struct vtap_store_docs *v = g ? &c->view_g : &c->view_n;
	bool was = cl_connected(c);

	switch (u->note) {
	case ETCD_WATCH_CONNECTED:
		*(g ? &c->up_g : &c->up_n) = true;
		snprintf(c->endpoint, sizeof(c->endpoint), "%s", u->endpoint);
		if (!was && cl_connected(c)) {
			log_info("etcd: following %s and %s at %s from revision %" PRId64, c->key_g,
				 c->key_n, c->endpoint, u->revision);
			c->store_error[0] = '\0';
			cl_publish(c);
		}
		break;
	case ETCD_WATCH_EVENTS:
		*(g ? &c->up_g : &c->up_n) = true;
		c->event_rev = u->events[u->n_events - 1].kv.mod_revision;
		c->event_at_ms = cl_wall_ms();
		if (vtap_store_docs_events(v, u->events, u->n_events) < 0) {
			log_err(
			    "etcd: out of memory for the store's documents: reading them again");
			resync(c);
			break;
		}
		/* the rest of a burst comes meanwhile: one reload */
		cl_due(&c->due_apply, burst_ms(c));
		break;
	case ETCD_WATCH_PROGRESS:
		/* nothing changed up to there: the revision in effect moves on */
		if (u->revision > v->rev) {
			v->rev = u->revision;
			cl_due(&c->due_apply, burst_ms(c));
		}
		break;
	case ETCD_WATCH_COMPACTED:
		log_warn("etcd: the revisions after %" PRId64 " of %s were compacted (at %" PRId64
			 "): reading everything again",
			 v->rev, g ? c->key_g : c->key_n, u->revision);
		resync(c);
		break;
	case ETCD_WATCH_ERROR:
		*(g ? &c->up_g : &c->up_n) = false;
		cl_store_error(c, u->msg);
		if (was)
			cl_publish(c);
		break;
	}
}

static void watches_start(struct vtapd_cluster *c)
{
	c->w_g = etcd_watch_start(c->e, c->key_g, ETCD_PREFIX, c->view_g.rev + 1, on_watch, c);
	c->w_n = etcd_watch_start(c->e, c->key_n, ETCD_PREFIX, c->view_n.rev + 1, on_watch, c);
	if (!c->w_g || !c->w_n) {
		log_err("etcd: cannot watch the store (out of memory): trying again");
		watches_stop(c);
		c->synced = false;
		cl_due(&c->due_read, READ_RETRY_MAX_MS);
	}
}

/* the views from a full read: both prefixes at revision rev */
static int views_load(struct vtapd_cluster *c, const struct etcd_kv *g, size_t n_g,
		      const struct etcd_kv *n, size_t n_n, int64_t rev)
{
	if (vtap_store_docs_load(&c->view_g, g, n_g, rev) ||
	    vtap_store_docs_load(&c->view_n, n, n_n, rev))
		return -ENOMEM;
	c->synced = true;
	c->read_fails = 0;
	return 0;
}

int cl_read_blocking(struct vtapd_cluster *c)
{
	struct etcd_result rg, rn;
	int rc = -1;

	if (etcd_range(c->e, c->key_g, ETCD_PREFIX, 0, 0, &rg)) {
		cl_store_error(c, rg.msg);
		etcd_result_free(&rg);
		return -1;
	}
	if (etcd_range(c->e, c->key_n, ETCD_PREFIX, rg.revision, 0, &rn)) {
		cl_store_error(c, rn.msg);
	} else if (views_load(c, rg.kvs, rg.n_kvs, rn.kvs, rn.n_kvs, rg.revision)) {
		log_err("etcd: out of memory for the store's documents");
	} else {
		rc = cl_set_copy(&c->offer, &(struct cl_set){c->view_g, c->view_n, CL_LIVE});
		log_info("etcd: revision %" PRId64 ": %zu documents under %s, %zu under %s",
			 rg.revision, c->view_g.n, c->key_g, c->view_n.n, c->key_n);
	}
	etcd_result_free(&rg);
	etcd_result_free(&rn);
	return rc;
}

static void read_failed(struct vtapd_cluster *c, const char *msg)
{
	uint64_t wait = READ_RETRY_MIN_MS << (c->read_fails < 4 ? c->read_fails : 4);

	c->reading = false;
	c->read_fails++;
	cl_store_error(c, msg);
	etcd_result_free(&(struct etcd_result){.kvs = c->read_kvs, .n_kvs = c->read_n});
	c->read_kvs = NULL;
	c->read_n = 0;
	cl_due(&c->due_read, wait < READ_RETRY_MAX_MS ? wait : READ_RETRY_MAX_MS);
}

static void read_n_done(struct etcd_result *r, void *arg)
{
	struct vtapd_cluster *c = arg;

	if (r->err) {
		read_failed(c, r->msg);
		return;
	}
	c->reading = false;
	if (views_load(c, c->read_kvs, c->read_n, r->kvs, r->n_kvs, c->read_rev)) {
		read_failed(c, "etcd: out of memory for the store's documents");
		return;
	}
	etcd_result_free(&(struct etcd_result){.kvs = c->read_kvs, .n_kvs = c->read_n});
	c->read_kvs = NULL;
	c->read_n = 0;
	log_info("etcd: revision %" PRId64 ": %zu documents under %s, %zu under %s", c->read_rev,
		 c->view_g.n, c->key_g, c->view_n.n, c->key_n);
	watches_start(c);
	cl_due(&c->due_apply, 0);
}

static void read_g_done(struct etcd_result *r, void *arg)
{
	struct vtapd_cluster *c = arg;

	if (r->err) {
		read_failed(c, r->msg);
		return;
	}
	c->read_rev = r->revision;
	c->read_kvs = r->kvs;
	c->read_n = r->n_kvs;
	r->kvs = NULL;
	if (etcd_range_async(c->e, c->key_n, ETCD_PREFIX, c->read_rev, 0, read_n_done, c))
		read_failed(c, "etcd: cannot read the store (out of memory)");
}

void cl_follow(struct vtapd_cluster *c)
{
	if (c->synced)
		watches_start(c);
	else
		cl_due(&c->due_read, 0);
}

void cl_read_start(struct vtapd_cluster *c)
{
	if (c->reading)
		return;
	watches_stop(c);
	c->synced = false;
	c->reading = true;
	c->sync_gen++;
	if (etcd_range_async(c->e, c->key_g, ETCD_PREFIX, 0, 0, read_g_done, c))
		read_failed(c, "etcd: cannot read the store (out of memory)");
}

static void confirm_done(struct etcd_result *r, void *arg)
{
	struct vtapd_cluster *c = arg;
	struct vtap_store_docs *v = c->confirm_g ? &c->view_g : &c->view_n;

	c->confirming = false;
	if (c->confirm_gen != c->sync_gen || !c->synced) {
		/* a full read came since; done first, it found this confirm
		 * under way and did not settle: now */
		if (c->synced)
			cl_due(&c->due_apply, 0);
		return;
	}
	if (r->err == -ERANGE) {
		resync(c);
		return;
	}
	if (r->err) {
		cl_store_error(c, r->msg);
		cl_due(&c->due_apply, READ_RETRY_MIN_MS);
		return;
	}
	/* its watch may have got there first */
	if (v->rev < c->confirm_rev && vtap_store_docs_load(v, r->kvs, r->n_kvs, c->confirm_rev)) {
		resync(c);
		return;
	}
	cl_due(&c->due_apply, 0);
}

/* bring view (g or n) to revision rev by reading it there */
static void confirm(struct vtapd_cluster *c, bool g, int64_t rev)
{
	c->confirming = true;
	c->confirm_g = g;
	c->confirm_rev = rev;
	c->confirm_gen = c->sync_gen;
	if (etcd_range_async(c->e, g ? c->key_g : c->key_n, ETCD_PREFIX, rev, 0, confirm_done, c)) {
		c->confirming = false;
		cl_due(&c->due_apply, READ_RETRY_MIN_MS);
	}
}

static void persist(struct vtapd_cluster *c);

void cl_settle(struct vtapd_cluster *c)
{
	struct cl_set views = {c->view_g, c->view_n, CL_LIVE};
	int64_t t = c->view_g.rev > c->view_n.rev ? c->view_g.rev : c->view_n.rev;
	uint64_t digest;
	double cpu0;

	if (!c->synced || c->reading || c->confirming)
		return; /* what is under way settles again when it is done */
	if (c->view_g.rev < t || c->view_n.rev < t) {
		confirm(c, c->view_g.rev < t, t);
		return;
	}
	digest = cl_set_digest(&views);
	if (c->offer.src == CL_LIVE && digest == cl_set_digest(&c->offer)) {
		/* the same documents at a later revision: nothing to load; the
		 * state file names the revision the status does */
		c->offer.g.rev = c->offer.n.rev = t;
		if (c->applied.src == CL_LIVE && cl_set_digest(&c->applied) == digest) {
			c->applied.g.rev = c->applied.n.rev = t;
			persist(c);
		}
		cl_changed(c);
		return;
	}
	if (cl_set_copy(&c->offer, &views)) {
		log_err("etcd: out of memory for the store's documents");
		cl_due(&c->due_apply, READ_RETRY_MAX_MS);
		return;
	}
	log_info("etcd: revision %" PRId64 " (%zu + %zu documents): reloading", t, views.g.n,
		 views.n.n);
	cpu0 = cl_cpu_ms();
	vtapd_reload(c->d, NULL);
	c->reload_cpu_ms = cl_cpu_ms() - cpu0;
}

void cl_sync_stop(struct vtapd_cluster *c)
{
	watches_stop(c);
	etcd_result_free(&(struct etcd_result){.kvs = c->read_kvs, .n_kvs = c->read_n});
	c->read_kvs = NULL;
}

int cl_load_persisted(struct vtapd_cluster *c, struct cl_set *out, char *err, size_t errlen)
{
	struct cl_set p = {.src = CL_PERSISTED};

	if (vtap_store_state_load(c->state_path, c->prefix, c->node, &p.g, &p.n, err, errlen))
		return -1;
	cl_set_free(out);
	*out = p;
	c->persisted = true;
	c->persisted_digest = cl_set_digest(out);
	c->persisted_rev = out->g.rev;
	return 0;
}

/* ---- the reload's hooks ---- */

int vtapd_cluster_docs(struct vtapd *d, struct vtap_policy_docs *docs, struct vtap_errors *errs)
{
	struct vtapd_cluster *c = d->cluster;

	if (!c)
		return 0;
	if (vtap_store_docs_to_policy(&c->offer.g, docs, errs) ||
	    vtap_store_docs_to_policy(&c->offer.n, docs, errs))
		return -1;
	return 0;
}

static void strs_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static void strs_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return;
	*v = nv;
	if (((*v)[*n] = strdup(s)))
		(*n)++;
}

static bool from_store(const struct vtap_loc *loc)
{
	return loc->file && !strncmp(loc->file, VTAP_STORE_ORIGIN, sizeof(VTAP_STORE_ORIGIN) - 1);
}

/* a port a store document wants on this node: there, or an error at where
 * it was written */
static void need_port(struct vtapd_cluster *c, const char *port, const char *what,
		      const struct vtap_loc *loc, const struct vtap_loc *port_loc,
		      struct vtap_errors *errs)
{
	if (!from_store(loc) || vtapd_port_by_name(&c->d->ports, port))
		return;
	vtap_errors_add(errs, port_loc->line ? port_loc : loc,
			"%s: port %s is not on this node (%s); a document of %s applies to every "
			"node: give a port only some nodes have under %s/nodes/NODE/policies/",
			what, port, c->node, c->key_g, c->prefix);
	strs_add(&c->missing, &c->n_missing, port);
}

int vtapd_cluster_check(struct vtapd *d, const struct vtap_policy_set *set,
			struct vtap_errors *errs)
{
	struct vtapd_cluster *c = d->cluster;
	char what[VTAP_NAME_MAX + 32];

	if (!c)
		return 0;
	strs_free(&c->missing, &c->n_missing);
	for (size_t i = 0; i < set->n_monitors; i++) {
		const struct vtap_monitor *m = &set->monitors[i];

		snprintf(what, sizeof(what), "monitor %s", m->name);
		if (m->type == VTAP_MONITOR_LOCAL)
			need_port(c, m->port, what, &m->loc, &m->port_loc, errs);
	}
	for (size_t i = 0; i < set->n_receives; i++) {
		const struct vtap_receive *r = &set->receives[i];

		snprintf(what, sizeof(what), "receive of vni %u", r->vni);
		need_port(c, r->port, what, &r->loc, &r->port_loc, errs);
	}
	return c->n_missing ? -1 : 0;
}

static void persist(struct vtapd_cluster *c)
{
	uint64_t digest = cl_set_digest(&c->applied);
	char err[1024];

	/* the same documents at a later revision are written too: a start
	 * without the store says which revision it applies */
	if (c->persisted && digest == c->persisted_digest && c->applied.g.rev == c->persisted_rev)
		return;
	if (vtap_store_state_save(c->state_path, c->prefix, c->node, &c->applied.g, &c->applied.n,
				  err, sizeof(err))) {
		log_warn("cannot persist the set applied (a start without the store will not have "
			 "it): %s",
			 err);
		return;
	}
	c->persisted = true;
	c->persisted_digest = digest;
	c->persisted_rev = c->applied.g.rev;
}

void vtapd_cluster_result(struct vtapd *d, bool ok, const struct vtap_errors *errs)
{
	struct vtapd_cluster *c = d->cluster;

	if (!c)
		return;
	if (ok) {
		if (cl_set_copy(&c->applied, &c->offer))
			log_err("cluster mode: out of memory: the status may name an older set");
		c->applied_at_ms = cl_wall_ms();
		/* the store's set is in effect: no error of an earlier one
		 * holds; a fallback keeps why the store's set is not */
		if (c->offer.src == CL_LIVE) {
			strs_free(&c->errors, &c->n_errors);
			strs_free(&c->missing, &c->n_missing);
			persist(c);
		}
	} else {
		strs_free(&c->errors, &c->n_errors);
		c->rejected_rev = c->offer.src == CL_LIVE ? c->offer.g.rev : 0;
		for (size_t i = 0; errs && i < errs->n && i < CL_ERRORS_KEPT; i++)
			strs_add(&c->errors, &c->n_errors, errs->msgs[i]);
		if (!c->n_errors) /* the kernel's side refused it (reconcile.c) */
			strs_add(&c->errors, &c->n_errors, d->rec.last_error);
		/* a port it needs may come (a VM moved here): try again then */
		if (c->n_missing)
			cl_due(&c->due_ports, PORTS_RETRY_MS);
	}
	cl_changed(c);
}

void cl_ports_retry(struct vtapd_cluster *c)
{
	if (!c->n_missing)
		return;
	for (size_t i = 0; i < c->n_missing; i++) {
		if (!vtapd_port_by_name(&c->d->ports, c->missing[i])) {
			cl_due(&c->due_ports, PORTS_RETRY_MS);
			return;
		}
	}
	log_info("the ports the store's set wants are here now: applying it again");
	vtapd_reload(c->d, NULL);
}
