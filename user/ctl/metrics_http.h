/* SPDX-License-Identifier: GPL-2.0 */
/* The /metrics endpoint of `--metrics ADDR:PORT` (libmicrohttpd), run from
 * the daemon's own loop: no thread of its own. The daemon watches one fd
 * (MHD's epoll set) and calls run when it is readable, and again after
 * timeout_ms, so a scrape's render callback runs on the daemon's thread,
 * beside its other work, with no lock (vtap-dpdk: its control thread,
 * under the lock its answers take). */
#ifndef VTAP_USER_CTL_METRICS_HTTP_H
#define VTAP_USER_CTL_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>
#include "core/sbuf.h"

struct vtap_metrics_http;

/* render writes the exposition into o; -1: answer 500 */
typedef int (*vtap_metrics_render_fn)(void *arg, struct sbuf *o);

/* ADDR:PORT: an IPv4 address or a bracketed IPv6 one, and a port from 1 to
 * 65535 ("127.0.0.1:9750", "[::1]:9750", "0.0.0.0:9750"). 0, or -1 with
 * the reason in err. */
int vtap_metrics_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			    size_t errlen);
/* The same for a command line: -1 after "PROG: --metrics VALUE: why" on
 * standard error. */
int vtap_metrics_addr_check(const char *prog, const char *value);
/* Bind and listen on addr now (a port in use fails here, at start-up) and
 * serve GET /metrics from render(arg). NULL with the reason in err. */
struct vtap_metrics_http *vtap_metrics_http_open(const char *addr, vtap_metrics_render_fn render,
						 void *arg, char *err, size_t errlen);
int vtap_metrics_http_fd(const struct vtap_metrics_http *h);
/* Serve what is ready; never blocks. */
void vtap_metrics_http_run(struct vtap_metrics_http *h);
/* When run must be called at the latest (idle connections time out), in
 * milliseconds; -1: no deadline. */
int vtap_metrics_http_timeout_ms(struct vtap_metrics_http *h);
void vtap_metrics_http_close(struct vtap_metrics_http *h);

#endif
