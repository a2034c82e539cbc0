/* SPDX-License-Identifier: GPL-2.0 */
/* vtap-dpdk: the policies of vtapd, in user space, as a bump in the wire.
 *
 * One forwarding lcore owns the datapath (fwd.c): it polls each VM-side
 * port and its network-side partner, forwards every frame to the other one
 * and sends copies of the matching frames to monitor ports. A control
 * thread (ctl.c, not an lcore) answers vtapctl (views.c, also DPDK
 * telemetry) and recompiles the policies (rules.c). They share no lock:
 * the lcore reads the image through one pointer, swapped by the control
 * thread, which frees the old image only after the lcore has passed a
 * burst boundary (epoch). */
#ifndef VTAP_DPDK_VDP_H
#define VTAP_DPDK_VDP_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/tap.h"
#include "core/policy_ids.h"
#include "core/policy.h"
#include "core/sbuf.h"
#include "ctl/command.h"
#include "ctl/fields.h"

#define VDP_MAX_PAIRS	 8
#define VDP_MAX_MONITORS 8
#define VDP_BURST	 32
#define VDP_RING	 1024 /* descriptors per queue (AF_XDP rings: power of 2) */
#define VDP_PORT_MBUFS	 8191 /* per port pool: rx ring + frames in flight */
#define VDP_COPY_MBUFS	 8191 /* clones and truncated copies */

struct rte_mempool;
struct vtap_metrics_http;

struct vdp_port {
	char devargs[512];
	char dev[64];		/* DPDK device name: devargs up to the first comma */
	char name[IF_NAMESIZE]; /* the host port policies name (iface=, or dev) */
	uint32_t ifindex;	/* what the classifier sees for it */
	uint16_t id;
	bool open;
	struct rte_mempool *pool;
	/* lcore-written, lock-free reads */
	uint64_t rx, tx, tx_drop;
};

struct vdp_monitor {
	struct vdp_port port;
	bool vxlan; /* the underlay port of vxlan monitors (--vxlan) */
	uint64_t delivered, delivered_bytes, truncated, rx_dropped;
	uint64_t too_big;   /* vxlan: cut to fit the underlay MTU once encapsulated */
	uint64_t no_tunnel; /* vxlan: the policy has no tunnel (not IPv4, ...) */
};

/* Where a vxlan monitor's copies go, by the copy's session (as
 * vtap_tunnels): a policy's id, or after them one per (group, member) for
 * a group's vxlan members (include/vtap/copy_plan.h). */
#define VDP_TUNNELS (VTAP_MAX_RULES + VTAP_MAX_GROUPS * VTAP_GROUP_MAX)
struct vdp_tunnel {
	uint32_t remote; /* IPv4, network order; 0 = none */
	uint32_t vni;
};

/* What the lcore reads through one pointer: the compiled image and the
 * tunnels of its policies, swapped together so a round never mixes them. */
struct vdp_rules {
	struct vtap_image img;
	struct vdp_tunnel tun[VDP_TUNNELS];
};

/* The underlay of vxlan monitors: the outer headers' fixed fields. */
struct vdp_underlay {
	uint32_t local;	    /* outer source IPv4, network order */
	uint8_t gw_mac[6];  /* next hop toward the monitors' hosts */
	uint8_t src_mac[6]; /* the --vxlan port's */
	uint16_t dport;	    /* UDP destination port (4789) */
	unsigned int mtu;   /* underlay MTU: inner frames are cut to mtu - 36 */
	uint16_t ip_id;	    /* the next outer IPv4 ID (the forwarding lcore's) */
};

struct vdp {
	struct vdp_port vm[VDP_MAX_PAIRS], net[VDP_MAX_PAIRS];
	int n_pairs;
	struct vdp_monitor mon[VDP_MAX_MONITORS]; /* the --vxlan port last, if any */
	int n_mon;
	struct vdp_underlay ul;
	struct rte_mempool *copy_pool;
	unsigned int idle_us; /* sleep when a whole round found nothing; 0 = spin */

	const char *policy_dir;
	const char *socket_path;

	/* the datapath's view: read by the lcore with acquire at each round */
	struct vdp_rules *rules;
	uint64_t epoch; /* rounds completed by the lcore */
	volatile int quit;
	volatile int running; /* the lcore is in its loop */
	struct vdp_stats *stats;

	/* control plane, under lock (control thread, telemetry thread) */
	pthread_mutex_t lock;
	struct vtap_policy_set set;
	__u32 *set_ids;
	struct vtap_policy_ids *ids; /* by name across reloads (core/policy_ids.h) */
	unsigned long reloads_ok, reloads_failed;
	double last_apply_ms;
	char last_error[512];
	uint32_t mon_down; /* --monitor ports down when the rules were compiled */
	char group_names[VTAP_MAX_GROUPS][VTAP_NAME_MAX]; /* by group index */
	uint64_t group_members[VTAP_MAX_GROUPS];	  /* their member lists */

	/* systemd (notify.c) and --metrics (metrics.c), control thread */
	struct {
		bool ready;		 /* READY=1 sent */
		uint64_t half_us;	 /* ping interval (0: no watchdog) */
		uint64_t next_us, epoch; /* next ping; the lcore's epoch at the last */
	} wd;
	const char *metrics_addr; /* NULL: no --metrics */
	struct vtap_metrics_http *metrics;
};

/* ports.c */
int vdp_port_open(struct vdp_port *p, const char *role);
/* A copies-only port (--monitor, --vxlan) whose kernel interface carries
 * the host's own traffic (kernel/host_use.h): logged, -1. Asked before the
 * port is probed: a PMD over a kernel interface (net_af_xdp's XDP program,
 * net_tap's remote) takes what the interface receives. */
int vdp_port_refused(const struct vdp_port *p, const char *role);
void vdp_port_close(struct vdp_port *p);
struct rte_mempool *vdp_copy_pool(void);

/* rules.c: load, compile, swap. Returns 0, or -1 with the errors in errs
 * (the running rules are kept). Caller holds v->lock. */
int vdp_reload(struct vdp *v, struct sbuf *errs);
/* Bit k: the interface of --monitor port k is down now. */
uint32_t vdp_monitors_down(const struct vdp *v);
void vdp_rules_free(struct vdp *v);

/* vxlan.c: the copy of m for a vxlan monitor, encapsulated (NULL: no mbuf,
 * or no tunnel, counted on mon). */
struct rte_mbuf *vdp_vxlan_copy(struct vdp *v, struct vdp_monitor *mon, const struct vdp_tunnel *t,
				struct rte_mbuf *m, uint32_t snaplen, bool *cut);

/* fwd.c: the lcore's loop, until v->quit. */
int vdp_fwd_loop(void *arg);

/* ctl.c: the control thread: the control socket (vtapd's server and
 * protocol) and SIGHUP reloads. */
int vdp_ctl_start(struct vdp *v);
void vdp_ctl_stop(struct vdp *v);

/* notify.c: sd_notify (vtapd/notify.h): READY=1, reloads announced,
 * WATCHDOG=1 from the control thread while the lcore goes round (tick:
 * called at least every 100 ms), STOPPING=1. */
void vdp_notify_ready(struct vdp *v);
int vdp_reload_notified(struct vdp *v, struct sbuf *errs); /* vdp_reload, announced */
void vdp_notify_tick(struct vdp *v);
void vdp_notify_stopping(struct vdp *v);

/* metrics.c: --metrics ADDR:PORT, served by the control thread under
 * v->lock (metrics_http.h) */
int vdp_metrics_open(struct vdp *v);
void vdp_metrics_close(struct vdp *v);

/* views.c: the commands the control socket answers (srv: the struct vdp),
 * and the same counters as DPDK telemetry commands. */
extern const struct vtap_ctl_table vdp_ctl_table;
extern const struct vtap_field_table vdp_port_fields; /* rx, tx, tx_drop of a port */
void vdp_telemetry_register(struct vdp *v);

#endif
