// SPDX-License-Identifier: GPL-2.0
/* The forwarding lcore: bursts from each VM-side port to its network-side
 * partner and back, the tap on every frame (dpdk_tap.c: the same parser,
 * classifier and counters as the kernel path), copies to monitor ports.
 * No locks: the image is read through one pointer per round, counters are
 * written by this lcore only. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include "vdp.h"

/* Copies waiting for one monitor port, sent after each rx burst. */
struct copyq {
	struct rte_mbuf *m[VDP_BURST];
	__u32 policy[VDP_BURST];
	__u32 orig_len[VDP_BURST];
	__u32 len[VDP_BURST];
	bool cut[VDP_BURST];
	uint16_t n;
};

/* tx_burst until the PMD takes no more: AF_XDP completes asynchronously
 * and frees ring slots between calls */
static uint16_t tx_all(uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = 0;

	for (int tries = 0; sent < n && tries < 8; tries++) {
		uint16_t k = rte_eth_tx_burst(port, 0, m + sent, n - sent);

		if (!k && tries > 2)
			break;
		sent += k;
	}
	return sent;
}

static int monitor_of(struct vdp *v, __u32 ifindex)
{
	for (int i = 0; i < v->n_mon; i++)
		if (v->mon[i].port.ifindex == ifindex)
			return i;
	return -1;
}

/* The copy of m for rule r: a clone (no data copied) when it is sent
 * whole, a copy of the first snaplen bytes when it is cut; for a vxlan
 * monitor, always a copy, encapsulated (vxlan.c). */
static void copy_one(struct vdp *v, const struct vdp_rules *rl, struct copyq *q, struct rte_mbuf *m,
		     const struct vtap_copy *r)
{
	struct vtap_counters *c = &v->stats->pol[r->policy_id & (VTAP_MAX_RULES - 1)];
	int k = monitor_of(v, r->sink_ifindex);
	struct rte_mbuf *cp;
	struct copyq *mq;
	bool cut = r->snaplen && m->pkt_len > r->snaplen;
	uint32_t id = r->policy_id & (VTAP_MAX_RULES - 1);

	/* no such monitor port here: a copy failure, as a missing sink is on
	 * the kernel path */
	if (k < 0 || !r->sink_ifindex) {
		c->copy_fail++;
		return;
	}
	if (v->mon[k].vxlan)
		cp = vdp_vxlan_copy(v, &v->mon[k],
				    &rl->tun[r->session < VDP_TUNNELS ? r->session : id], m,
				    r->snaplen, &cut);
	else if (cut)
		cp = rte_pktmbuf_copy(m, v->copy_pool, 0, r->snaplen);
	else
		cp = rte_pktmbuf_clone(m, v->copy_pool);
	if (!cp) {
		c->copy_fail++;
		return;
	}
	mq = &q[k];
	mq->m[mq->n] = cp;
	mq->policy[mq->n] = r->policy_id;
	mq->orig_len[mq->n] = m->pkt_len;
	mq->len[mq->n] = cp->pkt_len;
	mq->cut[mq->n] = cut;
	mq->n++;
}

/* copies: handed to the monitor port; copy_fail: refused (ring full) */
static void flush_copies(struct vdp *v, struct copyq *q)
{
	for (int k = 0; k < v->n_mon; k++) {
		struct copyq *mq = &q[k];
		struct vdp_monitor *mon = &v->mon[k];
		uint16_t sent;

		if (!mq->n)
			continue;
		sent = tx_all(mon->port.id, mq->m, mq->n);
		for (uint16_t i = 0; i < mq->n; i++) {
			struct vtap_counters *c =
			    &v->stats->pol[mq->policy[i] & (VTAP_MAX_RULES - 1)];

			if (i < sent) {
				c->copies++;
				c->copy_bytes += mq->orig_len[i];
				mon->delivered++;
				mon->delivered_bytes += mq->len[i];
				mon->truncated += mq->cut[i];
			} else {
				c->copy_fail++;
				rte_pktmbuf_free(mq->m[i]);
			}
		}
		mon->port.tx += sent;
		mon->port.tx_drop += mq->n - sent;
		mq->n = 0;
	}
}

/* One burst from one side to the other; dir is the VM's view of it.
 * Returns the frames received. */
static uint16_t burst(struct vdp *v, const struct vdp_rules *rl, struct vdp_port *from,
		      struct vdp_port *to, __u32 ifindex, __u8 dir, struct copyq *q)
{
	struct rte_mbuf *m[VDP_BURST];
	uint16_t n = rte_eth_rx_burst(from->id, 0, m, VDP_BURST), sent;

	if (!n)
		return 0;
	from->rx += n;
	for (uint16_t i = 0; i < n; i++) {
		struct vtap_copy cp;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 1], void *));
		if (!rl)
			continue;
		if (vdp_tap(&rl->img, v->stats, rte_pktmbuf_mtod(m[i], void *),
			    rte_pktmbuf_data_len(m[i]), m[i]->pkt_len, ifindex, dir, &cp))
			copy_one(v, rl, q, m[i], &cp);
	}
	/* the copies first: they hold references to the originals' data */
	flush_copies(v, q);
	sent = tx_all(to->id, m, n);
	to->tx += sent;
	if (sent < n) {
		to->tx_drop += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
	return n;
}

/* Monitor ports carry copies out only: what arrives on them is dropped. */
static void drain_monitors(struct vdp *v)
{
	struct rte_mbuf *m[VDP_BURST];

	for (int k = 0; k < v->n_mon; k++) {
		uint16_t n = rte_eth_rx_burst(v->mon[k].port.id, 0, m, VDP_BURST);

		if (n) {
			v->mon[k].rx_dropped += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	}
}

int vdp_fwd_loop(void *arg)
{
	struct vdp *v = arg;
	struct copyq q[VDP_MAX_MONITORS] = {0};
	unsigned int idle = 0;

	v->running = 1;
	while (!v->quit) {
		const struct vdp_rules *rl = __atomic_load_n(&v->rules, __ATOMIC_ACQUIRE);
		unsigned int n = 0;

		for (int p = 0; p < v->n_pairs; p++) {
			__u32 ifx = v->vm[p].ifindex;

			/* from the VM: it sends (out); to the VM: it receives (in) */
			n += burst(v, rl, &v->vm[p], &v->net[p], ifx, VTAP_DIR_OUT, q);
			n += burst(v, rl, &v->net[p], &v->vm[p], ifx, VTAP_DIR_IN, q);
		}
		drain_monitors(v);
		/* a burst boundary: the image loaded above is no longer used;
		 * the fence orders this store before the next round's load of
		 * the image (a store then a load: release/acquire alone lets
		 * them pass each other, and the swap could free an image a
		 * round still reads) */
		__atomic_store_n(&v->epoch, v->epoch + 1, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		/* on a shared host, an idle bump in the wire must not hold a
		 * core: after a while without frames it naps between rounds */
		idle = n ? 0 : idle + 1;
		if (v->idle_us && idle > 1024)
			rte_delay_us_sleep(v->idle_us);
	}
	v->running = 0;
	return 0;
}
