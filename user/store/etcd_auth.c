// SPDX-License-Identifier: GPL-2.0
/* etcd's authentication through the gateway: POST /v3/auth/authenticate
 * with opts.user and opts.password gives a token that every later request
 * and watch carries ("Authorization: TOKEN", which the gateway hands to
 * etcd as gRPC metadata). One authentication at a time: what needs a token
 * meanwhile waits for it. etcd forgets simple tokens after 5 minutes
 * unused and at a restart, and JWT tokens expire: a request or watch that
 * etcd answers "invalid auth token" drops the token and waits for a new
 * one, once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/etcd_internal.h"

static void wake(struct etcd *e, int err, const char *msg)
{
	/* each waiter is off the list before it runs: it may park again */
	while (etcd_list_linked(&e->auth_waiters)) {
		struct etcd_auth_wait *w =
		    etcd_of(e->auth_waiters.next, struct etcd_auth_wait, link);

		etcd_list_del(&w->link);
		w->ready(w, err, msg);
	}
}

/* the headers with the token stop being used; transfers under way may
 * still point at them: kept until etcd_free() */
static int retire_headers(struct etcd *e)
{
	struct curl_slist **old;

	if (!e->auth_hdrs)
		return 0;
	old = realloc(e->old_hdrs, (e->n_old_hdrs + 1) * sizeof(*old));
	if (!old)
		return -ENOMEM;
	e->old_hdrs = old;
	e->old_hdrs[e->n_old_hdrs++] = e->auth_hdrs;
	e->auth_hdrs = NULL;
	return 0;
}

/* the token in the headers of the transfers that start from now on */
static int set_token(struct etcd *e, const char *token)
{
	struct curl_slist *h = NULL;
	char *line = malloc(strlen(token) + sizeof("Authorization: "));

	if (!line || retire_headers(e)) {
		free(line);
		return -ENOMEM;
	}
	sprintf(line, "Authorization: %s", token);
	for (const struct curl_slist *p = e->hdrs; p; p = p->next)
		if (!(h = curl_slist_append(h, p->data)))
			break;
	if (h)
		h = curl_slist_append(h, line);
	free(line);
	if (!h)
		return -ENOMEM;
	e->auth_hdrs = h;
	free(e->token);
	e->token = strdup(token);
	e->token_gen++;
	return e->token ? 0 : -ENOMEM;
}

static void auth_done(struct etcd_result *r, void *arg)
{
	struct etcd *e = arg;
	int err = r->err;

	e->auth_req = NULL;
	if (!err)
		err = set_token(e, r->token);
	wake(e, err, err && !r->err ? "out of memory" : r->msg);
}

bool etcd_auth_ready(struct etcd *e, struct etcd_auth_wait *w)
{
	if (!e->user || e->token)
		return true;
	if (!etcd_list_linked(&w->link))
		etcd_list_add(&e->auth_waiters, &w->link);
	if (!e->auth_req) {
		e->auth_req =
		    etcd_req_start(e, ETCD_CALL_AUTH, e->user, etcd_body_auth(e->user, e->password),
				   -1, 0, auth_done, e);
		/* out of memory: the waiters hear it from the next dispatch */
		if (!e->auth_req)
			etcd_timer_arm(e, &e->auth_retry, 0);
	}
	return false;
}

/* etcd_req_start failed for want of memory: tell the waiters, from the loop */
void etcd_auth_retry_fire(struct etcd_timer *t)
{
	struct etcd *e = etcd_of(t, struct etcd, auth_retry);

	wake(e, -ENOMEM, "etcd authenticate: out of memory");
}

void etcd_auth_refused(struct etcd *e, unsigned gen)
{
	if (!e->user || !e->token || gen != e->token_gen)
		return;
	free(e->token);
	e->token = NULL;
	/* the authentication must not carry the refused token: etcd checks
	 * it there too (and refuses again) */
	if (retire_headers(e))
		e->auth_hdrs = NULL; /* out of memory: left, not freed under a transfer */
}

struct curl_slist *etcd_auth_headers(const struct etcd *e)
{
	return e->auth_hdrs ? e->auth_hdrs : e->hdrs;
}

void etcd_auth_free(struct etcd *e)
{
	for (size_t i = 0; i < e->n_old_hdrs; i++)
		curl_slist_free_all(e->old_hdrs[i]);
	free(e->old_hdrs);
	curl_slist_free_all(e->auth_hdrs);
	free(e->token);
	free(e->user);
	if (e->password) {
		/* not left in freed memory */
		memset(e->password, 0, strlen(e->password));
		free(e->password);
	}
}
