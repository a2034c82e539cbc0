// SPDX-License-Identifier: GPL-2.0
/* The control socket's side of the sinks: a live capture (`vtapctl
 * capture`) takes over its client's connection. (The sinks' state and
 * counters are rendered by views.c.) */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vtapd.h"
#include "core/log.h"

int vtapd_capture_client(struct vtapd *d, int fd, const char *policy, uint64_t count,
			 struct sbuf *err)
{
	const struct vtap_policy *p = NULL;
	const struct vtap_monitor *m;
	struct vtapd_sink *s;
	size_t i;
	int ret;

	for (i = 0; i < d->run.set.n_policies && !p; i++)
		if (!strcmp(d->run.set.policies[i].name, policy))
			p = &d->run.set.policies[i];
	if (!p) {
		sbuf_printf(err, "no policy named %s\n", policy);
		return -1;
	}
	if (p->monitor_idx < 0) {
		sbuf_printf(err, "policy %s has no monitor (a skip rule)\n", policy);
		return -1;
	}
	m = &d->run.set.monitors[p->monitor_idx];
	if (m->type != VTAP_MONITOR_CAPTURE) {
		sbuf_printf(err,
			    "policy %s sends its copies to monitor %s (type %s); vtapctl capture "
			    "needs a monitor of type capture\n",
			    policy, m->name, vtap_monitor_type_name(m->type));
		return -1;
	}
	s = vtapd_sink_of(&d->sinks, m->name);
	if (!s || !s->cap) {
		sbuf_printf(err, "monitor %s is not capturing: %s\n", m->name,
			    s && s->error[0] ? s->error : "not set up");
		return -1;
	}
	if (write(fd, "ok\n", 3) != 3) {
		sbuf_printf(err, "client went away\n");
		return -1;
	}
	ret = vtap_capture_add_client(s->cap, fd, d->run.ids[i - 1], p->name, p->snaplen, count);
	if (ret) {
		sbuf_printf(err, "cannot stream: %s\n", strerror(-ret));
		return -1;
	}
	log_info("live capture of policy %s started", p->name);
	return 0;
}
