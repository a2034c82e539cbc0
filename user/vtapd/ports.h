/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's table of the host's ports, as rtnetlink lists them, and what
 * vtap has put on each. */
#ifndef VTAP_VTAPD_PORTS_H
#define VTAP_VTAPD_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "kernel/attach.h"

/* What vtap has put on a port */
#define VTAPD_ATT_OUT  0x1  /* tap on clsact ingress (frames the VM sends) */
#define VTAPD_ATT_IN   0x2  /* tap on clsact egress (frames to the VM) */
#define VTAPD_ATT_SINK 0x4  /* sink program on TCX egress (sink.id), else clsact egress */
#define VTAPD_ATT_RX   0x8  /* receiving side: vtap_rx on the VXLAN device's ingress */
#define VTAPD_ATT_XDP  0x10 /* XDP tap, native mode (frames the VM sends) */
/* a local monitor port without a sink program: the nftables guard
 * (--sink-hook nft, kernel/nft_guard.h) */
#define VTAPD_ATT_GUARD 0x20
#define VTAPD_ATT_LAST	VTAPD_ATT_GUARD
#define VTAPD_ATT_TAPS	(VTAPD_ATT_OUT | VTAPD_ATT_IN | VTAPD_ATT_XDP)

struct vtapd_port {
	int ifindex;
	char name[IF_NAMESIZE];
	bool up;
	unsigned int attached; /* VTAPD_ATT_* */
	bool created_qdisc;
	bool adopted; /* vtap's clsact filters were there when vtapd started */
	bool seen;    /* listed by the current resync dump */
	bool dpdk;    /* its taps are the DPDK engine's (engine_why says why) */
	char engine_why[160];
	char hook_note[192];	   /* why out frames are tapped with TC, not XDP ("" = no reason) */
	struct vtap_prog_att xdp;  /* vtap's XDP program on the port (xdp.id 0: none) */
	struct vtap_prog_att sink; /* vtap_sink on TCX egress (sink.id 0: none, or clsact) */
	__u32 foreign_id;	   /* the other XDP program that kept vtap's off */
	bool guard_failed;	   /* nft could not guard it: it gets the sink program */
	int guard_slot;		   /* VTAPD_ATT_GUARD: its counters' slot in vtap_bare */
	char guard_dev[IF_NAMESIZE]; /* VTAPD_ATT_GUARD: the name its chain is bound to */
	/* as a monitor port (guard.h): does it carry the host's own traffic? */
	bool use_known;	     /* asked since the last event that named it */
	bool use_known_once; /* asked with an answer at least once */
	int peer_ifindex;    /* its veth peer in this namespace (0: none) */
	char host_use[256];  /* why it is refused ("" = it may be a monitor port) */
};

struct vtapd_ports {
	struct vtapd_port *v;
	size_t n, cap;
	bool resync;	   /* link events were lost: a dump is listing the ports */
	bool resync_again; /* lost again meanwhile: another dump after it */
};

struct vtapd_port *vtapd_port_by_index(struct vtapd_ports *ps, int ifindex);
struct vtapd_port *vtapd_port_by_name(struct vtapd_ports *ps, const char *name);
/* The port with ifindex, added when absent (NULL: out of memory). */
struct vtapd_port *vtapd_port_get(struct vtapd_ports *ps, int ifindex, const char *name);
/* A link vtapd made (a sink veth, the VXLAN device): into the table at
 * once, before rtnetlink tells; nothing when there is no such link. */
void vtapd_ports_note(struct vtapd_ports *ps, const char *name);
void vtapd_port_remove(struct vtapd_ports *ps, struct vtapd_port *p);
void vtapd_ports_free(struct vtapd_ports *ps);
/* Why the port's out frames are tapped with TC ("" = none): logged once,
 * when it changes. */
void vtapd_port_note(struct vtapd_port *p, bool warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
