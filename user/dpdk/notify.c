// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk under systemd (vtap-dpdk@.service, Type=notify), as vtapd
 * (vtapd/notify.h): READY=1 once the first set is in effect and the
 * control socket answers, RELOADING=1 and READY=1 around reloads, STATUS=,
 * STOPPING=1. WATCHDOG=1 comes from the control thread, and only while
 * the forwarding lcore is completing rounds (its epoch moves): a stuck
 * datapath or a stuck control thread both stop the pings. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "core/log.h"
#include "vdp.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void status(struct vdp *v, const char *head)
{
	sd_notifyf(0, "%sSTATUS=%zu polic%s, %zu monitor%s; %d wire%s; last error: %.400s", head,
		   v->set.n_policies, v->set.n_policies == 1 ? "y" : "ies", v->set.n_monitors,
		   v->set.n_monitors == 1 ? "" : "s", v->n_pairs, v->n_pairs == 1 ? "" : "s",
		   v->last_error[0] ? v->last_error : "none");
}

void vdp_notify_ready(struct vdp *v)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		v->wd.half_us = usec / 2;
		v->wd.next_us = now_us() + v->wd.half_us;
		log_info("systemd watchdog: %llu ms", (unsigned long long)usec / 1000);
	}
	v->wd.ready = true;
	status(v, "READY=1\n");
}

int vdp_reload_notified(struct vdp *v, struct sbuf *o)
{
	int ret;

	if (v->wd.ready)
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)now_us());
	ret = vdp_reload(v, o);
	if (v->wd.ready)
		status(v, "READY=1\n");
	return ret;
}

void vdp_notify_tick(struct vdp *v)
{
	uint64_t now, e;

	if (!v->wd.half_us || (now = now_us()) < v->wd.next_us)
		return;
	e = __atomic_load_n(&v->epoch, __ATOMIC_ACQUIRE);
	if (e == v->wd.epoch)
		return; /* the lcore has not gone round since the last ping */
	v->wd.epoch = e;
	v->wd.next_us = now + v->wd.half_us;
	sd_notify(0, "WATCHDOG=1");
}

void vdp_notify_stopping(struct vdp *v)
{
	if (v->wd.ready)
		sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
