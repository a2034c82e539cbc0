// SPDX-License-Identifier: GPL-2.0
/* A capture monitor: its XDP program and AF_XDP socket on the sink veth's
 * peer, its pcapng file (the live streams are capture_live.c). */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>
#include "capture.h"
#include "core/log.h"
#include "kernel/attach.h"
#include "kernel/sink_queue.h"
#include "kernel/xsk_pins.h"
#include "capture_internal.h"
#include "vtap_xsk.skel.h"
#include <vtap/abi.h>
#include <vtap/map_types.h>

/* UMEM: 4 KiB frames (a copy of up to the sink MTU fits one), 2048 of them
 * (8 MiB), all handed to the kernel's fill ring; the receive ring as long.
 * Read paced (pace.h): a period's copies fill at most a quarter of it. */
#define CAP_FRAME_SIZE 4096u
#define CAP_FRAMES     2048u
#define CAP_BATCH      64u
#define CAP_POLL_MAX   CAP_FRAMES /* frames per vtap_capture_poll: others wait */
static int cap_epfd = -1;
static void (*cap_before_read)(void *);
static void *cap_before_arg;

void vtap_capture_set_epoll(int epfd)
{
	cap_epfd = epfd;
}

void vtap_capture_set_before_read(void (*fn)(void *), void *arg)
{
	cap_before_read = fn;
	cap_before_arg = arg;
}

void vtap_capture_ep_watch(int fd, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (cap_epfd >= 0 && epoll_ctl(cap_epfd, op, fd, &ev))
		log_debug("epoll_ctl(%d, fd %d): %s", op, fd, strerror(errno));
}

static int64_t tai_offset(void)
{
	struct timespec tai, real;

	clock_gettime(CLOCK_TAI, &tai);
	clock_gettime(CLOCK_REALTIME, &real);
	return (int64_t)(tai.tv_sec - real.tv_sec) * 1000000000LL + (tai.tv_nsec - real.tv_nsec);
}

/* Put the XDP program on the peer; replace only an earlier vtapd's. */
static int attach_xdp(struct vtap_capture *c, char *errbuf, size_t errlen)
{
	__u32 other = 0;
	int ret = vtap_hook_attach_xdp(&c->xdp, c->peer_ifindex,
				       bpf_program__fd(c->skel->progs.vtap_xsk),
				       VTAP_XDP_REPLACE_SAME_NAME, &other);

	if (ret == -EBUSY)
		snprintf(errbuf, errlen,
			 "%s already has an XDP program (id %u) that is not vtap's; "
			 "vtap does not replace it",
			 c->peer, other);
	else if (ret)
		snprintf(errbuf, errlen, "cannot attach XDP to %s: %s", c->peer, strerror(-ret));
	return ret;
}

static int open_xsk(struct vtap_capture *c, char *errbuf, size_t errlen)
{
	struct xsk_umem_config ucfg = { .fill_size = CAP_FRAMES,
					.comp_size = 64,
					.frame_size = CAP_FRAME_SIZE,
					.frame_headroom = 0 };
	struct xsk_socket_config scfg = { .rx_size = CAP_FRAMES,
					  .tx_size = 0,
					  .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					  .xdp_flags = XDP_FLAGS_DRV_MODE,
					  .bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY };
	size_t size = (size_t)CAP_FRAMES * CAP_FRAME_SIZE;
	__u32 idx = 0;
	int ret;

	c->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->area == MAP_FAILED) {
		c->area = NULL;
		ret = -errno;
		snprintf(errbuf, errlen, "cannot map %zu bytes for AF_XDP: %s", size,
			 strerror(-ret));
		return ret;
	}
	ret = xsk_umem__create(&c->umem, c->area, size, &c->fq, &c->cq, &ucfg);
	if (ret) {
		snprintf(errbuf, errlen, "AF_XDP umem on %s: %s", c->peer, strerror(-ret));
		return ret;
	}
	ret = xsk_socket__create(&c->xsk, c->peer, 0, c->umem, &c->rx, NULL, &scfg);
	if (ret) {
		snprintf(errbuf, errlen, "AF_XDP socket on %s queue 0: %s", c->peer,
			 strerror(-ret));
		return ret;
	}
	if (xsk_ring_prod__reserve(&c->fq, CAP_FRAMES, &idx) != CAP_FRAMES) {
		snprintf(errbuf, errlen, "AF_XDP fill ring of %s: no room", c->peer);
		return -ENOSPC;
	}
	for (__u32 i = 0; i < CAP_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&c->fq, idx++) = (__u64)i * CAP_FRAME_SIZE;
	xsk_ring_prod__submit(&c->fq, CAP_FRAMES);
	ret = xsk_socket__update_xskmap(c->xsk, bpf_map__fd(c->skel->maps.vtap_xsks));
	if (ret) {
		snprintf(errbuf, errlen, "cannot register the AF_XDP socket of %s: %s", c->peer,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

/* The program, its maps pinned under the pin root: a run before this one
 * (--keep, a crash) left its program on the peer counting into them, and
 * the program that replaces it counts on where it left off. Pins another
 * build made that this one's maps do not fit are replaced. */
static int load_skel(struct vtap_capture *c)
{
	int ret = 0;

	for (int tries = 0; tries < 2; tries++) {
		vtap_xsk__destroy(c->skel);
		c->skel = vtap_xsk__open();
		if (!c->skel)
			return -errno;
		c->pinned = !vtap_xsk_pin_maps(c->skel->maps.vtap_xsks,
					       c->skel->maps.vtap_xsk_stats, c->peer);
		ret = vtap_xsk__load(c->skel);
		if (!ret || !c->pinned)
			break;
		log_warn("capture on %s: the pinned maps do not fit this program (%s); made anew",
			 c->peer, strerror(-ret));
		vtap_xsk_unpin(c->peer);
	}
	return ret;
}

int vtap_capture_open(struct vtap_capture **out, const struct vtap_monitor *m, const char *peer,
		      vtap_policy_name_fn name_fn, void *name_arg, char *errbuf, size_t errlen)
{
	struct vtap_capture *c = calloc(1, sizeof(*c));
	int ret = -ENOMEM;

	*out = NULL;
	if (!c || !(c->file_if = malloc(sizeof(int) * VTAP_MAX_RULES)) ||
	    !(c->file_if_name = calloc(VTAP_MAX_RULES, sizeof(char *)))) {
		snprintf(errbuf, errlen, "out of memory");
		goto err;
	}
	for (int i = 0; i < VTAP_MAX_RULES; i++)
		c->file_if[i] = -1;
	c->pace.src_fd = c->pace.timer_fd = -1;
	snprintf(c->monitor, sizeof(c->monitor), "%s", m->name);
	snprintf(c->port, sizeof(c->port), "%s", m->port);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->file_path, sizeof(c->file_path), "%s", m->file);
	c->rotate_size = m->rotate_size;
	c->rotate_count = m->rotate_count;
	c->name_fn = name_fn;
	c->name_arg = name_arg;
	c->tai_offset_ns = tai_offset();
	c->peer_ifindex = (int)if_nametoindex(peer);
	if (!c->peer_ifindex) {
		ret = -ENODEV;
		snprintf(errbuf, errlen, "no interface %s", peer);
		goto err;
	}
	ret = load_skel(c);
	if (ret) {
		snprintf(errbuf, errlen, "cannot load the AF_XDP redirect program: %s",
			 strerror(-ret));
		goto err;
	}
	if ((ret = attach_xdp(c, errbuf, errlen)) || (ret = open_xsk(c, errbuf, errlen)))
		goto err;
	/* without it the copies still arrive, at twice the cost to the tapped
	 * ports' CPUs (sink_queue.h) */
	ret = vtap_sink_queue_setup(&c->queue, c->port, c->peer);
	if (ret)
		log_warn("monitor %s: %s receives on the tapped ports' CPUs: %s", c->monitor,
			 c->peer, strerror(-ret));
	/* a file already there is continued, never cut (pcapng.h) */
	if (c->file_path[0] &&
	    (ret = vtap_pcapng_file_resume(&c->file, c->file_path, c->rotate_size,
					   c->rotate_count))) {
		snprintf(errbuf, errlen, "cannot write %s: %s", c->file_path, strerror(-ret));
		goto err;
	}
	ret = vtap_pace_init(&c->pace, cap_epfd, xsk_socket__fd(c->xsk));
	if (ret) {
		snprintf(errbuf, errlen, "cannot make a timer: %s", strerror(-ret));
		goto err;
	}
	*out = c;
	return 0;
err:
	/* a program it replaced on the peer is gone already: its pins go */
	vtap_capture_close(c, false);
	return ret;
}

int vtap_capture_fd(const struct vtap_capture *c)
{
	return c->xsk ? xsk_socket__fd(c->xsk) : -1;
}

/* One copy of policy id into the file and the live streams. tai_ns: when
 * it was copied (CLOCK_TAI), 0 = now. */
void vtap_capture_write(struct vtap_capture *c, uint32_t id, uint64_t tai_ns, const uint8_t *pkt,
			uint32_t caplen, uint32_t orig)
{
	const char *name;
	uint64_t ts;

	if (tai_ns) {
		ts = tai_ns - (uint64_t)c->tai_offset_ns;
	} else {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		ts = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	}
	name = id < VTAP_MAX_RULES ? c->name_fn(c->name_arg, id) : NULL;
	if (!name) {
		c->st.unknown++;
		return;
	}
	if (!c->file && c->file_path[0]) {
		c->st.file_errors++; /* its file could not be opened */
	} else if (c->file) {
		if (c->file_if[id] < 0 || strcmp(c->file_if_name[id], name)) {
			free(c->file_if_name[id]);
			c->file_if_name[id] = strdup(name);
			c->file_if[id] = c->file_if_name[id]
					     ? vtap_pcapng_file_iface(c->file, name, 0)
					     : -ENOMEM;
		}
		if (c->file_if[id] < 0 || vtap_pcapng_file_write(c->file, (uint32_t)c->file_if[id],
								 ts, pkt, caplen, orig))
			c->st.file_errors++;
	}
	vtap_capture_live_write(c, id, name, ts, pkt, caplen, orig);
}

void vtap_capture_write_ring(struct vtap_capture *c, uint32_t id, uint64_t tai_ns,
			     const uint8_t *pkt, uint32_t caplen, uint32_t orig)
{
	c->st.from_ring++;
	vtap_capture_write(c, id, tai_ns, pkt, caplen, orig);
}

/* A frame from the sink: MAC addresses, the session tag (VID = policy id
 * + 1), the length tag, then the rest of the copy. The tags are taken out
 * in place (the frame is ours until it goes back to the fill ring). */
static void deliver(struct vtap_capture *c, uint8_t *pkt, uint32_t len)
{
	uint32_t id, orig, caplen;
	struct vtap_xsk_meta meta;
	uint16_t w[4];

	if (len < 12 + VTAP_SESSION_TAGS_LEN) {
		c->st.bad++;
		return;
	}
	memcpy(w, pkt + 12, sizeof(w));
	if (ntohs(w[0]) != 0x8100 || ntohs(w[2]) != VTAP_CAP_LEN_ETHERTYPE ||
	    (ntohs(w[1]) & 0xfff) == 0) {
		c->st.bad++;
		return;
	}
	id = (ntohs(w[1]) & 0xfff) - 1;
	memmove(pkt + VTAP_SESSION_TAGS_LEN, pkt, 12);
	pkt += VTAP_SESSION_TAGS_LEN;
	caplen = len - VTAP_SESSION_TAGS_LEN;
	orig = ntohs(w[3]);
	if (orig < caplen)
		orig = caplen;
	/* the XDP program's arrival time sits before the frame (metadata) */
	memcpy(&meta, pkt - VTAP_SESSION_TAGS_LEN - sizeof(meta), sizeof(meta));
	vtap_capture_write(c, id, meta.tai_ns, pkt, caplen, orig);
}

/* Write out what the file buffers and what live clients wait for. */
static void flush_out(struct vtap_capture *c)
{
	if (c->file && vtap_pcapng_file_flush(c->file))
		c->st.file_errors++;
	vtap_capture_live_flush(c);
}

void vtap_capture_flush(struct vtap_capture *c)
{
	/* chrony may set the kernel's TAI offset after vtapd started */
	c->tai_offset_ns = tai_offset();
	flush_out(c);
}

bool vtap_capture_event(struct vtap_capture *c, int fd, uint32_t events)
{
	if (c->xsk && vtap_pace_owns(&c->pace, fd)) {
		vtap_capture_poll(c);
		return true;
	}
	return vtap_capture_client_event(c, fd, events);
}

void vtap_capture_poll(struct vtap_capture *c)
{
	unsigned int total = 0;

	if (!c->xsk)
		return;
	if (cap_before_read)
		cap_before_read(cap_before_arg);
	/* chrony may set the kernel's TAI offset after vtapd started */
	c->tai_offset_ns = tai_offset();
	while (total < CAP_POLL_MAX) {
		__u32 idx_rx = 0, idx_fq = 0;
		unsigned int n = xsk_ring_cons__peek(&c->rx, CAP_BATCH, &idx_rx);

		if (!n)
			break;
		/* the frames go back to the fill ring once read */
		while (xsk_ring_prod__reserve(&c->fq, n, &idx_fq) != n)
			;
		for (unsigned int i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&c->rx, idx_rx + i);

			deliver(c, xsk_umem__get_data(c->area, d->addr), d->len);
			*xsk_ring_prod__fill_addr(&c->fq, idx_fq + i) =
			    xsk_umem__extract_addr(d->addr) & ~(__u64)(CAP_FRAME_SIZE - 1);
		}
		xsk_ring_prod__submit(&c->fq, n);
		xsk_ring_cons__release(&c->rx, n);
		c->st.received += n;
		total += n;
	}
	vtap_pace_after(&c->pace, total, CAP_FRAMES);
	/* need_wakeup: the kernel asks to be told when the fill ring has
	 * frames again (copy mode on veth takes them without being told) */
	if (xsk_ring_prod__needs_wakeup(&c->fq))
		recvfrom(xsk_socket__fd(c->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
	flush_out(c);
}

void vtap_capture_stats(const struct vtap_capture *c, struct vtap_capture_stats *s)
{
	struct vtap_pcapng_file_stats fs = { 0 };
	int ncpu = libbpf_num_possible_cpus();

	*s = c->st;
	s->clients = (unsigned int)c->n_clients;
	s->sink_dropped = vtap_sink_queue_dropped(&c->queue);
	if (c->file) {
		vtap_pcapng_file_stats(c->file, &fs);
		s->written = fs.packets;
		s->rotations = fs.rotations;
	}
	if (c->xsk) {
		struct xdp_statistics xs = { 0 };
		socklen_t len = sizeof(xs);

		/* what the kernel could not put into the socket: dropped
		 * after the XDP program's redirect, counted here */
		if (!getsockopt(xsk_socket__fd(c->xsk), SOL_XDP, XDP_STATISTICS, &xs, &len)) {
			/* Disjoint: the kernel counts a frame it had no free
			 * UMEM frame for twice, in rx_dropped and in
			 * rx_fill_ring_empty_descs (net/xdp/xsk.c, __xsk_rcv
			 * and xp_alloc): ring_full takes rx_dropped without
			 * those (what is left: frames too long for a UMEM
			 * frame), so that the counters add up to the drops. */
			__u64 other = xs.rx_dropped > xs.rx_fill_ring_empty_descs
					  ? xs.rx_dropped - xs.rx_fill_ring_empty_descs
					  : 0;

			s->ring_full = xs.rx_ring_full + other;
			s->fill_empty = xs.rx_fill_ring_empty_descs;
		}
	}
	if (c->skel && ncpu > 0) {
		struct vtap_xsk_counters *v = calloc((size_t)ncpu, sizeof(*v));
		__u32 zero = 0;

		if (v && !bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.vtap_xsk_stats), &zero, v)) {
			for (int i = 0; i < ncpu; i++) {
				s->xdp_received += v[i].received;
				s->no_socket += v[i].no_socket;
			}
		}
		free(v);
	}
}

bool vtap_capture_same(const struct vtap_capture *c, const struct vtap_monitor *m)
{
	/* a file it could not open is tried again (vtap_capture_set_file)
	 * at the next apply, a reload after the operator made its folder */
	return !strcmp(c->port, m->port) && !strcmp(c->file_path, m->file) &&
	       (!m->file[0] || c->file) && c->rotate_size == m->rotate_size &&
	       c->rotate_count == m->rotate_count;
}

const char *vtap_capture_monitor(const struct vtap_capture *c)
{
	return c->monitor;
}

/* The file's interfaces start again (a new file, or none). */
static void forget_ifaces(struct vtap_capture *c)
{
	for (int i = 0; i < VTAP_MAX_RULES; i++) {
		c->file_if[i] = -1;
		free(c->file_if_name[i]);
		c->file_if_name[i] = NULL;
	}
}

int vtap_capture_set_file(struct vtap_capture *c, const struct vtap_monitor *m)
{
	int ret = 0;

	/* what the socket holds was copied under the old file */
	vtap_capture_poll(c);
	vtap_pcapng_file_close(c->file);
	c->file = NULL;
	forget_ifaces(c);
	snprintf(c->file_path, sizeof(c->file_path), "%s", m->file);
	c->rotate_size = m->rotate_size;
	c->rotate_count = m->rotate_count;
	if (c->file_path[0])
		ret = vtap_pcapng_file_resume(&c->file, c->file_path, c->rotate_size,
					      c->rotate_count);
	if (ret)
		log_err("monitor %s: cannot write %s: %s; its records are counted as file errors",
			c->monitor, c->file_path, strerror(-ret));
	else
		log_info("monitor %s: writing %s", c->monitor,
			 c->file_path[0] ? c->file_path : "no file (live captures only)");
	return ret;
}

/* The socket's last records, none lost between a read and the close: the
 * socket leaves the program's map first, so what arrives from then on is
 * counted no_socket by the program; what it had redirected already lands in
 * the ring by the end of the NAPI poll that redirected it (on any CPU), so
 * the ring is read until it has stayed empty for a few milliseconds. */
static void drain_last(struct vtap_capture *c)
{
	__u32 q = 0;

	if (c->skel)
		bpf_map_delete_elem(bpf_map__fd(c->skel->maps.vtap_xsks), &q);
	for (int quiet = 0; quiet < 3;) {
		uint64_t before = c->st.received;

		vtap_capture_poll(c);
		if (c->st.received != before) {
			quiet = 0;
			continue;
		}
		quiet++;
		usleep(2000);
	}
}

void vtap_capture_close(struct vtap_capture *c, bool keep)
{
	if (!c)
		return;
	/* what the socket holds is written before it goes (with keep, what
	 * arrives after it is counted no_socket by the program left on the
	 * peer) */
	if (c->xsk)
		drain_last(c);
	vtap_capture_live_close(c);
	vtap_pace_fini(&c->pace);
	/* while the XDP program is on: without it the veth has no NAPI,
	 * and its threaded setting can no longer be put back */
	vtap_sink_queue_undo(&c->queue);
	if (c->xsk)
		xsk_socket__delete(c->xsk);
	if (c->umem)
		xsk_umem__delete(c->umem);
	if (c->area)
		munmap(c->area, (size_t)CAP_FRAMES * CAP_FRAME_SIZE);
	if (keep) {
		/* the program stays on the peer, counting into the pinned maps
		 * until the next vtapd takes over */
		vtap_hook_forget(&c->xdp);
	} else {
		vtap_hook_detach_xdp(&c->xdp); /* only if it is still ours */
		if (c->pinned)
			vtap_xsk_unpin(c->peer);
	}
	vtap_xsk__destroy(c->skel);
	vtap_pcapng_file_close(c->file);
	if (c->file_if_name)
		forget_ifaces(c);
	free(c->file_if);
	free(c->file_if_name);
	free(c);
}
