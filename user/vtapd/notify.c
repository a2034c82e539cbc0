// SPDX-License-Identifier: GPL-2.0
/* See notify.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "core/log.h"
#include "vtapd.h"
#include "cluster.h"

void vtapd_notify_init(struct vtapd_notify *n)
{
	*n = (struct vtapd_notify){.wd_fd = -1};
}

int vtapd_notify_watchdog(struct vtapd_notify *n, int ep)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r <= 0 || !usec)
		return 0; /* not asked for (or WATCHDOG_PID is another process's) */
	uint64_t half = usec / 2;
	struct itimerspec its = {
	    .it_value = {.tv_sec = (time_t)(half / 1000000),
			 .tv_nsec = (long)(half % 1000000) * 1000},
	};
	its.it_interval = its.it_value;
	n->wd_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (n->wd_fd < 0 || timerfd_settime(n->wd_fd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, n->wd_fd,
		      &(struct epoll_event){.events = EPOLLIN, .data.fd = n->wd_fd})) {
		log_err("cannot set up the watchdog timer: %s", strerror(errno));
		return -1;
	}
	n->wd_usec = usec;
	log_info("systemd watchdog: %llu ms; pinging every %llu ms",
		 (unsigned long long)usec / 1000, (unsigned long long)half / 1000);
	return 0;
}

bool vtapd_notify_event(struct vtapd_notify *n, int fd)
{
	uint64_t exp;

	if (fd < 0 || fd != n->wd_fd)
		return false;
	if (read(fd, &exp, sizeof(exp)) == sizeof(exp))
		sd_notify(0, "WATCHDOG=1");
	return true;
}

/* "3 policies, 2 monitors; 4 ports tapped; last error: ..." */
static void status_line(struct vtapd *d, char *buf, size_t n)
{
	size_t tapped = 0;
	int w;

	for (size_t i = 0; i < d->ports.n; i++)
		tapped += (d->ports.v[i].attached & VTAPD_ATT_TAPS) != 0;
	w = snprintf(buf, n, "%zu polic%s, %zu monitor%s; %zu port%s tapped; ",
		     d->run.set.n_policies, d->run.set.n_policies == 1 ? "y" : "ies",
		     d->run.set.n_monitors, d->run.set.n_monitors == 1 ? "" : "s", tapped,
		     tapped == 1 ? "" : "s");
	if (w < 0 || (size_t)w >= n)
		return;
	/* a long error is cut: the whole one is in vtapctl status */
	snprintf(buf + w, n - (size_t)w, "last error: %.*s", (int)(n - (size_t)w - 13),
		 d->rec.last_error[0] ? d->rec.last_error : "none");
	/* one line: a policy error quoted in it must not end the message */
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = ' ';
}

void vtapd_notify_status(struct vtapd *d)
{
	char now[sizeof(d->notify.status)];

	if (!d->notify.ready)
		return;
	status_line(d, now, sizeof(now));
	if (!strcmp(now, d->notify.status))
		return;
	snprintf(d->notify.status, sizeof(d->notify.status), "%s", now);
	sd_notifyf(0, "STATUS=%s", now);
}

void vtapd_notify_ready(struct vtapd *d)
{
	status_line(d, d->notify.status, sizeof(d->notify.status));
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%d", d->notify.status, (int)getpid());
	d->notify.ready = true;
}

void vtapd_notify_reloading(struct vtapd *d)
{
	struct timespec ts;

	if (!d->notify.ready)
		return;
	/* MONOTONIC_USEC: what systemd 253 and later want with RELOADING=1 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu", vtapd_sources(d),
		   (unsigned long long)ts.tv_sec * 1000000ull +
		       (unsigned long long)ts.tv_nsec / 1000);
}

void vtapd_notify_reloaded(struct vtapd *d)
{
	if (!d->notify.ready)
		return;
	status_line(d, d->notify.status, sizeof(d->notify.status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", d->notify.status);
}

void vtapd_notify_stopping(struct vtapd *d)
{
	if (d->notify.ready)
		sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void vtapd_notify_close(struct vtapd_notify *n)
{
	if (n->wd_fd >= 0)
		close(n->wd_fd);
	n->wd_fd = -1;
}
