// SPDX-License-Identifier: GPL-2.0
/* vtapd's capture and ovs monitors: the sink veth (made when absent), and
 * what reads its peer — vtapd's own AF_XDP socket (capture) or an Open
 * vSwitch port with the OpenFlow rules that carry each session on (ovs). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sinks/capture.h"
#include "daemon.h"
#include "kernel/link.h"
#include "core/log.h"
#include "sinks/ovs.h"

/* A link vtapd made, into its port list at once (rtnetlink's event for it
 * comes later and finds it known). */
static void note_link(struct vtapd *d, const char *name)
{
	unsigned int ifindex = if_nametoindex(name);

	if (ifindex)
		vtapd_link_event(d, (int)ifindex, name, 1, 0);
}

static bool needs_sink(const struct vtap_monitor *m)
{
	return m->type == VTAP_MONITOR_CAPTURE || m->type == VTAP_MONITOR_OVS;
}

static struct vtapd_sink *sink_by_monitor(struct vtapd *d, const char *name)
{
	for (size_t i = 0; i < d->n_sinks; i++)
		if (!strcmp(d->sinks[i].monitor, name))
			return &d->sinks[i];
	return NULL;
}

static const char *policy_name(void *arg, uint32_t id)
{
	struct vtapd *d = arg;

	return id < VTAP_MAX_RULES ? d->id_name[id] : NULL;
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
static void sink_close2(struct vtapd_sink *s, bool remove_ovs, bool remove);

static void sink_close(struct vtapd_sink *s, bool remove)
{
	sink_close2(s, remove, remove);
}

static void sink_close2(struct vtapd_sink *s, bool remove_ovs, bool remove)
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
static void sink_open(struct vtapd *d, struct vtapd_sink *s, const struct vtap_monitor *m)
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
		log_info("monitor %s: created the sink veth %s (peer %s, mtu %d)", m->name,
			 m->port, s->peer, VTAP_SINK_MTU);
		/* known now, not when rtnetlink tells: this reconcile puts the
		 * sink program on it */
		note_link(d, m->port);
		note_link(d, s->peer);
	} else if (ret) {
		snprintf(s->error, sizeof(s->error),
			 "port %s is not a veth (a %s monitor reads the peer of a veth)", m->port,
			 vtap_monitor_type_name(m->type));
		goto fail;
	}
	if (m->type == VTAP_MONITOR_CAPTURE)
		ret = vtap_capture_open(&s->cap, m, s->peer, policy_name, d, s->error,
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

/* The VXLAN device of vxlan monitors and receive entries. Its MTU makes
 * the sink program cut copies to what the underlay carries once
 * encapsulated (50 bytes over IPv4). */
static void vxlan_prepare(struct vtapd *d, const struct vtap_policy_set *set)
{
	bool need = set->n_receives > 0;
	/* 0: never cut — as large as the device takes */
	unsigned int mtu = d->underlay_mtu ? d->underlay_mtu - 50 : 65000;
	int ret;

	for (size_t m = 0; m < set->n_monitors && !need; m++)
		need = set->monitors[m].type == VTAP_MONITOR_VXLAN;
	if (!need || if_nametoindex(d->vxlan_dev))
		return;
	ret = vtap_link_vxlan_create(d->vxlan_dev, d->vxlan_port, mtu);
	if (ret) {
		log_err("cannot create the VXLAN device %s (UDP %u): %s; vxlan copies are "
			"counted as copy failures and nothing is received",
			d->vxlan_dev, d->vxlan_port, strerror(-ret));
		return;
	}
	/* received copies go to the monitor as they were sent: GRO would
	 * merge a flow's copies into super-frames the sender never made */
	if ((ret = vtap_link_set_gro(d->vxlan_dev, false)))
		log_warn("cannot turn GRO off on %s: %s (received copies of a TCP flow may "
			 "be merged)",
			 d->vxlan_dev, strerror(-ret));
	log_info("created the VXLAN device %s (external, UDP %u, mtu %u, no GRO)", d->vxlan_dev,
		 d->vxlan_port, mtu);
	note_link(d, d->vxlan_dev);
}

static int port_ifindex(struct vtapd *d, const char *name)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (!strcmp(d->ports[i].name, name))
			return d->ports[i].ifindex;
	return 0;
}

void vtapd_tunnels_write(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids)
{
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];
		const struct vtap_monitor *m = p->monitor_idx >= 0 ? &set->monitors[p->monitor_idx]
								    : NULL;
		struct vtap_tunnel t = { 0 };

		if (m && m->type == VTAP_MONITOR_VXLAN) {
			t.vni = m->vni;
			t.family = (__u8)m->remote_family;
			memcpy(t.remote, m->remote, sizeof(t.remote));
		}
		if (vtap_loader_set_tunnel(&d->ld, ids[i], t.family ? &t : NULL))
			log_warn("policy %s: cannot set its tunnel", p->name);
	}
}

bool vtapd_is_sink_dev(struct vtapd *d, const struct vtap_policy_set *set, const char *name)
{
	if (!strcmp(name, d->vxlan_dev))
		return true;
	for (size_t i = 0; i < d->n_sinks; i++)
		if (!strcmp(d->sinks[i].port, name) || !strcmp(d->sinks[i].peer, name))
			return true;
	for (size_t m = 0; m < set->n_monitors; m++)
		if (set->monitors[m].type != VTAP_MONITOR_LOCAL && set->monitors[m].port[0] &&
		    !strcmp(set->monitors[m].port, name))
			return true;
	return false;
}

void vtapd_sinks_port_gone(struct vtapd *d, const char *name)
{
	for (size_t i = 0; i < d->n_sinks; i++) {
		struct vtapd_sink *s = &d->sinks[i];

		if (strcmp(s->port, name) && strcmp(s->peer, name))
			continue;
		if (!s->cap && !s->ovs)
			continue;
		log_warn("monitor %s: its sink %s is gone; setting it up again", s->monitor, name);
		/* its OVS port goes; the veth is gone already */
		sink_close2(s, true, false);
		snprintf(s->error, sizeof(s->error), "sink %s is gone", name);
		d->dirty = true;
	}
}

/* Receive entries: VNI -> the monitor's port. */
static void receive_applied(struct vtapd *d, const struct vtap_policy_set *set)
{
	__u32 *vnis;
	size_t n = 0;

	vnis = calloc(set->n_receives + 1, sizeof(*vnis));
	if (!vnis)
		return;
	for (size_t i = 0; i < set->n_receives; i++) {
		const struct vtap_receive *r = &set->receives[i];
		int ifindex = port_ifindex(d, r->port);
		int ret;

		if (!ifindex) {
			log_warn("receive vni %u: port %s is not present; its copies are dropped "
				 "(counted) until it appears",
				 r->vni, r->port);
			vtap_loader_set_recv(&d->ld, r->vni, 0);
			continue;
		}
		ret = vtap_loader_set_recv(&d->ld, r->vni, (__u32)ifindex);
		if (ret)
			log_err("receive vni %u: %s", r->vni, strerror(-ret));
		vnis[n++] = r->vni;
	}
	/* VNIs no longer received, this vtapd's or an earlier one's */
	if (vtap_loader_prune_recv(&d->ld, vnis, n))
		log_warn("cannot remove the VNIs no longer received");
	free(vnis);
}

void vtapd_sinks_prepare(struct vtapd *d, const struct vtap_policy_set *set)
{
	vxlan_prepare(d, set);
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		struct vtapd_sink *s, *n;

		if (!needs_sink(mon))
			continue;
		s = sink_by_monitor(d, mon->name);
		if (s && same(s, mon) && !s->error[0])
			continue;
		if (s) {
			/* changed: the old one goes now (its port may be reused);
			 * its OVS port and rules always (another bridge, another
			 * monitor port), its veth if the new one is elsewhere */
			sink_close2(s, true, strcmp(s->port, mon->port) != 0);
		} else {
			n = realloc(d->sinks, (d->n_sinks + 1) * sizeof(*n));
			if (!n) {
				log_err("monitor %s: out of memory", mon->name);
				continue;
			}
			d->sinks = n;
			s = &d->sinks[d->n_sinks++];
			memset(s, 0, sizeof(*s));
			snprintf(s->monitor, sizeof(s->monitor), "%s", mon->name);
		}
		s->type = mon->type;
		snprintf(s->port, sizeof(s->port), "%s", mon->port);
		sink_open(d, s, mon);
	}
}

bool vtapd_sink_takes_ring(struct vtapd *d, const struct vtap_monitor *m)
{
	struct vtapd_sink *s = sink_by_monitor(d, m->name);

	if (!s || s->error[0])
		return false;
	return (m->type == VTAP_MONITOR_CAPTURE && s->cap) ||
	       (m->type == VTAP_MONITOR_OVS && s->ovs && s->tx);
}

bool vtapd_sink_usable(struct vtapd *d, const struct vtap_monitor *m)
{
	struct vtapd_sink *s = sink_by_monitor(d, m->name);

	return s && !s->error[0] && (s->cap || s->ovs);
}

void vtapd_sinks_applied(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids)
{
	memset(d->id_name, 0, sizeof(d->id_name));
	for (size_t i = 0; i < set->n_policies; i++)
		d->id_name[ids[i] & (VTAP_MAX_RULES - 1)] = set->policies[i].name;
	receive_applied(d, set);
	/* monitors gone from the set: no rule points at them any more */
	for (size_t i = 0; i < d->n_sinks;) {
		bool found = false;

		for (size_t m = 0; m < set->n_monitors && !found; m++)
			found = needs_sink(&set->monitors[m]) &&
				!strcmp(set->monitors[m].name, d->sinks[i].monitor);
		if (found) {
			i++;
			continue;
		}
		bool shared = false;

		/* a monitor renamed on the same port: the veth stays for the
		 * new one, which may have failed to open beside the old (one
		 * AF_XDP socket per queue) and is retried */
		for (size_t k = 0; k < d->n_sinks; k++)
			shared |= k != i && !strcmp(d->sinks[k].port, d->sinks[i].port);
		log_info("monitor %s is gone: closing its sink %s", d->sinks[i].monitor,
			 d->sinks[i].port);
		sink_close2(&d->sinks[i], true, !shared);
		d->sinks[i] = d->sinks[--d->n_sinks];
		if (shared)
			d->dirty = true;
	}
	/* each ovs monitor's sessions: one OpenFlow rule per policy */
	for (size_t i = 0; i < d->n_sinks; i++) {
		struct vtapd_sink *s = &d->sinks[i];
		__u32 *sess;
		size_t n = 0;
		int mi = -1;

		if (!s->ovs)
			continue;
		for (size_t m = 0; m < set->n_monitors; m++)
			if (!strcmp(set->monitors[m].name, s->monitor))
				mi = (int)m;
		sess = calloc(set->n_policies + 1, sizeof(*sess));
		if (!sess)
			continue;
		for (size_t p = 0; p < set->n_policies; p++)
			if (set->policies[p].monitor_idx == mi &&
			    set->policies[p].action == VTAP_ACTION_MIRROR)
				sess[n++] = ids[p];
		if (vtap_ovs_set_sessions(s->ovs, sess, n, s->error, sizeof(s->error))) {
			/* without its rules the sink is unusable: the next
			 * reconcile reopens it and, failing, sends it nothing */
			log_err("monitor %s: %s", s->monitor, s->error);
			d->dirty = true;
		}
		free(sess);
	}
}

void vtapd_sinks_close(struct vtapd *d, bool remove)
{
	for (size_t i = 0; i < d->n_sinks; i++)
		sink_close(&d->sinks[i], remove);
	if (remove && vtap_link_is_vtaps(d->vxlan_dev)) {
		int ret = vtap_link_del(d->vxlan_dev);

		if (ret)
			log_warn("cannot remove the VXLAN device %s: %s", d->vxlan_dev,
				 strerror(-ret));
		else
			log_info("removed the VXLAN device %s", d->vxlan_dev);
	}

	free(d->sinks);
	d->sinks = NULL;
	d->n_sinks = 0;
}

bool vtapd_sinks_event(struct vtapd *d, int fd, uint32_t events)
{
	for (size_t i = 0; i < d->n_sinks; i++) {
		struct vtap_capture *c = d->sinks[i].cap;

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

int vtapd_capture_client(struct vtapd *d, int fd, const char *policy, uint64_t count,
			 struct sbuf *err)
{
	const struct vtap_policy *p = NULL;
	const struct vtap_monitor *m;
	struct vtapd_sink *s;
	size_t i;
	int ret;

	for (i = 0; i < d->set.n_policies && !p; i++)
		if (!strcmp(d->set.policies[i].name, policy))
			p = &d->set.policies[i];
	if (!p) {
		sbuf_printf(err, "no policy named %s\n", policy);
		return -1;
	}
	if (p->monitor_idx < 0) {
		sbuf_printf(err, "policy %s has no monitor (a skip rule)\n", policy);
		return -1;
	}
	m = &d->set.monitors[p->monitor_idx];
	if (m->type != VTAP_MONITOR_CAPTURE) {
		sbuf_printf(err,
			    "policy %s sends its copies to monitor %s (type %s); vtapctl capture "
			    "needs a monitor of type capture\n",
			    policy, m->name, vtap_monitor_type_name(m->type));
		return -1;
	}
	s = sink_by_monitor(d, m->name);
	if (!s || !s->cap) {
		sbuf_printf(err, "monitor %s is not capturing: %s\n", m->name,
			    s && s->error[0] ? s->error : "not set up");
		return -1;
	}
	if (write(fd, "ok\n", 3) != 3) {
		sbuf_printf(err, "client went away\n");
		return -1;
	}
	ret = vtap_capture_add_client(s->cap, fd, d->set_ids[i - 1], p->name, p->snaplen, count);
	if (ret) {
		sbuf_printf(err, "cannot stream: %s\n", strerror(-ret));
		return -1;
	}
	log_info("live capture of policy %s started", p->name);
	return 0;
}
