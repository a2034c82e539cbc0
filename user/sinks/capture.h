/* SPDX-License-Identifier: GPL-2.0 */
/* A capture monitor at run time: the sink veth's peer carries the XDP
 * program of bpf/vtap_xsk.bpf.c, which hands every copy to vtapd's AF_XDP
 * socket (libxdp's xsk API, need_wakeup); each copy is written to the
 * monitor's pcapng file (one interface per policy) and to the live streams
 * of `vtapctl capture`. */
#ifndef VTAP_USER_CAPTURE_H
#define VTAP_USER_CAPTURE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/policy.h"
#include "core/sbuf.h"

struct vtap_capture;

/* The name of a policy id (NULL when none has it), for pcapng interfaces. */
typedef const char *(*vtap_policy_name_fn)(void *arg, uint32_t policy_id);

struct vtap_capture_stats {
	uint64_t received;   /* frames read from the socket */
	uint64_t bad;	     /* frames without a valid vtap capture header */
	uint64_t unknown;    /* for a policy id no policy has (removed meanwhile) */
	uint64_t written;    /* records that reached the file */
	uint64_t file_errors;
	uint64_t rotations;
	uint64_t live_sent;    /* records streamed to vtapctl capture clients */
	uint64_t live_dropped; /* not streamed: a client too slow to read */
	uint64_t no_socket;    /* XDP: dropped before vtapd had its socket */
	uint64_t ring_full;    /* kernel: the socket's receive ring was full (or a frame too long) */
	uint64_t fill_empty;   /* kernel: no free UMEM frame to receive into */
	uint64_t sink_dropped; /* kernel: the sink's queue was full (sink_queue.h) */
	uint64_t peer_dropped; /* ovs: the sink veth's peer dropped (OVS's socket full) */
	uint64_t xdp_received;
	uint64_t from_ring;    /* through vtapd's ring buffer (XDP tap; TC, until moved) */
	unsigned int clients;
};

/* Set up on the peer of m->port (which must be a veth). Its XDP program's
 * maps are pinned under the pin root (kernel/xsk_pins.h): a program an
 * earlier vtapd left on the peer is replaced in place by one on the same
 * maps, and the pcapng file already there is continued (pcapng.h: a new
 * section). errbuf gets one line naming what failed. */
int vtap_capture_open(struct vtap_capture **c, const struct vtap_monitor *m, const char *peer,
		      vtap_policy_name_fn name_fn, void *name_arg, char *errbuf, size_t errlen);
/* The AF_XDP socket (-1: none). The capture puts its fds in the epoll of
 * vtap_capture_set_epoll itself: the socket, its pacing timer (pace.h),
 * live clients. */
int vtap_capture_fd(const struct vtap_capture *c);
/* Read what the socket holds (up to a bound per call), write it out. */
void vtap_capture_poll(struct vtap_capture *c);
/* Is fd one of this capture's (socket, timer, client)? Then served: true. */
bool vtap_capture_event(struct vtap_capture *c, int fd, uint32_t events);
/* A copy that came another way: written like the socket's, under
 * policy_id's interface. tai_ns: when it was copied (CLOCK_TAI; 0 = now).
 * Call vtap_capture_flush after a batch. _ring: a copy from vtapd's ring
 * buffer (the XDP tap's copies, the TC tap's until the capture moved to
 * its sink veth), counted from_ring. */
void vtap_capture_write_ring(struct vtap_capture *c, uint32_t policy_id, uint64_t tai_ns,
			     const uint8_t *pkt, uint32_t caplen, uint32_t orig);
void vtap_capture_write(struct vtap_capture *c, uint32_t policy_id, uint64_t tai_ns,
			const uint8_t *pkt, uint32_t caplen, uint32_t orig);
void vtap_capture_flush(struct vtap_capture *c);
/* A live client: vtapd has answered "ok"; fd now receives a pcapng stream
 * of policy_id's copies (count 0 = until the client goes away). Takes fd. */
int vtap_capture_add_client(struct vtap_capture *c, int fd, uint32_t policy_id,
			    const char *policy, uint32_t snaplen, uint64_t count);
/* Is fd one of this capture's clients? Then serve its event (EPOLLIN =
 * it went away or wrote; EPOLLOUT = room to write): returns true. */
bool vtap_capture_client_event(struct vtap_capture *c, int fd, uint32_t events);
void vtap_capture_stats(const struct vtap_capture *c, struct vtap_capture_stats *s);
/* Is it still what m describes (same port, file, rotation; its file open,
 * if it has one)? */
bool vtap_capture_same(const struct vtap_capture *c, const struct vtap_monitor *m);
const char *vtap_capture_monitor(const struct vtap_capture *c);
/* Another file or rotation for m (same port): what the socket holds goes
 * to the old file, the rest to the new one. On failure the records are
 * counted as file errors (live captures go on). */
int vtap_capture_set_file(struct vtap_capture *c, const struct vtap_monitor *m);
/* epoll the capture adds its fds to (set by vtapd before any open). */
void vtap_capture_set_epoll(int epfd);
/* fn(arg) before a capture reads its socket: vtapd writes out the copies
 * the ring buffer holds, which were made before what the socket holds. */
void vtap_capture_set_before_read(void (*fn)(void *), void *arg);
/* What the socket holds is written first. keep (vtapd exits with --keep):
 * the XDP program stays on the peer with its pinned maps, counting the
 * copies that come meanwhile (no_socket) until the next vtapd takes over;
 * otherwise it comes off and its pins go. */
void vtap_capture_close(struct vtap_capture *c, bool keep);

#endif
