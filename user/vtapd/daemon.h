/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's state and its one job: make the kernel (attachments and maps)
 * match the policy files and the ports present, and answer vtapctl. */
#ifndef VTAP_USER_DAEMON_H
#define VTAP_USER_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include "kernel/loader.h"
#include "sinks/capture.h"
#include "sinks/xsk_tx.h"
#include "core/policy.h"
#include "core/sbuf.h"

/* What vtap has put on a port */
#define VTAPD_ATT_OUT 0x1  /* tap on clsact ingress (frames the VM sends) */
#define VTAPD_ATT_IN 0x2   /* tap on clsact egress (frames to the VM) */
#define VTAPD_ATT_SINK 0x4 /* sink program on clsact egress */
#define VTAPD_ATT_RX 0x8   /* receiving side: vtap_rx on the VXLAN device's ingress */
#define VTAPD_ATT_XDP 0x10 /* XDP tap, native mode (frames the VM sends) */
#define VTAPD_ATT_LAST VTAPD_ATT_XDP

/* Who taps a VM port (vtapd --engine): eBPF where it can attach, or the
 * DPDK engine (vtap-dpdk, started separately) */
enum vtapd_engine {
	VTAPD_ENGINE_AUTO = 0, /* eBPF; DPDK when eBPF cannot attach */
	VTAPD_ENGINE_EBPF,     /* eBPF only: a failed attach is an error */
	VTAPD_ENGINE_DPDK,     /* every VM port is the DPDK engine's */
};

struct vtapd_port {
	int ifindex;
	char name[IF_NAMESIZE];
	bool up;
	unsigned int attached; /* VTAPD_ATT_* */
	bool created_qdisc;
	bool adopted; /* vtap's filters were there when vtapd started */
	bool seen;    /* listed by the current resync dump */
	bool dpdk;    /* its taps are the DPDK engine's (engine_why says why) */
	char engine_why[160];
	char hook_note[192]; /* why out frames are tapped with TC, not XDP ("" = no reason) */
	__u32 xdp_id;	     /* vtap's XDP program on the port (0: none) */
	int xdp_fd;	     /* that program, held for the detach (valid when xdp_id) */
	__u32 foreign_id;    /* the other XDP program that kept vtap's off */
};

struct vtapd_policy_id {
	char name[VTAP_NAME_MAX];
	__u32 id;
};

/* A capture or ovs monitor's sink (user/vtapd/daemon_sinks.c). */
struct vtapd_sink {
	char monitor[VTAP_NAME_MAX];
	enum vtap_monitor_type type;
	char port[IF_NAMESIZE], peer[IF_NAMESIZE];
	struct vtap_capture *cap;
	struct vtap_ovs *ovs;
	struct vtap_xsk_tx *tx; /* ovs: sends the XDP tap's copies (NULL: TC only) */
	char error[256]; /* why it gets no copies; "" = working */
};

struct vtapd {
	const char *policy_dir;
	const char *pin_root;
	const char *socket_path;
	const char *vxlan_dev;	   /* vxlan monitors and receive entries */
	unsigned int vxlan_port;   /* its UDP port */
	unsigned int underlay_mtu; /* copies cut to fit once encapsulated; 0 = never */
	bool no_flow_cache;	   /* classify every frame (no verdict cache) */
	enum vtapd_engine engine;
	const char *dpdk_ports; /* comma-separated globs: always the DPDK engine's */

	struct vtap_loader ld;
	struct vtap_policy_set set;
	__u32 *set_ids; /* policy id per set->policies[i] */

	struct vtapd_port *ports;
	size_t n_ports, cap_ports;

	struct vtapd_policy_id *ids;
	size_t n_ids;
	bool id_used[VTAP_MAX_RULES];

	unsigned long reloads_ok, reloads_failed, applies;
	double last_apply_ms;
	char last_error[1024];
	bool dirty; /* ports changed: reconcile */
	bool keep;  /* on exit leave programs attached and maps pinned */
	bool resync; /* link events were lost: a dump is listing the ports */
	unsigned long adopted; /* hooks found attached and kept at start */

	struct vtapd_sink *sinks;
	size_t n_sinks;

	enum vtap_hook_mode attach_mode; /* --attach; policies may override */
	__u32 ring_size;		 /* --ring-size, bytes (0 = default) */
	struct ring_buffer *ring;	 /* the XDP tap's copies (daemon_ring.c) */
	/* policy id -> index + 1 in sinks of its monitor's sink (0: none) */
	unsigned short ring_sink[VTAP_MAX_RULES];
	unsigned long long ring_records, ring_unrouted, ring_bad;
	unsigned long long ring_cut; /* copies longer than VTAP_RING_COPY_MAX, cut */
	const char *id_name[VTAP_MAX_RULES]; /* policy id -> name, running set */
};

int vtapd_init(struct vtapd *d);
/* "auto", "ebpf", "dpdk" -> engine; -1 when unknown */
int vtapd_engine_parse(const char *s, enum vtapd_engine *e);
/* After the first port dump: take over the filters a previous vtapd left
 * (same program, by tag) without touching them, so tapping has no gap. */
void vtapd_adopt(struct vtapd *d);
/* Load the policy directory; on success replace the running set and
 * reconcile, on failure log every error and keep the running set.
 * errs (optional) receives the errors. */
int vtapd_reload(struct vtapd *d, struct sbuf *errs);
/* Compile, attach, apply, detach: make the kernel match set + ports. */
int vtapd_reconcile(struct vtapd *d);
void vtapd_link_event(void *arg, int ifindex, const char *name, int up, int deleted);
/* Link events were lost (ENOBUFS): mark the ports, dump, and when the dump
 * is complete forget the ports it did not list (deleted in the gap). */
void vtapd_resync_begin(struct vtapd *d);
void vtapd_resync_end(struct vtapd *d);
/* Detach everything vtap attached; with unpin, remove the pins too. */
void vtapd_teardown(struct vtapd *d, bool unpin);

/* Capture and ovs monitors (daemon_sinks.c). prepare: make the sinks of
 * the set's monitors (veth, reader); usable: can its copies be sent now;
 * applied: the set is in effect — close the sinks it dropped, install the
 * OVS sessions; close: all of them (remove: the links and OVS state too). */
void vtapd_sinks_prepare(struct vtapd *d, const struct vtap_policy_set *set);
bool vtapd_sink_usable(struct vtapd *d, const struct vtap_monitor *m);
/* Can vtapd deliver the XDP tap's copies for m (a capture, or an ovs
 * monitor with its AF_XDP TX socket)? */
bool vtapd_sink_takes_ring(struct vtapd *d, const struct vtap_monitor *m);
void vtapd_sinks_applied(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids);
void vtapd_sinks_close(struct vtapd *d, bool remove);
/* A sink's port (or its peer) is gone: close it; the next reconcile makes
 * it again. */
void vtapd_sinks_port_gone(struct vtapd *d, const char *name);
/* Is name one of vtap's own devices (a sink veth or its peer, the VXLAN
 * device)? Those are never tapped. */
bool vtapd_is_sink_dev(struct vtapd *d, const struct vtap_policy_set *set, const char *name);
/* The vxlan tunnel of every policy of set (written before the flip). */
void vtapd_tunnels_write(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids);
/* An fd of a capture (its socket, a live client): served, true. */
bool vtapd_sinks_event(struct vtapd *d, int fd, uint32_t events);
/* `capture POLICY [COUNT]`: on success fd belongs to the capture (it was
 * answered "ok"); otherwise err says why and fd is the caller's. */
int vtapd_capture_client(struct vtapd *d, int fd, const char *policy, uint64_t count,
			 struct sbuf *err);
/* The XDP tap (daemon_xdp.c). wants: should the port's out frames be
 * tapped with XDP (false: p->hook_note says why not, when there is a
 * reason); attach: 0, or TC it is (note set); present: vtap's XDP program
 * (ours or a kept one) is on the port. */
bool vtapd_out_wants_xdp(struct vtapd *d, const struct vtap_policy_set *set, struct vtapd_port *p);
int vtapd_xdp_attach(struct vtapd *d, struct vtapd_port *p);
void vtapd_xdp_detach(struct vtapd *d, struct vtapd_port *p);
bool vtapd_xdp_present(struct vtapd *d, const struct vtapd_port *p);
/* At start: a kept vtap XDP program on the port becomes ours. */
bool vtapd_xdp_adopt(struct vtapd *d, struct vtapd_port *p);
/* The port is gone (its program with it): forget it. */
void vtapd_xdp_forget(struct vtapd_port *p);
/* The ring buffer (daemon_ring.c): open (watched by epfd), serve its
 * event (true if fd was the ring's), drain, route (policy id -> its sink,
 * for the set in effect; drain before d->sinks changes), close. */
int vtapd_ring_open(struct vtapd *d, int epfd);
bool vtapd_ring_event(struct vtapd *d, int fd);
void vtapd_ring_drain(struct vtapd *d);
void vtapd_ring_route(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids);
void vtapd_ring_close(struct vtapd *d);

#endif
