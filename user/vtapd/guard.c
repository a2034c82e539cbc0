// SPDX-License-Identifier: GPL-2.0
/* Monitor ports that carry the host's own traffic are refused: guard.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include "guard.h"
#include "vtapd.h"
#include "core/log.h"
#include "kernel/host_use.h"

/* The monitors whose port vtap's sink would hold: local, capture, ovs
 * (a vxlan monitor's is vtapd's own VXLAN device). */
static bool has_port(const struct vtap_monitor *m)
{
	return m->port[0] && (m->type == VTAP_MONITOR_LOCAL || m->type == VTAP_MONITOR_CAPTURE ||
			      m->type == VTAP_MONITOR_OVS);
}

/* An event named ifindex (0: events were lost): the verdicts it may have
 * changed are asked again when next needed. */
static void on_news(void *arg, int ifindex)
{
	struct vtapd *d = arg;

	for (size_t i = 0; i < d->ports.n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		if (!ifindex || p->ifindex == ifindex || p->peer_ifindex == ifindex)
			p->use_known = false;
	}
}

int vtapd_guard_open(struct vtapd *d, int epfd)
{
	struct epoll_event ev = {.events = EPOLLIN};

	d->watch = vtap_host_watch_open(on_news, d);
	if (!d->watch) {
		log_err("cannot follow the host's addresses and routes (rtnetlink): %s",
			strerror(errno));
		return -errno;
	}
	ev.data.fd = vtap_host_watch_fd(d->watch);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		log_err("cannot watch rtnetlink: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Ask the kernel about p as m's port; the change, if any, is logged.
 * True when the verdict changed. */
static bool check(struct vtapd_port *p, const struct vtap_monitor *m)
{
	struct vtap_host_use u;
	int ret =
	    vtap_host_use(p->ifindex, m->type == VTAP_MONITOR_OVS ? VTAP_HOST_USE_PEER_OVS : 0, &u);

	if (ret == -ENODEV) /* gone: its RTM_DELLINK is on the way */
		return false;
	if (ret < 0 && p->use_known_once) {
		/* the queries failed: the last verdict stands, and the port is
		 * asked again at the next event or apply */
		log_warn("monitor %s: port %s: %s; keeping its last verdict", m->name, p->name,
			 u.why);
		return false;
	}
	p->use_known = p->use_known_once = ret >= 0;
	p->peer_ifindex = u.peer_ifindex;
	if (!strcmp(p->host_use, u.why))
		return false;
	snprintf(p->host_use, sizeof(p->host_use), "%s", u.why);
	if (u.why[0])
		log_err("monitor %s: refusing port %s: it carries the host's own traffic (%s); the "
			"copies of the monitor's policies are counted as copy failures",
			m->name, p->name, u.why);
	else
		log_info("monitor %s: port %s no longer carries the host's own traffic; copies go "
			 "to it again",
			 m->name, p->name);
	return true;
}

/* set's monitor ports whose verdict is not known: asked. True when one
 * changed. */
static bool check_set(struct vtapd *d, const struct vtap_policy_set *set)
{
	bool changed = false;

	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		struct vtapd_port *p =
		    has_port(mon) ? vtapd_port_by_name(&d->ports, mon->port) : NULL;

		if (p && !p->use_known)
			changed |= check(p, mon);
	}
	return changed;
}

bool vtapd_guard_event(struct vtapd *d, int fd)
{
	int ret;

	if (!d->watch || fd != vtap_host_watch_fd(d->watch))
		return false;
	ret = vtap_host_watch_read(d->watch);
	if (ret)
		log_warn("rtnetlink (addresses, routes): %s; checking every monitor port again",
			 strerror(-ret));
	if (ret)
		on_news(d, 0);
	/* the set in effect: a port that became the host's, or stopped
	 * being it, changes where its copies go */
	if (check_set(d, &d->run.set))
		d->dirty = true;
	return true;
}

void vtapd_guard_check(struct vtapd *d, const struct vtap_policy_set *set)
{
	check_set(d, set);
}

const char *vtapd_guard_refused(struct vtapd *d, const struct vtap_monitor *m)
{
	struct vtapd_port *p = has_port(m) ? vtapd_port_by_name(&d->ports, m->port) : NULL;

	return p && p->host_use[0] ? p->host_use : NULL;
}

bool vtapd_guard_is_peer(struct vtapd *d, const struct vtap_policy_set *set,
			 const struct vtapd_port *p)
{
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		struct vtapd_port *q =
		    has_port(mon) ? vtapd_port_by_name(&d->ports, mon->port) : NULL;

		if (q && q->peer_ifindex && q->peer_ifindex == p->ifindex)
			return true;
	}
	return false;
}

void vtapd_guard_close(struct vtapd *d)
{
	vtap_host_watch_close(d->watch);
	d->watch = NULL;
}
