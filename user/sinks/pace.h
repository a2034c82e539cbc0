/* SPDX-License-Identifier: GPL-2.0 */
/* How vtapd's readers of copies (a capture's AF_XDP socket, the XDP tap's
 * ring buffer) are woken: by the source while it is quiet, by a timer of
 * their own while it is busy.
 *
 * Every wake-up of a sleeping reader is paid by whoever delivers the copy:
 * the kernel path that made it, on the tapped VM's CPU (an AF_XDP socket
 * wakes its reader after each NAPI poll; a ring buffer when its reader has
 * caught up). At high rates that was the largest single cost of a capture
 * copy (docs/architecture.md, "Where a user-space sink's time goes").
 * So once a read finds a batch, the reader stops listening to the source
 * (out of the epoll: the source finds no waiter and skips its wake-up
 * path) and reads again when its timer fires, on its own CPU; the period
 * adapts so a period's copies fill at most a quarter of the source's ring.
 * A read that finds (almost) nothing at the longest period hands the
 * reader back to the source. Level-triggered epoll checks the source
 * when it is added again, so a copy that came meanwhile is never left
 * waiting. */
#ifndef VTAP_SINKS_PACE_H
#define VTAP_SINKS_PACE_H

#include <stdbool.h>
#include <stdint.h>

/* A read of at least this many copies starts pacing. */
#define VTAP_PACE_BUSY 16u
/* Paced at the longest period, a read of fewer ends it. */
#define VTAP_PACE_QUIET	 4u
#define VTAP_PACE_MIN_US 50u
#define VTAP_PACE_MAX_US 1000u

struct vtap_pace {
	int ep;	      /* the event loop's epoll (-1: none, never paced) */
	int src_fd;   /* the source, EPOLLIN while quiet */
	int timer_fd; /* the reader's own tick while busy */
	uint32_t period_us;
	bool paced;
	uint64_t ticks, wakeups; /* reads by timer, by the source */
};

/* Watch src_fd in ep (EPOLLIN, data.fd = src_fd) and add the timer (data.fd
 * = its fd). 0 or -errno. */
int vtap_pace_init(struct vtap_pace *p, int ep, int src_fd);
/* Is fd the source's or the timer's? Then the reader reads now (a timer
 * expiry is consumed here). */
bool vtap_pace_owns(struct vtap_pace *p, int fd);
/* After a read that took n copies from a source holding up to cap: keep
 * pacing, start or stop. */
void vtap_pace_after(struct vtap_pace *p, unsigned int n, unsigned int cap);
/* The same, when the reader still holds copies it could not pass on (an
 * AF_XDP TX whose device had no room for a burst of segments): paced as a
 * read of a quarter of the source at least, so its timer ticks at the
 * fastest period and sends them whether more copies come or not. */
void vtap_pace_after_pending(struct vtap_pace *p, unsigned int n, unsigned int cap);
/* Both fds out of the epoll; the timer closed (the source is the caller's). */
void vtap_pace_fini(struct vtap_pace *p);

#endif
