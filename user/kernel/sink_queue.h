/* SPDX-License-Identifier: GPL-2.0 */
/* The receiving half of a capture or ovs sink off the tapped port's CPU.
 *
 * A copy sent into a sink veth is received by its peer's NAPI, whose XDP
 * program hands it to an AF_XDP socket (vtapd's, or OVS's): the veth turns
 * the cloned skb into an XDP buffer (a page and a copy) and AF_XDP copies it
 * again. Without more, all of that runs in the softirq of the CPU that sent
 * the copy, the tapped VM's, and a copy then cost that CPU about twice what
 * a copy to a local monitor does (docs/architecture.md, "Where a user-space
 * sink's time goes"; tests/bench/bench_sinks). So:
 *  - the peer's NAPI runs in its own kernel thread (sysfs `threaded`),
 *    which the scheduler puts on another CPU;
 *  - polled on a timer while copies flow (`napi_defer_hard_irqs`,
 *    `gro_flush_timeout`): the sending CPU then only queues a copy into
 *    the veth's ring, without waking the thread for each one;
 *  - the sink veth gets a pfifo root qdisc (handle 7a70:, SINK_QUEUE_LIMIT
 *    frames): when the thread falls behind and the veth's 256-frame ring
 *    is full, the veth stops its queue (kernel >= 6.16) and copies wait in
 *    the qdisc, where they would otherwise be dropped by the veth. Copies
 *    the qdisc cannot hold are dropped there and counted (sink_dropped).
 * Each setting is read before it is changed and put back by undo (a device
 * vtapd created goes with its settings). */
#ifndef VTAP_USER_SINK_QUEUE_H
#define VTAP_USER_SINK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#define SINK_QUEUE_LIMIT   10000u  /* copies the qdisc holds: 50 ms at 200 kpps */
#define SINK_NAPI_DEFER	   100	   /* timer-driven polls before the next wake-up */
#define SINK_NAPI_TIMER_NS "50000" /* at most 50 us between polls: 10 copies at 200 kpps */

struct vtap_sink_queue {
	char sink[IF_NAMESIZE], peer[IF_NAMESIZE];
	bool napi;  /* the peer's NAPI settings were changed */
	bool qdisc; /* the pfifo is vtap's */
	char old_threaded[16], old_defer[16], old_timer[24];
};

/* Move the peer's receive work to its own thread and queue the sink.
 * 0, or -errno of the first step that failed (the steps before it stay;
 * undo takes them back). -EOPNOTSUPP: the peer has no NAPI yet (no XDP
 * program). */
int vtap_sink_queue_setup(struct vtap_sink_queue *q, const char *sink, const char *peer);
/* Copies the sink's qdisc dropped (0 without one). */
uint64_t vtap_sink_queue_dropped(const struct vtap_sink_queue *q);
void vtap_sink_queue_undo(struct vtap_sink_queue *q);

#endif
