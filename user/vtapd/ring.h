/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's end of the taps' ring buffer (the XDP tap's copies, the TC
 * tap's to capture monitors): drained in batches from the
 * event loop, each copy delivered to the user-space sink it was made for:
 * a capture monitor's pcapng writer, or an ovs monitor's AF_XDP TX socket.
 * A copy nobody can take now (its policy or monitor gone since it was
 * made) is counted, never dropped silently. */
#ifndef VTAP_VTAPD_RING_H
#define VTAP_VTAPD_RING_H

#include <stdbool.h>
#include "sinks.h"
#include "sinks/pace.h"

struct ring_buffer;

struct vtapd_ring {
	struct ring_buffer *rb;
	struct vtap_pace pace;	  /* woken by the ring while quiet, by a timer while busy */
	unsigned int cap;	  /* 64-byte copies the ring holds */
	unsigned long long bytes; /* of the records read since the last drain */
	bool hold;		  /* the sinks are changing: no reads but the apply's own */
	const struct vtapd_sinks *sinks;
	/* policy id -> index + 1 in sinks of its monitor's sink (0: none) */
	unsigned short sink[VTAP_MAX_RULES];
	/* a copy goes to the sink whose port it was made for (the record's
	 * sink_ifindex -> index + 1 in sinks): a group's to the member the
	 * tap chose, and any copy made under the rule set before a flip to
	 * the monitor that set named; by policy id when no sink has its port */
	struct {
		__u32 ifindex;
		unsigned short k;
	} by_port[VTAP_MAX_SINKS];
	size_t n_by_port;
	unsigned long long records, unrouted, bad;
	unsigned long long cut; /* copies longer than VTAP_RING_COPY_MAX, cut */
};

/* Read the ring map_fd (watched by epfd, paced: sinks/pace.h); its copies
 * go to sinks. */
int vtapd_ring_open(struct vtapd_ring *r, int map_fd, const struct vtapd_sinks *sinks, int epfd);
/* fd is the ring's or its pacing timer's: drained, true. */
bool vtapd_ring_event(struct vtapd_ring *r, int fd);
void vtapd_ring_drain(struct vtapd_ring *r);
/* What the ring holds now, to its sinks (paced by the next drain): before
 * a capture reads its socket, so a file's records keep the order the
 * copies were made in. Not while hold is set (an apply changing the
 * sinks: vtapd_ring_route clears it). arg: the vtapd_ring. */
void vtapd_ring_consume(void *arg);
/* Policy id -> its sink, for the set in effect (drain before the sinks
 * change, and set hold until this). */
void vtapd_ring_route(struct vtapd_ring *r, const struct vtap_policy_set *set, const __u32 *ids);
void vtapd_ring_close(struct vtapd_ring *r);

#endif
