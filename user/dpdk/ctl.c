// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's control thread: it runs the control server vtapd runs
 * (ctl/server.h: root only, never blocked by a client) over the commands of
 * views.c, and applies the reloads SIGHUP asks for. The lcore is never
 * involved: answers and reloads take v->lock, as telemetry does. */
#include <poll.h>
#include "core/log.h"
#include "ctl/metrics_http.h"
#include "ctl/server.h"
#include "vdp.h"

static struct vtap_ctl_server *ctl_srv;
static pthread_t ctl_thread;
volatile int vdp_reload_requested; /* SIGHUP */

static void *ctl_main(void *arg)
{
	struct vdp *v = arg;
	struct pollfd pfd[2] = {
	    {.fd = vtap_ctl_server_fd(ctl_srv), .events = POLLIN},
	    {.fd = v->metrics ? vtap_metrics_http_fd(v->metrics) : -1, .events = POLLIN}};

	while (!v->quit) {
		/* 100 ms: how soon a SIGHUP or a stop is noticed */
		int wait = v->metrics ? vtap_metrics_http_timeout_ms(v->metrics) : -1;
		int r = poll(pfd, 2, wait >= 0 && wait < 100 ? wait : 100);

		/* a monitor port going down or up moves the flows of the
		 * groups it is a member of: the rules are compiled again */
		uint32_t down = vdp_monitors_down(v);

		vdp_notify_tick(v);
		if (vdp_reload_requested || down != v->mon_down) {
			vdp_reload_requested = 0;
			v->mon_down = down; /* once per change, even if the reload fails */
			pthread_mutex_lock(&v->lock);
			vdp_reload_notified(v, NULL);
			pthread_mutex_unlock(&v->lock);
		}
		if (v->metrics) { /* a scrape, or idle scrapers to time out */
			pthread_mutex_lock(&v->lock);
			vtap_metrics_http_run(v->metrics);
			pthread_mutex_unlock(&v->lock);
		}
		if (r > 0 && pfd[0].revents) {
			pthread_mutex_lock(&v->lock);
			vtap_ctl_server_run(ctl_srv);
			pthread_mutex_unlock(&v->lock);
			if (vtap_ctl_server_quit(ctl_srv))
				v->quit = 1; /* vtapctl teardown */
		}
	}
	return NULL;
}

int vdp_ctl_start(struct vdp *v)
{
	vdp_telemetry_register(v);
	ctl_srv = vtap_ctl_server_open(&(struct vtap_ctl_server_conf){
	    .path = v->socket_path, .name = "vtap-dpdk", .table = &vdp_ctl_table, .srv = v});
	if (!ctl_srv)
		return -1;
	if (pthread_create(&ctl_thread, NULL, ctl_main, v)) {
		log_err("cannot start the control thread");
		vtap_ctl_server_close(ctl_srv);
		ctl_srv = NULL;
		return -1;
	}
	return 0;
}

void vdp_ctl_stop(struct vdp *v)
{
	if (!ctl_srv)
		return;
	v->quit = 1;
	pthread_join(ctl_thread, NULL);
	vtap_ctl_server_close(ctl_srv);
	ctl_srv = NULL;
}
