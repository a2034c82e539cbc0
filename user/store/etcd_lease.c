// SPDX-License-Identifier: GPL-2.0
/* A lease kept alive from the loop: grant, then a keepalive every TTL/3.
 * A keepalive that fails (store away) is retried with backoff; when etcd
 * answers that the lease is gone (TTL 0: it expired while the store could
 * not be reached, or someone revoked it), a new lease is granted and the
 * caller told, so it puts its keys again under the new one. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/log.h"
#include "store/etcd_internal.h"

struct etcd_lease {
	struct etcd *e;
	struct etcd_list link; /* in e->leases */
	int64_t want_ttl;      /* asked for, seconds */
	int64_t id, ttl;       /* granted: 0 while there is none */
	int64_t expired;       /* the id etcd said had expired, for the next note */
	struct etcd_timer tick;
	struct etcd_req *inflight;
	int fails; /* in a row, for the backoff */
	bool dead; /* stopped from a callback: freed by the sweep */
	etcd_lease_fn fn;
	void *arg;
};

static void send_next(struct etcd_lease *l);

static uint64_t keepalive_interval(const struct etcd_lease *l)
{
	uint64_t ms = (uint64_t)l->ttl * 1000 / 3;

	return ms < 100 ? 100 : ms;
}

/* a failure: tell the caller, try again after a backoff (never later than
 * the keepalive would have been due) */
static void failed(struct etcd_lease *l, const char *msg)
{
	uint64_t wait = etcd_backoff(l->e, ++l->fails);

	if (l->ttl && wait > keepalive_interval(l))
		wait = keepalive_interval(l);
	l->fn(l, ETCD_LEASE_ERROR, l->id, msg, l->arg);
	if (!l->dead)
		etcd_timer_arm(l->e, &l->tick, wait);
}

static void grant_done(struct etcd_result *r, void *arg)
{
	struct etcd_lease *l = arg;
	char msg[96];

	l->inflight = NULL;
	if (r->err) {
		failed(l, r->msg);
		return;
	}
	if (r->lease_id <= 0 || r->ttl <= 0) {
		failed(l, "etcd lease grant: an answer without a lease ID or TTL");
		return;
	}
	l->id = r->lease_id;
	l->ttl = r->ttl;
	l->fails = 0;
	if (l->expired)
		etcd_fmt(msg, sizeof(msg), "lease %" PRId64 " expired; granted %" PRId64,
			 l->expired, l->id);
	l->fn(l, ETCD_LEASE_GRANTED, l->id, l->expired ? msg : NULL, l->arg);
	l->expired = 0;
	if (!l->dead)
		etcd_timer_arm(l->e, &l->tick, keepalive_interval(l));
}

static void keepalive_done(struct etcd_result *r, void *arg)
{
	struct etcd_lease *l = arg;

	l->inflight = NULL;
	if (r->err && r->err != -ENOENT) {
		failed(l, r->msg);
		return;
	}
	if (r->err || r->ttl <= 0) {
		/* gone: a new lease, at once */
		l->expired = l->id;
		l->id = 0;
		l->ttl = 0;
		send_next(l);
		return;
	}
	l->fails = 0;
	etcd_timer_arm(l->e, &l->tick, keepalive_interval(l));
}

static void send_next(struct etcd_lease *l)
{
	struct etcd *e = l->e;
	char subject[24];

	if (!l->id) {
		l->inflight = etcd_req_start(e, ETCD_CALL_GRANT, NULL, etcd_body_grant(l->want_ttl),
					     -1, 0, grant_done, l);
	} else {
		etcd_fmt(subject, sizeof(subject), "%" PRId64, l->id);
		/* no longer than the interval: a store that does not answer
		 * is reported while the lease still has time to run */
		uint64_t t = keepalive_interval(l);

		l->inflight =
		    etcd_req_start(e, ETCD_CALL_KEEPALIVE, subject, etcd_body_lease_id(l->id), -1,
				   t < 500 ? 500 : (int)t, keepalive_done, l);
	}
	if (!l->inflight)
		etcd_timer_arm(e, &l->tick, (uint64_t)e->o.backoff_max_ms);
}

static void tick_fire(struct etcd_timer *t)
{
	send_next(etcd_of(t, struct etcd_lease, tick));
}

struct etcd_lease *etcd_lease_start(struct etcd *e, int64_t ttl_s, etcd_lease_fn fn, void *arg)
{
	struct etcd_lease *l;

	if (ttl_s <= 0)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->e = e;
	l->want_ttl = ttl_s;
	l->fn = fn;
	l->arg = arg;
	l->tick.fire = tick_fire;
	etcd_list_add(&e->leases, &l->link);
	send_next(l);
	return l;
}

int64_t etcd_lease_id(const struct etcd_lease *l)
{
	return l->id;
}

int64_t etcd_lease_ttl(const struct etcd_lease *l)
{
	return l->ttl;
}

static void lease_free(struct etcd_lease *l)
{
	struct etcd *e = l->e;

	if (l->inflight)
		etcd_req_cancel(l->inflight);
	etcd_timer_cancel(e, &l->tick);
	etcd_list_del(&l->link);
	free(l);
}

void etcd_lease_stop(struct etcd_lease *l, bool revoke)
{
	struct etcd *e;

	if (!l)
		return;
	e = l->e;
	if (l->inflight) {
		etcd_req_cancel(l->inflight);
		l->inflight = NULL;
	}
	etcd_timer_cancel(e, &l->tick);
	if (revoke && l->id) {
		char subject[24];

		etcd_fmt(subject, sizeof(subject), "%" PRId64, l->id);
		if (e->depth) {
			etcd_req_start(e, ETCD_CALL_REVOKE, subject, etcd_body_lease_id(l->id), -1,
				       0, NULL, NULL);
		} else {
			struct etcd_result res;

			if (etcd_lease_revoke(e, l->id, &res))
				log_warn("%s", res.msg);
			etcd_result_free(&res);
		}
	}
	if (e->depth) {
		l->dead = true;
		e->dirty = true;
		return;
	}
	lease_free(l);
}

void etcd_leases_sweep(struct etcd *e, bool all)
{
	struct etcd_list *p, *next;

	for (p = e->leases.next; p != &e->leases; p = next) {
		struct etcd_lease *l = etcd_of(p, struct etcd_lease, link);

		next = p->next;
		if (all || l->dead)
			lease_free(l);
	}
}
