/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd under systemd (Type=notify, sd_notify(3)): READY=1 once the first
 * policy set is applied and the control socket answers; RELOADING=1 and
 * READY=1 around every reload after that (SIGHUP, the policy files
 * changing, `vtapctl reload`); a STATUS= line (policies, ports, last error)
 * sent whenever it changes; WATCHDOG=1 at half the interval systemd asks
 * for (WatchdogSec), from a timer in the event loop, so a loop that is
 * stuck stops the pings and systemd restarts vtapd; STOPPING=1 on exit.
 * Without NOTIFY_SOCKET (not started by systemd) all of it does nothing. */
#ifndef VTAP_VTAPD_NOTIFY_H
#define VTAP_VTAPD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct vtapd;

struct vtapd_notify {
	int wd_fd;	   /* timerfd of the watchdog pings; -1: no watchdog */
	uint64_t wd_usec;  /* systemd's interval (WATCHDOG_USEC) */
	bool ready;	   /* READY=1 was sent: later reloads are announced */
	char status[1200]; /* the STATUS= text last sent */
};

void vtapd_notify_init(struct vtapd_notify *n);
/* The watchdog timer, into the event loop ep (when systemd asks for one) */
int vtapd_notify_watchdog(struct vtapd_notify *n, int ep);
/* fd was the watchdog timer's: ping. false: not ours. */
bool vtapd_notify_event(struct vtapd_notify *n, int fd);
void vtapd_notify_ready(struct vtapd *d);
/* around a reload (nothing before READY=1: the first set is the start) */
void vtapd_notify_reloading(struct vtapd *d);
void vtapd_notify_reloaded(struct vtapd *d);
/* STATUS=, when it changed since it was last sent */
void vtapd_notify_status(struct vtapd *d);
void vtapd_notify_stopping(struct vtapd *d);
void vtapd_notify_close(struct vtapd_notify *n);

#endif
