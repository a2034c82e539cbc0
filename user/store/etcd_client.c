// SPDX-License-Identifier: GPL-2.0
/* Creating and freeing a client: options, endpoints, the shared headers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/etcd_internal.h"

#define MAX_ENDPOINTS 64

static void set_default(int *v, int def)
{
	if (*v <= 0)
		*v = def;
}

/* one "http[s]://host[:port][/]" of the list: 0, or -EINVAL with a message */
static int check_endpoint(const char *url, size_t idx, char *err, size_t errlen)
{
	const char *host = NULL;

	if (!strncmp(url, "http://", 7))
		host = url + 7;
	else if (!strncmp(url, "https://", 8))
		host = url + 8;
	if (!host) {
		etcd_fmt(err, errlen,
			 "etcd endpoint %zu '%s': not http://HOST:PORT or https://HOST:PORT",
			 idx + 1, url);
		return -EINVAL;
	}
	if (!*host || *host == '/' || strpbrk(host, "/?#@ \t")) {
		etcd_fmt(err, errlen,
			 "etcd endpoint %zu '%s': want http[s]://HOST[:PORT], nothing after",
			 idx + 1, url);
		return -EINVAL;
	}
	return 0;
}

static int parse_endpoints(struct etcd *e, const char *list, char *err, size_t errlen)
{
	char *copy = strdup(list ? list : ""), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	e->ep = calloc(MAX_ENDPOINTS, sizeof(*e->ep));
	if (!e->ep) {
		free(copy);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t len;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		len = strlen(tok);
		while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t' || tok[len - 1] == '/'))
			tok[--len] = '\0';
		if (!len)
			continue;
		if (e->n_ep == MAX_ENDPOINTS) {
			etcd_fmt(err, errlen, "etcd endpoints: more than %d", MAX_ENDPOINTS);
			rc = -EINVAL;
			break;
		}
		rc = check_endpoint(tok, e->n_ep, err, errlen);
		if (rc)
			break;
		e->ep[e->n_ep] = strdup(tok);
		if (!e->ep[e->n_ep++]) {
			rc = -ENOMEM;
			break;
		}
	}
	free(copy);
	if (!rc && !e->n_ep) {
		etcd_fmt(err, errlen, "etcd endpoints: none given (want URL[,URL...])");
		rc = -EINVAL;
	}
	return rc;
}

/* a TLS file given must be readable now, not at the first request */
static int copy_file_opt(char **dst, const char *path, const char *what, char *err, size_t errlen)
{
	if (!path || !*path)
		return 0;
	if (access(path, R_OK)) {
		etcd_fmt(err, errlen, "etcd %s '%s': %s", what, path, strerror(errno));
		return -EINVAL;
	}
	*dst = strdup(path);
	return *dst ? 0 : -ENOMEM;
}

struct etcd *etcd_new(const struct etcd_opts *opts, char *err, size_t errlen)
{
	struct etcd *e = calloc(1, sizeof(*e));
	int rc;

	if (!e) {
		etcd_fmt(err, errlen, "etcd: out of memory");
		return NULL;
	}
	e->epfd = e->tfd = -1;
	etcd_list_init(&e->timers);
	etcd_list_init(&e->reqs);
	etcd_list_init(&e->watches);
	etcd_list_init(&e->leases);
	etcd_list_init(&e->auth_waiters);
	e->auth_retry.fire = etcd_auth_retry_fire;
	e->o = *opts;
	set_default(&e->o.request_timeout_ms, 5000);
	set_default(&e->o.attempt_timeout_ms, 2000);
	set_default(&e->o.connect_timeout_ms, 1000);
	set_default(&e->o.backoff_min_ms, 50);
	set_default(&e->o.backoff_max_ms, 2000);
	set_default(&e->o.watch_idle_ms, 10000);
	if (!e->o.max_response)
		e->o.max_response = 64u << 20;
	if (e->o.backoff_max_ms < e->o.backoff_min_ms)
		e->o.backoff_max_ms = e->o.backoff_min_ms;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		etcd_fmt(err, errlen, "etcd: libcurl failed to initialise");
		free(e);
		return NULL;
	}
	err[0] = '\0';
	rc = parse_endpoints(e, opts->endpoints, err, errlen);
	if (!rc)
		rc = copy_file_opt(&e->cacert, opts->cacert, "cacert", err, errlen);
	if (!rc)
		rc = copy_file_opt(&e->cert, opts->cert, "cert", err, errlen);
	if (!rc)
		rc = copy_file_opt(&e->key, opts->key, "key", err, errlen);
	if (!rc && opts->user && *opts->user &&
	    (!(e->user = strdup(opts->user)) ||
	     !(e->password = strdup(opts->password ? opts->password : ""))))
		rc = -ENOMEM;
	e->o.endpoints = e->o.cacert = e->o.cert = e->o.key = NULL;
	e->o.user = e->o.password = NULL;
	if (!rc) {
		/* hasleader: etcd refuses at once, and ends watch streams, on a
		 * member that has lost its leader, instead of stalling (what
		 * clientv3's WithRequireLeader sends); Expect: no 100-continue
		 * round trip before large bodies */
		e->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		if (e->hdrs)
			e->hdrs = curl_slist_append(e->hdrs, "Grpc-Metadata-hasleader: true");
		if (e->hdrs)
			e->hdrs = curl_slist_append(e->hdrs, "Expect:");
		rc = e->hdrs ? etcd_loop_init(e) : -ENOMEM;
		if (rc && !err[0])
			etcd_fmt(err, errlen, "etcd: %s", strerror(-rc));
	}
	if (rc) {
		if (!err[0])
			etcd_fmt(err, errlen, "etcd: %s", strerror(-rc));
		etcd_free(e);
		return NULL;
	}
	return e;
}

void etcd_free(struct etcd *e)
{
	size_t i;

	if (!e)
		return;
	etcd_watches_sweep(e, true);
	etcd_leases_sweep(e, true);
	while (etcd_list_linked(&e->reqs))
		etcd_req_cancel(etcd_of(e->reqs.next, struct etcd_req, link));
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->epfd >= 0)
		close(e->epfd);
	if (e->tfd >= 0)
		close(e->tfd);
	curl_slist_free_all(e->hdrs);
	etcd_auth_free(e);
	for (i = 0; i < e->n_ep; i++)
		free(e->ep[i]);
	free(e->ep);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e);
	curl_global_cleanup();
}

size_t etcd_endpoint_count(const struct etcd *e)
{
	return e->n_ep;
}

const char *etcd_endpoint(const struct etcd *e, size_t i)
{
	return i < e->n_ep ? e->ep[i] : NULL;
}
