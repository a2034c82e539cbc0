// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "pace.h"
#include "core/log.h"

static void watch(struct vtap_pace *p, int fd, uint32_t events, int op)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};

	if (p->ep >= 0 && epoll_ctl(p->ep, op, fd, &ev))
		log_debug("epoll_ctl(%d, fd %d): %s", op, fd, strerror(errno));
}

int vtap_pace_init(struct vtap_pace *p, int ep, int src_fd)
{
	*p = (struct vtap_pace){.ep = ep, .src_fd = src_fd, .timer_fd = -1};
	watch(p, src_fd, EPOLLIN, EPOLL_CTL_ADD);
	if (ep < 0)
		return 0;
	p->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->timer_fd < 0)
		return -errno;
	watch(p, p->timer_fd, EPOLLIN, EPOLL_CTL_ADD);
	return 0;
}

bool vtap_pace_owns(struct vtap_pace *p, int fd)
{
	uint64_t n;

	if (fd == p->src_fd) {
		p->wakeups++;
		return true;
	}
	if (fd < 0 || fd != p->timer_fd)
		return false;
	if (read(fd, &n, sizeof(n)) == sizeof(n))
		p->ticks++;
	return true;
}

static void arm(struct vtap_pace *p)
{
	struct itimerspec t = {.it_value.tv_nsec = (long)p->period_us * 1000};

	timerfd_settime(p->timer_fd, 0, &t, NULL);
}

void vtap_pace_after(struct vtap_pace *p, unsigned int n, unsigned int cap)
{
	if (p->timer_fd < 0)
		return;
	if (!p->paced) {
		if (n < VTAP_PACE_BUSY)
			return; /* the source wakes the reader, copy by copy */
		p->paced = true;
		p->period_us = VTAP_PACE_MIN_US * 4;
		/* out of the epoll, not just without events: the source then
		 * finds no waiter at all and skips the wake-up path */
		watch(p, p->src_fd, 0, EPOLL_CTL_DEL);
	} else if (n >= cap / 4) {
		/* a quarter of the ring in one period: tick faster */
		p->period_us =
		    p->period_us / 2 < VTAP_PACE_MIN_US ? VTAP_PACE_MIN_US : p->period_us / 2;
	} else if (n < cap / 16 && p->period_us < VTAP_PACE_MAX_US) {
		p->period_us =
		    p->period_us * 2 > VTAP_PACE_MAX_US ? VTAP_PACE_MAX_US : p->period_us * 2;
	} else if (n < VTAP_PACE_QUIET && p->period_us >= VTAP_PACE_MAX_US) {
		/* quiet: the source wakes the reader again (level-triggered,
		 * so what came since this read is reported at once) */
		p->paced = false;
		watch(p, p->src_fd, EPOLLIN, EPOLL_CTL_ADD);
		return;
	}
	arm(p);
}

void vtap_pace_after_pending(struct vtap_pace *p, unsigned int n, unsigned int cap)
{
	unsigned int fast = cap / 4 > VTAP_PACE_BUSY ? cap / 4 : VTAP_PACE_BUSY;

	vtap_pace_after(p, n > fast ? n : fast, cap);
}

void vtap_pace_fini(struct vtap_pace *p)
{
	if (p->src_fd >= 0 && !p->paced)
		watch(p, p->src_fd, 0, EPOLL_CTL_DEL);
	if (p->timer_fd >= 0) {
		watch(p, p->timer_fd, 0, EPOLL_CTL_DEL);
		close(p->timer_fd);
	}
	p->src_fd = p->timer_fd = -1;
	p->paced = false;
}
