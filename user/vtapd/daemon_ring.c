// SPDX-License-Identifier: GPL-2.0
/* vtapd's end of the XDP tap's ring buffer: drained in batches from the
 * event loop, each copy delivered to its policy's user-space sink: a
 * capture monitor's pcapng writer, or an ovs monitor's AF_XDP TX socket.
 * A copy nobody can take now (its policy or monitor gone since it was
 * made) is counted, never dropped silently. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <bpf/libbpf.h>
#include <vtap/limits.h>
#include <vtap/abi.h>
#include "sinks/capture.h"
#include "daemon.h"
#include "core/log.h"

static int on_record(void *arg, void *data, size_t size)
{
	struct vtapd *d = arg;
	const struct vtap_ring_rec *r = data;
	unsigned int k;
	struct vtapd_sink *s;

	d->ring_records++;
	if (size < sizeof(*r) || size < sizeof(*r) + r->cap_len) {
		d->ring_bad++;
		return 0;
	}
	/* cut by the record's size limit, not by a snaplen: counted */
	if (r->cap_len < r->orig_len && r->cap_len == VTAP_RING_COPY_MAX)
		d->ring_cut++;
	k = r->policy_id < VTAP_MAX_RULES ? d->ring_sink[r->policy_id] : 0;
	s = k && k <= d->n_sinks ? &d->sinks[k - 1] : NULL;
	if (s && s->cap)
		vtap_capture_write(s->cap, r->policy_id, r->tai_ns, (const uint8_t *)(r + 1),
				   r->cap_len, r->orig_len);
	else if (s && s->tx)
		vtap_xsk_tx_queue(s->tx, r->policy_id, (const uint8_t *)(r + 1), r->cap_len);
	else
		d->ring_unrouted++;
	return 0;
}

int vtapd_ring_open(struct vtapd *d, int epfd)
{
	struct epoll_event ev = {.events = EPOLLIN};

	d->ring = ring_buffer__new(vtap_loader_ring_fd(&d->ld), on_record, d, NULL);
	if (!d->ring) {
		log_err("cannot read the copies' ring buffer: %s", strerror(errno));
		return -errno;
	}
	ev.data.fd = ring_buffer__epoll_fd(d->ring);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		log_err("cannot watch the ring buffer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

bool vtapd_ring_event(struct vtapd *d, int fd)
{
	if (!d->ring || fd != ring_buffer__epoll_fd(d->ring))
		return false;
	vtapd_ring_drain(d);
	return true;
}

void vtapd_ring_drain(struct vtapd *d)
{
	if (!d->ring)
		return;
	if (ring_buffer__consume(d->ring) < 0)
		log_debug("ring buffer: %s", strerror(errno));
	for (size_t i = 0; i < d->n_sinks; i++) {
		if (d->sinks[i].cap)
			vtap_capture_flush(d->sinks[i].cap);
		if (d->sinks[i].tx)
			vtap_xsk_tx_flush(d->sinks[i].tx);
	}
}

void vtapd_ring_route(struct vtapd *d, const struct vtap_policy_set *set, const __u32 *ids)
{
	memset(d->ring_sink, 0, sizeof(d->ring_sink));
	for (size_t i = 0; ids && i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];

		if (p->monitor_idx < 0)
			continue;
		for (size_t k = 0; k < d->n_sinks; k++)
			if (!strcmp(d->sinks[k].monitor, set->monitors[p->monitor_idx].name))
				d->ring_sink[ids[i] & (VTAP_MAX_RULES - 1)] =
				    (unsigned short)(k + 1);
	}
}

void vtapd_ring_close(struct vtapd *d)
{
	if (!d->ring)
		return;
	vtapd_ring_drain(d);
	ring_buffer__free(d->ring);
	d->ring = NULL;
	memset(d->ring_sink, 0, sizeof(d->ring_sink));
}
