/* SPDX-License-Identifier: GPL-2.0 */
/* Inside a capture monitor (capture.c), shared with its live streams
 * (capture_live.c, `vtapctl capture` clients). */
#ifndef VTAP_USER_CAPTURE_INTERNAL_H
#define VTAP_USER_CAPTURE_INTERNAL_H

#include <xdp/xsk.h>
#include "capture.h"
#include "kernel/attach.h"
#include "kernel/sink_queue.h"
#include "pace.h"
#include "pcapng.h"

struct vtap_xsk;

struct cap_client {
	int fd;
	uint32_t policy_id;
	char policy[VTAP_NAME_MAX]; /* ids are reused: the name must match too */
	uint64_t left;		    /* records still to send; 0 = unlimited */
	bool closing;		    /* count reached: close once pending is out */
	struct vtap_pcapng_buf pending;
	size_t off; /* of pending already sent */
};

struct vtap_capture {
	char monitor[VTAP_NAME_MAX];
	char port[IF_NAMESIZE], peer[IF_NAMESIZE];
	char file_path[VTAP_PATH_MAX];
	uint64_t rotate_size;
	uint32_t rotate_count;
	int peer_ifindex;
	struct vtap_xsk *skel;
	struct vtap_prog_att xdp; /* the skeleton's program on the peer */
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq, rx;
	struct vtap_pace pace;	      /* who wakes the reader: the socket or a timer */
	struct vtap_sink_queue queue; /* the peer's receive work off the taps' CPUs */
	struct vtap_pcapng_file *file;
	/* pcapng interface id of each policy id in the file (-1: not yet),
	 * and the policy name it was registered for (ids are reused) */
	int *file_if;
	char **file_if_name;
	struct cap_client *clients;
	size_t n_clients;
	vtap_policy_name_fn name_fn;
	void *name_arg;
	int64_t tai_offset_ns; /* CLOCK_TAI - CLOCK_REALTIME */
	bool pinned;	       /* its maps are pinned (kernel/xsk_pins.h) */
	struct vtap_capture_stats st;
};

/* Watch fd on the daemon's epoll (vtap_capture_set_epoll). */
void vtap_capture_ep_watch(int fd, uint32_t events, int op);
/* One copy of policy id (name) to the live clients that stream it. */
void vtap_capture_live_write(struct vtap_capture *c, uint32_t id, const char *name, uint64_t ts,
			     const uint8_t *pkt, uint32_t caplen, uint32_t orig);
/* What the clients wait for, sent as far as they take it. */
void vtap_capture_live_flush(struct vtap_capture *c);
/* Every client: what it waits for, then its end. */
void vtap_capture_live_close(struct vtap_capture *c);

#endif
