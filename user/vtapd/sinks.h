/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's capture and ovs monitors: for each, the sink veth (made when
 * absent) and what reads its peer — vtapd's own AF_XDP socket (capture,
 * sinks/capture.h) or an Open vSwitch port with the OpenFlow rules that
 * carry each session on (ovs, sinks/ovs.h) — kept in step with the policy
 * set, make before break: the sinks a new set needs are made beside the
 * running ones (staged), and only once the set is in effect do the ones it
 * replaced go; a set that does not go in takes its staged sinks away again,
 * so the running sinks are exactly what they were. */
#ifndef VTAP_VTAPD_SINKS_H
#define VTAP_VTAPD_SINKS_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "core/policy_ids.h"
#include "sinks/capture.h"
#include "sinks/ovs.h"
#include "sinks/vxlan.h"
#include "sinks/xsk_tx.h"

struct vtapd_sink {
	char monitor[VTAP_NAME_MAX];
	enum vtap_monitor_type type;
	char port[IF_NAMESIZE], peer[IF_NAMESIZE];
	struct vtap_capture *cap;
	struct vtap_ovs *ovs;
	struct vtap_xsk_tx *tx; /* ovs: sends the XDP tap's copies (NULL: TC only) */
	char error[256];	/* why it gets no copies; "" = working */
	bool staged;		/* made for a set that is not in effect yet */
	bool deferred;		/* staged without being made: its port is a running sink's */
	bool made_link;		/* its veth was made for it (a rollback removes it) */
};

/* Why a monitor's port is refused (NULL: it is not), and whose question. */
struct vtapd_sinks_guard {
	const char *(*refused)(void *arg, const struct vtap_monitor *m);
	void *arg;
};

struct vtapd_sinks {
	struct vtapd_sink *v;
	size_t n;
	bool vxlan_made;    /* the VXLAN device was made for the staged set */
	bool complete_csum; /* --complete-checksums: ovs sinks finish partial checksums */
};

/* Before set is in effect: the VXLAN device it needs, and the sinks of its
 * capture and ovs monitors that are new or changed, staged beside the
 * running ones (a sink whose port a running sink holds is made after the
 * flip: until then its copies count as copy failures). A monitor whose
 * port g refuses gets none. names: whose copy a policy id is, for the
 * captures' pcapng interfaces. */
void vtapd_sinks_prepare(struct vtapd_sinks *s, const struct vtap_policy_set *set,
			 const struct vtap_vxlan_cfg *vx, const struct vtap_policy_ids *names,
			 const struct vtapd_sinks_guard *g);
/* set did not go in: the staged sinks, their veths and a VXLAN device made
 * for it go; running (the set in effect) keeps exactly its sinks. */
void vtapd_sinks_rollback(struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx,
			  const struct vtap_policy_set *running);
/* The sink a set being applied uses for monitor (a staged one first), or
 * the running one (live). */
struct vtapd_sink *vtapd_sink_of(const struct vtapd_sinks *s, const char *monitor);
struct vtapd_sink *vtapd_sink_live(const struct vtapd_sinks *s, const char *monitor);
/* Can copies be sent to the sink k? */
bool vtapd_sink_works(const struct vtapd_sink *k);
/* Can copies be sent to m's sink now? */
bool vtapd_sink_usable(const struct vtapd_sinks *s, const struct vtap_monitor *m);
/* Can vtapd deliver copies from the ring to the sink k: a capture, or an
 * ovs monitor with its AF_XDP TX socket open? One answer for both users:
 * the XDP tap's copies (hook_choice.c) and the TC tap's ovs copies
 * (VTAP_OVS_RING_READY, reconcile.c). */
bool vtapd_sink_ring_ready(const struct vtapd_sink *k);
/* The same for m's sink (a staged one first). */
bool vtapd_sink_takes_ring(const struct vtapd_sinks *s, const struct vtap_monitor *m);
/* Does the TC tap send the ovs sink k's copies through the ring
 * (VTAP_OVS_RING_READY)? When it is ring-ready, and not with
 * --complete-checksums: the kernel then segments a GSO copy on the sink
 * veth with complete checksums, and delivered about twice the segments
 * vtapd's AF_XDP TX did (docs/benchmarks.md, "TSO copies with
 * --complete-checksums"). */
bool vtapd_sinks_ovs_ring(const struct vtapd_sinks *s, const struct vtapd_sink *k);
/* Is name one of vtap's own devices (a sink veth or its peer, the VXLAN
 * device)? Those are never tapped. */
bool vtapd_sinks_is_dev(const struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx,
			const struct vtap_policy_set *set, const char *name);
/* set is in effect: the staged sinks replace the running ones of their
 * monitors, the sinks of monitors it dropped (or whose port g now refuses)
 * are closed, a capture whose file changed writes the new one, each ovs
 * monitor gets one OpenFlow rule per policy. True when a sink must be made
 * again (a reconcile must follow). */
bool vtapd_sinks_applied(struct vtapd_sinks *s, const struct vtap_policy_set *set, const __u32 *ids,
			 const struct vtapd_sinks_guard *g);
/* A sink's port (or its peer) is gone: closed, made again by the next
 * reconcile (true: one must follow). */
bool vtapd_sinks_port_gone(struct vtapd_sinks *s, const char *name);
/* A sink's counters, as the capture stats (an ovs sink: sink_dropped). */
void vtapd_sink_stats(const struct vtapd_sink *s, struct vtap_capture_stats *st);
/* An fd of a capture (its socket, its timer, a live client): served, true. */
bool vtapd_sinks_event(struct vtapd_sinks *s, int fd, uint32_t events);
/* Close them all; with remove, their links and OVS state and the VXLAN
 * device too. */
void vtapd_sinks_close(struct vtapd_sinks *s, const struct vtap_vxlan_cfg *vx, bool remove);

#endif
