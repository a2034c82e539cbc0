// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>
#include <vtap/abi.h>
#include "csum_partial.h"
#include "segment.h"
#include "xsk_tx.h"

/* 4 KiB frames: a copy of up to the sink veth's MTU (3000) fits one */
#define TX_FRAME_SIZE 4096u
#define TX_FRAMES     2048u
#define TAG_LEN	      4u

struct vtap_xsk_tx {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq;
	uint64_t free[TX_FRAMES]; /* stack of free UMEM frame addresses */
	uint32_t n_free;
	uint32_t max_len;   /* longest frame the veth takes, tag included */
	bool kicked;	    /* frames ran out since the last flush: sent once */
	bool complete_csum; /* finish partial TCP/UDP checksums (csum_partial.h) */
	struct vtap_xsk_tx_stats st;
};

static uint32_t if_mtu(const char *ifname)
{
	char path[64];
	unsigned int mtu = 1500;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%u", &mtu) != 1)
			mtu = 1500;
		fclose(f);
	}
	return mtu;
}

int vtap_xsk_tx_open(struct vtap_xsk_tx **out, const char *ifname, char *errbuf, size_t errlen)
{
	struct xsk_umem_config ucfg = {
	    .fill_size = 64, .comp_size = TX_FRAMES, .frame_size = TX_FRAME_SIZE};
	/* TX only: no XDP program (libxdp's would go on the sink veth), no RX
	 * ring; copy mode, need_wakeup (a send() kicks the transmission) */
	struct xsk_socket_config scfg = {.rx_size = 0,
					 .tx_size = TX_FRAMES,
					 .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					 .xdp_flags = XDP_FLAGS_DRV_MODE,
					 .bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY};
	size_t size = (size_t)TX_FRAMES * TX_FRAME_SIZE;
	struct vtap_xsk_tx *t = calloc(1, sizeof(*t));
	int ret = -ENOMEM;

	*out = NULL;
	if (!t)
		goto fail;
	t->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->area == MAP_FAILED) {
		t->area = NULL;
		ret = -errno;
		goto fail;
	}
	ret = xsk_umem__create(&t->umem, t->area, size, &t->fq, &t->cq, &ucfg);
	if (!ret)
		ret = xsk_socket__create(&t->xsk, ifname, 0, t->umem, NULL, &t->tx, &scfg);
	if (ret)
		goto fail;
	for (uint32_t i = 0; i < TX_FRAMES; i++)
		t->free[t->n_free++] = (uint64_t)i * TX_FRAME_SIZE;
	/* what a veth forwards: MTU + Ethernet header + one VLAN tag */
	t->max_len = if_mtu(ifname) + 14 + TAG_LEN;
	if (t->max_len > TX_FRAME_SIZE)
		t->max_len = TX_FRAME_SIZE;
	*out = t;
	return 0;
fail:
	snprintf(errbuf, errlen, "AF_XDP TX socket on %s: %s", ifname, strerror(-ret));
	vtap_xsk_tx_close(t);
	return ret;
}

/* Frames the kernel has sent come back on the completion ring. */
static void reclaim(struct vtap_xsk_tx *t)
{
	uint32_t idx = 0, n = xsk_ring_cons__peek(&t->cq, TX_FRAMES, &idx);

	for (uint32_t i = 0; i < n; i++)
		t->free[t->n_free++] = *xsk_ring_cons__comp_addr(&t->cq, idx + i);
	xsk_ring_cons__release(&t->cq, n);
	t->st.completed += n;
}

static uint32_t kick(struct vtap_xsk_tx *t);

/* A TX descriptor with a UMEM frame for one copy, or NULL with the copy
 * counted (every frame in flight, or the TX ring full). Submit it. */
static struct xdp_desc *tx_desc(struct vtap_xsk_tx *t)
{
	struct xdp_desc *d;
	uint32_t idx = 0;

	if (!t->n_free)
		reclaim(t);
	/* a read of many records (a super-frame is tens of segments) can
	 * fill every frame before the flush after it: send what waits once,
	 * then take back what the device has taken */
	if (!t->n_free && !t->kicked) {
		t->kicked = true;
		kick(t);
		reclaim(t);
	}
	if (!t->n_free) {
		t->st.no_frame++;
		return NULL;
	}
	if (xsk_ring_prod__reserve(&t->tx, 1, &idx) != 1) {
		t->st.ring_full++;
		return NULL;
	}
	d = xsk_ring_prod__tx_desc(&t->tx, idx);
	d->addr = t->free[--t->n_free];
	d->options = 0;
	return d;
}

/* The session tag after the MAC addresses of the frame at p */
static void put_tag(uint8_t *p, uint32_t id)
{
	uint16_t tag[2] = {htons(0x8100), htons((uint16_t)(id + 1))};

	memcpy(p + 12, tag, TAG_LEN);
}

void vtap_xsk_tx_complete_csum(struct vtap_xsk_tx *t, bool on)
{
	t->complete_csum = on;
}

void vtap_xsk_tx_queue(struct vtap_xsk_tx *t, uint32_t id, const uint8_t *frame, uint32_t len)
{
	struct xdp_desc *d;
	uint32_t at = 0;
	uint16_t csum;
	uint8_t *p;

	if (id > VTAP_SESSION_VLAN_MAX || len < 12) {
		t->st.bad_id++;
		return;
	}
	d = tx_desc(t);
	if (!d)
		return;
	if (len + TAG_LEN > t->max_len) {
		len = t->max_len - TAG_LEN;
		t->st.cut++;
	} else if (t->complete_csum) {
		at = vtap_csum_partial(frame, len, &csum);
	}
	d->len = len + TAG_LEN;
	p = xsk_umem__get_data(t->area, d->addr);
	/* MAC addresses, the session tag, the rest of the copy */
	memcpy(p, frame, 12);
	put_tag(p, id);
	memcpy(p + 12 + TAG_LEN, frame + 12, len - 12);
	if (at) { /* past the MAC addresses: moved by the tag */
		memcpy(p + at + TAG_LEN, &csum, 2);
		t->st.csum_completed++;
	}
	xsk_ring_prod__submit(&t->tx, 1);
	t->st.sent++;
}

void vtap_xsk_tx_queue_gso(struct vtap_xsk_tx *t, uint32_t id, const uint8_t *frame, uint32_t len,
			   uint32_t mss)
{
	struct xdp_desc *d;
	struct vtap_seg s;
	uint32_t left;
	uint8_t *p;

	/* even one that fits the veth is cut: two segments of the VM's size
	 * make a frame longer than the wire's, and the VM left its TCP
	 * checksum to the device */
	if (id > VTAP_SESSION_VLAN_MAX) {
		vtap_xsk_tx_queue(t, id, frame, len);
		return;
	}
	if (vtap_seg_start(&s, frame, len, mss, t->max_len - TAG_LEN)) {
		t->st.unsegmented++;
		vtap_xsk_tx_queue(t, id, frame, len);
		return;
	}
	t->st.gso++;
	while ((left = vtap_seg_left(&s))) {
		d = tx_desc(t);
		if (!d) {
			/* no room for this segment (counted), nor for the
			 * rest: counted alike, without cutting them */
			if (!t->n_free)
				t->st.no_frame += left - 1;
			else
				t->st.ring_full += left - 1;
			t->st.segments += left;
			return;
		}
		/* the segment straight into the UMEM frame, past the tag's
		 * room; then its MAC addresses move up and the tag goes in */
		p = xsk_umem__get_data(t->area, d->addr);
		d->len = vtap_seg_next(&s, p + TAG_LEN) + TAG_LEN;
		memmove(p, p + TAG_LEN, 12);
		put_tag(p, id);
		xsk_ring_prod__submit(&t->tx, 1);
		t->st.sent++;
		t->st.segments++;
	}
}

/* descriptors in the TX ring the kernel has not taken yet */
static uint32_t waiting(struct vtap_xsk_tx *t)
{
	return TX_FRAMES - xsk_prod_nb_free(&t->tx, TX_FRAMES);
}

/* Send what waits in the TX ring; what the device did not take stays. */
static uint32_t kick(struct vtap_xsk_tx *t)
{
	uint32_t left = waiting(t), before;

	/* copy mode sends in the context of the call, a batch of 32 at a
	 * time (EAGAIN: more to send, or the device is busy: a veth whose
	 * peer's queue is full stops taking frames until the peer has read
	 * some, kernel >= 6.16). EBUSY: the device dropped the frame it was
	 * given (the veth without carrier, its peer down; a full peer queue
	 * before 6.16), which the kernel has taken from the ring and gives
	 * back: counted, and the next ones tried. What is left stays in the
	 * ring for the next flush, which the caller makes soon. */
	for (uint32_t i = 0; left && i <= TX_FRAMES; i++) {
		before = left;
		if (sendto(xsk_socket__fd(t->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			break;
		if (errno == EBUSY)
			t->st.dev_dropped++;
		else if (errno != EAGAIN)
			break;
		left = waiting(t);
		if (left == before)
			break; /* busy: nothing taken */
	}
	return left;
}

uint32_t vtap_xsk_tx_flush(struct vtap_xsk_tx *t)
{
	kick(t);
	reclaim(t);
	t->kicked = false;
	return waiting(t);
}

void vtap_xsk_tx_stats(const struct vtap_xsk_tx *t, struct vtap_xsk_tx_stats *s)
{
	struct xdp_statistics xs = {0};
	socklen_t len = sizeof(xs);

	*s = t->st;
	if (!getsockopt(xsk_socket__fd(t->xsk), SOL_XDP, XDP_STATISTICS, &xs, &len))
		s->invalid = xs.tx_invalid_descs;
}

void vtap_xsk_tx_close(struct vtap_xsk_tx *t)
{
	if (!t)
		return;
	/* what waits in the TX ring goes out first (one flush: a device
	 * without room keeps the rest, dropped with the socket) */
	if (t->xsk) {
		kick(t);
		xsk_socket__delete(t->xsk);
	}
	if (t->umem)
		xsk_umem__delete(t->umem);
	if (t->area)
		munmap(t->area, (size_t)TX_FRAMES * TX_FRAME_SIZE);
	free(t);
}
