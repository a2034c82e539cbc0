// SPDX-License-Identifier: GPL-2.0
/* See metrics_http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/log.h"
#include "metrics_http.h"

/* scrapers are few (a Prometheus or two, curl); an idle one is dropped */
#define METRICS_MAX_CONN     16
#define METRICS_IDLE_TIMEOUT 10 /* seconds */

struct vtap_metrics_http {
	struct MHD_Daemon *mhd;
	int listen_fd;
	vtap_metrics_render_fn render;
	void *arg;
	char addr[64];
};

int vtap_metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			    size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') { /* [IPv6]:PORT */
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "%s: expected [IPV6]:PORT", s);
			return -1;
		}
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, errlen, "%s: expected ADDR:PORT (127.0.0.1:9750, [::1]:9750)",
				 s);
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= sizeof(host)) {
		snprintf(err, errlen, "%s: no address before the port", s);
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535) {
		snprintf(err, errlen, "%s: the port must be a number from 1 to 65535", s);
		return -1;
	}
	if (*s != '[') {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1) {
			snprintf(err, errlen,
				 "%s: '%s' is not an IPv4 address (IPv6: [ADDR]:PORT; no names)", s,
				 host);
			return -1;
		}
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1) {
		snprintf(err, errlen, "%s: '%s' is not an IPv6 address", s, host);
		return -1;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*in6);
	return 0;
}

int vtap_metrics_addr_check(const char *prog, const char *value)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];

	if (!vtap_metrics_addr_parse(value, &ss, &len, why, sizeof(why)))
		return 0;
	fprintf(stderr, "%s: --metrics %s\n", prog, why);
	return -1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	static const char not_found[] = "vtap: only /metrics is served here\n";
	static const char bad_method[] = "vtap: GET /metrics\n";
	struct vtap_metrics_http *h = cls;
	struct sbuf o = {0};

	(void)version;
	(void)upload;
	if (*upload_size) /* a body (POST...): not ours */
		return MHD_NO;
	if (!*req) { /* the headers only: answer once they are all in */
		*req = h;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", (char *)bad_method,
			     sizeof(bad_method) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", (char *)not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (h->render(h->arg, &o) || o.oom) {
		static const char failed[] = "vtap: the metrics could not be gathered\n";

		sbuf_free(&o);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", (char *)failed,
			     sizeof(failed) - 1, MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", o.s, o.len,
		     MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char msg[512];

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	log_warn("metrics: %s", msg);
}

struct vtap_metrics_http *vtap_metrics_http_open(const char *addr, vtap_metrics_render_fn render,
						 void *arg, char *err, size_t errlen)
{
	struct vtap_metrics_http *h;
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (vtap_metrics_addr_parse(addr, &ss, &len, err, errlen))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "%s: out of memory", addr);
		return NULL;
	}
	h->render = render;
	h->arg = arg;
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	h->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (h->listen_fd < 0)
		goto fail;
	setsockopt(h->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(h->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->listen_fd, (struct sockaddr *)&ss, len) || listen(h->listen_fd, 16))
		goto fail;
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0,
				  NULL, NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CONN,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_IDLE_TIMEOUT,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errlen, "%s: the HTTP server (libmicrohttpd) did not start", addr);
		close(h->listen_fd);
		free(h);
		return NULL;
	}
	return h;
fail:
	snprintf(err, errlen, "%s: cannot listen: %s", addr, strerror(errno));
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	free(h);
	return NULL;
}

int vtap_metrics_http_fd(const struct vtap_metrics_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

void vtap_metrics_http_run(struct vtap_metrics_http *h)
{
	MHD_run(h->mhd);
}

int vtap_metrics_http_timeout_ms(struct vtap_metrics_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void vtap_metrics_http_close(struct vtap_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd); /* closes the listening socket too */
	free(h);
}
