// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks.h"
#include "core/log.h"
#include "kernel/link.h"
#include "kernel/xsk_pins.h"

struct vtapd_sink *vtapd_sink_live(const struct vtapd_sinks *s, const char *monitor)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].staged && !strcmp(s->v[i].monitor, monitor))
			return &s->v[i];
	return NULL;
}

static struct vtapd_sink *staged_of(const struct vtapd_sinks *s, const char *monitor)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].staged && !strcmp(s->v[i].monitor, monitor))
			return &s->v[i];
	return NULL;
}

struct vtapd_sink *vtapd_sink_of(const struct vtapd_sinks *s, const char *monitor)
{
	struct vtapd_sink *k = staged_of(s, monitor);

	return k ? k : vtapd_sink_live(s, monitor);
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

/* How a sink is closed */
enum sink_close {
	CLOSE_KEEP,    /* vtapd exits with --keep: everything stays for the next one */
	CLOSE_REPLACE, /* for good: vtap's OVS port and rules, the capture's XDP and pins */
	CLOSE_REMOVE,  /* that and the veth, if vtapd made it */
};

static void sink_close(struct vtapd_sink *s, enum sink_close how)
{
	if (s->cap)
		vtap_capture_close(s->cap, how == CLOSE_KEEP);
	if (s->ovs)
		vtap_ovs_close(s->ovs, how != CLOSE_KEEP);
	vtap_xsk_tx_close(s->tx);
	s->cap = NULL;
	s->ovs = NULL;
	s->tx = NULL;
	if (how == CLOSE_REMOVE && vtap_link_is_vtaps(s->port)) {
		int ret = vtap_link_del(s->port);

		if (ret && ret != -ENODEV)
			log_warn("monitor %s: cannot remove the sink veth %s: %s", s->monitor,
				 s->port, strerror(-ret));
		else if (!ret)
			log_info("monitor %s: removed the sink veth %s", s->monitor, s->port);
	}
}

/* Does a sink other than k (another monitor's, or the one replacing k),
 * or a monitor of set (a local monitor now on a capture's veth, say) use
 * k's port or its peer? Then the veth stays. */
static bool port_shared(const struct vtapd_sinks *s, const struct vtap_policy_set *set,
			const struct vtapd_sink *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (&s->v[i] != k && !strcmp(s->v[i].port, k->port))
			return true;
	for (size_t m = 0; m < set->n_monitors; m++) {
		const char *port = set->monitors[m].port;

		if (port[0] && (!strcmp(port, k->port) || !strcmp(port, k->peer)))
			return true;
	}
	return false;
}

/* k goes from the list (the last one takes its place). */
static void sink_drop(struct vtapd_sinks *s, struct vtapd_sink *k)
{
	*k = s->v[--s->n];
}

/* --complete-checksums: the copies cloned to the sink veth get theirs from
 * the kernel, which finishes a partial checksum in software on a device
 * without TX checksum offload (and segments a GSO copy with complete ones);
 * those vtapd sends by AF_XDP TX from its own code. Off on any ovs sink
 * veth, an operator's too, and it stays so after vtapd; without the option
 * only vtapd's own veth goes back on (one a vtapd with it kept, --keep). */
static void ovs_tx_csum(struct vtapd_sink *s, const struct vtap_monitor *m, bool complete)
{
	int ret;

	if (s->tx)
		vtap_xsk_tx_complete_csum(s->tx, complete);
	if (!complete && !vtap_link_is_vtaps(m->port))
		return;
	ret = vtap_link_set_tx_csum(m->port, !complete);
	if (ret)
		log_warn("monitor %s: cannot turn TX checksum offload %s on %s: %s%s", m->name,
			 complete ? "off" : "back on", m->port, strerror(-ret),
			 complete ? "; its copies through the sink veth keep the checksums the "
				    "VMs left to their devices"
				  : "");
}

/* The veth, then its reader. On failure the sink stays listed with its
 * error (shown by vtapctl status), and gets no copies. */
static void sink_open(struct vtapd_sink *s, const struct vtap_monitor *m,
		      const struct vtap_policy_ids *names, bool complete_csum)
{
	int ret = vtap_link_veth_peer(m->port, s->peer);

	s->error[0] = 0;
	if (ret == -ENODEV) {
		vtap_link_peer_name(m->port, s->peer);
		ret = vtap_link_veth_create(m->port, s->peer, VTAP_SINK_MTU);
		s->made_link = !ret;
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
		ovs_tx_csum(s, m, complete_csum);
	}
	log_info("monitor %s: %s reads %s", m->name,
		 m->type == VTAP_MONITOR_CAPTURE ? "vtapd's AF_XDP socket" : "Open vSwitch",
		 s->peer);
	return;
fail:
	log_err("monitor %s: %s; its copies are counted as copy failures", m->name, s->error);
}

/* A running sink other than k holds port (one AF_XDP socket per queue,
 * one OVS port per interface): the new one waits for the flip. */
static const struct vtapd_sink *port_holder(const struct vtapd_sinks *s, const char *port)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vtapd_sink *k = &s->v[i];

		if (!k->staged && (k->cap || k->ovs) &&
		    (!strcmp(k->port, port) || !strcmp(k->peer, port)))
			return k;
	}
	return NULL;
}

/* The running sink k serves mon as it is (a capture whose file or
 * rotation changed switches files when the set is in effect). */
static bool serves(const struct vtapd_sink *k, const struct vtap_monitor *mon)
{
	if (!k || k->error[0] || k->type != mon->type || strcmp(k->port, mon->port))
		return false;
	return k->cap || same(k, mon);
}

static struct vtapd_sink *add_staged(struct vtapd_sinks *s, const struct vtap_monitor *mon)
{
	struct vtapd_sink *k, *n = realloc(s->v, (s->n + 1) * sizeof(*n));

	if (!n) {
		log_err("monitor %s: out of memory", mon->name);
		return NULL;
	}
	s->v = n;
	k = &s->v[s->n++];
	memset(k, 0, sizeof(*k));
	snprintf(k->monitor, sizeof(k->monitor), "%s", mon->name);
	k->type = mon->type;
	snprintf(k->port, sizeof(k->port), "%s", mon->port);
	k->staged = true;
	return k;
}

void vtapd_sinks_prepare(struct vtapd_sinks *s, const struct vtap_policy_set *set,
			 const struct vtap_vxlan_cfg *vx, const struct vtap_policy_ids *names,
			 const struct vtapd_sinks_guard *g)
{
	s->vxlan_made = vtap_vxlan_prepare(vx, set) == 1;
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];
		const struct vtapd_sink *holder;
		char holder_name[VTAP_NAME_MAX] = "";
		struct vtapd_sink *k;

		if (!vtap_monitor_reads_port(mon) || g->refused(g->arg, mon) ||
		    serves(vtapd_sink_live(s, mon->name), mon))
			continue;
		/* by name: add_staged moves the sinks (realloc) */
		holder = port_holder(s, mon->port);
		if (holder)
			snprintf(holder_name, sizeof(holder_name), "%s", holder->monitor);
		k = add_staged(s, mon);
		if (!k)
			continue;
		if (holder_name[0]) {
			k->deferred = true;
			snprintf(
			    k->error, sizeof(k->error),
			    "port %s is monitor %s's sink until the new policy set is in effect",
			    mon->port, holder_name);
			log_info("monitor %s: %s; its sink is made then", mon->name, k->error);
			continue;
		}
		sink_open(k, mon, names, s->complete_csum);
	}
}

void vtapd_sinks_rollback(struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx,
			  const struct vtap_policy_set *running)
{
	for (size_t i = 0; i < s->n;) {
		struct vtapd_sink *k = &s->v[i];

		if (!k->staged) {
			i++;
			continue;
		}
		sink_close(k, k->made_link && !port_shared(s, running, k) ? CLOSE_REMOVE
									  : CLOSE_REPLACE);
		sink_drop(s, k);
	}
	if (s->vxlan_made && !vtap_vxlan_needed(running))
		vtap_vxlan_remove(vx);
	s->vxlan_made = false;
}

bool vtapd_sink_ring_ready(const struct vtapd_sink *k)
{
	if (!k || k->error[0])
		return false;
	return (k->type == VTAP_MONITOR_CAPTURE && k->cap) ||
	       (k->type == VTAP_MONITOR_OVS && k->ovs && k->tx);
}

bool vtapd_sink_takes_ring(const struct vtapd_sinks *s, const struct vtap_monitor *m)
{
	struct vtapd_sink *k = vtapd_sink_of(s, m->name);

	return k && k->type == m->type && vtapd_sink_ring_ready(k);
}

bool vtapd_sinks_ovs_ring(const struct vtapd_sinks *s, const struct vtapd_sink *k)
{
	return k->type == VTAP_MONITOR_OVS && vtapd_sink_ring_ready(k) && !s->complete_csum;
}

bool vtapd_sink_works(const struct vtapd_sink *k)
{
	return k && !k->error[0] && (k->cap || k->ovs);
}

bool vtapd_sink_usable(const struct vtapd_sinks *s, const struct vtap_monitor *m)
{
	return vtapd_sink_works(vtapd_sink_of(s, m->name));
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
		sink_close(k, CLOSE_REPLACE);
		snprintf(k->error, sizeof(k->error), "sink %s is gone", name);
		again = true;
	}
	return again;
}

static const struct vtap_monitor *monitor_of(const struct vtap_policy_set *set, const char *name)
{
	for (size_t m = 0; m < set->n_monitors; m++)
		if (vtap_monitor_reads_port(&set->monitors[m]) &&
		    !strcmp(set->monitors[m].name, name))
			return &set->monitors[m];
	return NULL;
}

/* The running sinks set no longer uses: a monitor gone, replaced by a
 * staged sink, or whose port is refused now. No rule points at them any
 * more. True when a deferred sink waits for the port one of them held. */
static bool retire(struct vtapd_sinks *s, const struct vtap_policy_set *set,
		   const struct vtapd_sinks_guard *g)
{
	bool again = false;

	for (size_t i = 0; i < s->n;) {
		struct vtapd_sink *k = &s->v[i];
		const struct vtap_monitor *mon = k->staged ? NULL : monitor_of(set, k->monitor);
		const char *why = mon ? g->refused(g->arg, mon) : NULL;

		if (k->staged || (mon && !why && !staged_of(s, k->monitor))) {
			i++;
			continue;
		}
		if (why && !staged_of(s, k->monitor)) {
			/* it stays listed, closed, with the reason */
			if (k->cap || k->ovs)
				log_info("monitor %s: closing its sink %s (the port is refused)",
					 k->monitor, k->port);
			sink_close(k, CLOSE_REPLACE);
			snprintf(k->error, sizeof(k->error), "refused: %s", why);
			i++;
			continue;
		}
		if (k->cap || k->ovs)
			log_info("monitor %s: %s its sink %s", k->monitor,
				 mon ? "replaced: closing" : "is gone: closing", k->port);
		sink_close(k, port_shared(s, set, k) ? CLOSE_REPLACE : CLOSE_REMOVE);
		sink_drop(s, k);
	}
	for (size_t i = 0; i < s->n; i++) {
		s->v[i].staged = false;
		/* once: the next reconcile makes it (or defers it again) */
		again |= s->v[i].deferred;
		s->v[i].deferred = false;
	}
	s->vxlan_made = false;
	return again;
}

/* A capture kept across the change whose file or rotation changed. */
static void refile(struct vtapd_sinks *s, const struct vtap_policy_set *set)
{
	for (size_t i = 0; i < s->n; i++) {
		struct vtapd_sink *k = &s->v[i];
		const struct vtap_monitor *mon = monitor_of(set, k->monitor);

		if (k->cap && mon && !vtap_capture_same(k->cap, mon))
			vtap_capture_set_file(k->cap, mon);
	}
}

static bool keeps_capture(void *arg, const char *peer)
{
	const struct vtapd_sinks *s = arg;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].cap && !strcmp(s->v[i].peer, peer))
			return true;
	return false;
}

static void said(void *arg, const char *what)
{
	(void)arg;
	log_info("%s (a capture an earlier vtapd kept, no longer in the policy set)", what);
}

bool vtapd_sinks_applied(struct vtapd_sinks *s, const struct vtap_policy_set *set, const __u32 *ids,
			 const struct vtapd_sinks_guard *g)
{
	bool again = retire(s, set, g);

	refile(s, set);
	/* captures kept by an earlier vtapd that this set has not taken over */
	vtap_xsk_remove_kept(NULL, keeps_capture, said, s);
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

void vtapd_sink_stats(const struct vtapd_sink *s, struct vtap_capture_stats *st)
{
	*st = (struct vtap_capture_stats){0};
	if (s->cap)
		vtap_capture_stats(s->cap, st);
	if (s->ovs) { /* an ovs sink has the capture's queue counter only */
		st->sink_dropped = vtap_ovs_sink_dropped(s->ovs);
		st->peer_dropped = vtap_ovs_peer_dropped(s->ovs);
	}
}

bool vtapd_sinks_event(struct vtapd_sinks *s, int fd, uint32_t events)
{
	for (size_t i = 0; i < s->n; i++) {
		struct vtap_capture *c = s->v[i].cap;

		if (c && vtap_capture_event(c, fd, events))
			return true;
	}
	return false;
}

void vtapd_sinks_close(struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx, bool remove)
{
	for (size_t i = 0; i < s->n; i++)
		sink_close(&s->v[i], remove ? CLOSE_REMOVE : CLOSE_KEEP);
	if (remove) {
		vtap_xsk_remove_kept(NULL, NULL, NULL, NULL);
		vtap_vxlan_remove(vx);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
