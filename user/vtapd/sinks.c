// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks.h"
#include "core/log.h"
#include "kernel/link.h"

static bool needs_sink(const struct vtap_monitor *m)
{
	return m->type == VTAP_MONITOR_CAPTURE || m->type == VTAP_MONITOR_OVS;
}

struct vtapd_sink *vtapd_sink_of(const struct vtapd_sinks *s, const char *monitor)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].monitor, monitor))
			return &s->v[i];
	return NULL;
}

static const char *policy_name(void *arg, uint32_t id)
{
	return vtap_policy_ids_owner(arg, id);
}

static bool same(const struct vtapd_sink *s, const struct vtap_monitor *m)
{
	if (s->type != m->type || strcmp(s->port, m->port))
		return false;
	if (s->cap)
		return vtap_capture_same(s->cap, m);
	if (s->ovs)
		return vtap_ovs_same(s->ovs, m);
	return true;
}

/* remove_ovs: take vtap's port and rules out of OVS; remove: also the
 * veth vtapd made */
static void sink_close(struct vtapd_sink *s, bool remove_ovs, bool remove)
{
	if (s->cap)
		vtap_capture_close(s->cap);
	if (s->ovs)
		vtap_ovs_close(s->ovs, remove_ovs);
	vtap_xsk_tx_close(s->tx);
	s->cap = NULL;
	s->ovs = NULL;
	s->tx = NULL;
	if (remove && vtap_link_is_vtaps(s->port)) {
		int ret = vtap_link_del(s->port);

		if (ret && ret != -ENODEV)
			log_warn("monitor %s: cannot remove the sink veth %s: %s", s->monitor,
				 s->port, strerror(-ret));
		else if (!ret)
			log_info("monitor %s: removed the sink veth %s", s->monitor, s->port);
	}
}

/* The veth, then its reader. On failure the sink stays listed with its
 * error (shown by vtapctl status), and gets no copies. */
static void sink_open(struct vtapd_sink *s, const struct vtap_monitor *m,
		      const struct vtap_policy_ids *names)
{
	int ret = vtap_link_veth_peer(m->port, s->peer);

	s->error[0] = 0;
	if (ret == -ENODEV) {
		vtap_link_peer_name(m->port, s->peer);
		ret = vtap_link_veth_create(m->port, s->peer, VTAP_SINK_MTU);
		if (ret) {
			snprintf(s->error, sizeof(s->error), "cannot create veth %s/%s: %s",
				 m->port, s->peer, strerror(-ret));
			goto fail;
		}
		log_info("monitor %s: created the sink veth %s (peer %s, mtu %d)", m->name, m->port,
			 s->peer, VTAP_SINK_MTU);
	} else if (ret) {
		snprintf(s->error, sizeof(s->error),
			 "port %s is not a veth (a %s monitor reads the peer of a veth)", m->port,
			 vtap_monitor_type_name(m->type));
		goto fail;
	}
	if (m->type == VTAP_MONITOR_CAPTURE)
		ret = vtap_capture_open(&s->cap, m, s->peer, policy_name, (void *)names, s->error,
					sizeof(s->error));
	else
		ret = vtap_ovs_open(&s->ovs, m, s->peer, s->error, sizeof(s->error));
	if (ret)
		goto fail;
	/* the XDP tap's copies: sent out of the sink veth with AF_XDP, to
	 * the same OVS port. Without it the monitor's policies stay on TC */
	if (m->type == VTAP_MONITOR_OVS) {
		char why[256];

		if (vtap_xsk_tx_open(&s->tx, m->port, why, sizeof(why)))
			log_warn("monitor %s: %s; its policies' frames are tapped with TC", m->name,
				 why);
	}
	log_info("monitor %s: %s reads %s", m->name,
		 m->type == VTAP_MONITOR_CAPTURE ? "vtapd's AF_XDP socket" : "Open vSwitch",
		 s->peer);
	return;
fail:
	log_err("monitor %s: %s; its copies are counted as copy failures", m->name, s->error);
}

void vtapd_sinks_prepare(struct vtapd_sinks *s, const struct vtap_policy_set *set,
			 const struct vtap_vxlan_cfg *vx, const struct vtap_policy_ids *names)
{
	vtap_vxlan_prepare(vx, set);
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		struct vtapd_sink *k, *n;

		if (!needs_sink(mon))
			continue;
		k = vtapd_sink_of(s, mon->name);
		if (k && same(k, mon) && !k->error[0])
			continue;
		if (k) {
			/* changed: the old one goes now (its port may be reused);
			 * its OVS port and rules always (another bridge, another
			 * monitor port), its veth if the new one is elsewhere */
			sink_close(k, true, strcmp(k->port, mon->port) != 0);
		} else {
			n = realloc(s->v, (s->n + 1) * sizeof(*n));
			if (!n) {
				log_err("monitor %s: out of memory", mon->name);
				continue;
			}
			s->v = n;
			k = &s->v[s->n++];
			memset(k, 0, sizeof(*k));
			snprintf(k->monitor, sizeof(k->monitor), "%s", mon->name);
		}
		k->type = mon->type;
		snprintf(k->port, sizeof(k->port), "%s", mon->port);
		sink_open(k, mon, names);
	}
}

bool vtapd_sink_takes_ring(const struct vtapd_sinks *s, const struct vtap_monitor *m)
{
	struct vtapd_sink *k = vtapd_sink_of(s, m->name);

	if (!k || k->error[0])
		return false;
	return (m->type == VTAP_MONITOR_CAPTURE && k->cap) ||
	       (m->type == VTAP_MONITOR_OVS && k->ovs && k->tx);
}

bool vtapd_sink_usable(const struct vtapd_sinks *s, const struct vtap_monitor *m)
{
	struct vtapd_sink *k = vtapd_sink_of(s, m->name);

	return k && !k->error[0] && (k->cap || k->ovs);
}

bool vtapd_sinks_is_dev(const struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx,
			const struct vtap_policy_set *set, const char *name)
{
	if (!strcmp(name, vx->dev))
		return true;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].port, name) || !strcmp(s->v[i].peer, name))
			return true;
	for (size_t m = 0; m < set->n_monitors; m++)
		if (set->monitors[m].type != VTAP_MONITOR_LOCAL && set->monitors[m].port[0] &&
		    !strcmp(set->monitors[m].port, name))
			return true;
	return false;
}

bool vtapd_sinks_port_gone(struct vtapd_sinks *s, const char *name)
{
	bool again = false;

	for (size_t i = 0; i < s->n; i++) {
		struct vtapd_sink *k = &s->v[i];

		if (strcmp(k->port, name) && strcmp(k->peer, name))
			continue;
		if (!k->cap && !k->ovs)
			continue;
		log_warn("monitor %s: its sink %s is gone; setting it up again", k->monitor, name);
		/* its OVS port goes; the veth is gone already */
		sink_close(k, true, false);
		snprintf(k->error, sizeof(k->error), "sink %s is gone", name);
		again = true;
	}
	return again;
}

/* Monitors gone from set: no rule points at them any more. True when one
 * shared its port with a sink that is to be made again. */
static bool close_dropped(struct vtapd_sinks *s, const struct vtap_policy_set *set)
{
	bool again = false;

	for (size_t i = 0; i < s->n;) {
		bool found = false, shared = false;

		for (size_t m = 0; m < set->n_monitors && !found; m++)
			found = needs_sink(&set->monitors[m]) &&
				!strcmp(set->monitors[m].name, s->v[i].monitor);
		if (found) {
			i++;
			continue;
		}
		/* a monitor renamed on the same port: the veth stays for the
		 * new one, which may have failed to open beside the old (one
		 * AF_XDP socket per queue) and is retried */
		for (size_t k = 0; k < s->n; k++)
			shared |= k != i && !strcmp(s->v[k].port, s->v[i].port);
		log_info("monitor %s is gone: closing its sink %s", s->v[i].monitor, s->v[i].port);
		sink_close(&s->v[i], true, !shared);
		s->v[i] = s->v[--s->n];
		again |= shared;
	}
	return again;
}

bool vtapd_sinks_applied(struct vtapd_sinks *s, const struct vtap_policy_set *set, const __u32 *ids)
{
	bool again = close_dropped(s, set);

	/* each ovs monitor's sessions: one OpenFlow rule per policy */
	for (size_t i = 0; i < s->n; i++) {
		struct vtapd_sink *k = &s->v[i];
		__u32 *sess;
		size_t n = 0;
		int mi = -1;

		if (!k->ovs)
			continue;
		for (size_t m = 0; m < set->n_monitors; m++)
			if (!strcmp(set->monitors[m].name, k->monitor))
				mi = (int)m;
		sess = calloc(set->n_policies + 1, sizeof(*sess));
		if (!sess)
			continue;
		for (size_t p = 0; p < set->n_policies; p++)
			if (mi >= 0 && vtap_policy_sends_to(set, &set->policies[p], mi))
				sess[n++] = ids[p];
		if (vtap_ovs_set_sessions(k->ovs, sess, n, k->error, sizeof(k->error))) {
			/* without its rules the sink is unusable: the next
			 * reconcile reopens it and, failing, sends it nothing */
			log_err("monitor %s: %s", k->monitor, k->error);
			again = true;
		}
		free(sess);
	}
	return again;
}

bool vtapd_sinks_event(struct vtapd_sinks *s, int fd, uint32_t events)
{
	for (size_t i = 0; i < s->n; i++) {
		struct vtap_capture *c = s->v[i].cap;

		if (!c)
			continue;
		if (fd == vtap_capture_fd(c)) {
			vtap_capture_poll(c);
			return true;
		}
		if (vtap_capture_client_event(c, fd, events))
			return true;
	}
	return false;
}

void vtapd_sinks_close(struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx, bool remove)
{
	for (size_t i = 0; i < s->n; i++)
		sink_close(&s->v[i], remove, remove);
	if (remove)
		vtap_vxlan_remove(vx);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
