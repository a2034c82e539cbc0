// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <vtap/limits.h>
#include <vtap/abi.h>
#include "ring.h"
#include "core/log.h"

_Static_assert(VTAP_RING_REC_BYTES(0) == 8 + sizeof(struct vtap_ring_rec),
	       "VTAP_RING_REC_BYTES counts the record header's size");

/* r->sink's mark for a group's policy: its copies go by their sink port */
#define GROUP_ROUTE 0xffff
/* the ring bytes of one 64-byte copy (the ring's header, the record, the
 * frame): the unit of r->cap and of the pacing */
#define REC64_BYTES (8 + sizeof(struct vtap_ring_rec) + 64)

static int on_record(void *arg, void *data, size_t size)
{
	struct vtapd_ring *r = arg;
	const struct vtap_ring_rec *rec = data;
	const struct vtapd_sink *s;
	unsigned int k;

	r->records++;
	r->bytes += 8 + size; /* the ring's own header, then the record */
	if (size < sizeof(*rec) || size < sizeof(*rec) + rec->cap_len) {
		r->bad++;
		return 0;
	}
	/* cut by the record's size limit, not by a snaplen: counted */
	if (rec->cap_len < rec->orig_len && rec->cap_len == VTAP_RING_COPY_MAX)
		r->cut++;
	k = 0;
	for (size_t i = 0; i < r->n_by_port && !k; i++)
		if (r->by_port[i].ifindex == rec->sink_ifindex)
			k = r->by_port[i].k;
	if (!k && rec->policy_id < VTAP_MAX_RULES && r->sink[rec->policy_id] != GROUP_ROUTE)
		k = r->sink[rec->policy_id];
	s = k && k <= r->sinks->n ? &r->sinks->v[k - 1] : NULL;
	if (s && s->cap)
		vtap_capture_write_ring(s->cap, rec->policy_id, rec->tai_ns,
					(const uint8_t *)(rec + 1), rec->cap_len, rec->orig_len);
	else if (s && s->tx && rec->gso_size && rec->cap_len == rec->orig_len)
		vtap_xsk_tx_queue_gso(s->tx, rec->policy_id, (const uint8_t *)(rec + 1),
				      rec->cap_len, rec->gso_size);
	else if (s && s->tx)
		vtap_xsk_tx_queue(s->tx, rec->policy_id, (const uint8_t *)(rec + 1), rec->cap_len);
	else
		r->unrouted++;
	return 0;
}

int vtapd_ring_open(struct vtapd_ring *r, int map_fd, const struct vtapd_sinks *sinks, int epfd)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	int ret;

	r->sinks = sinks;
	r->pace.src_fd = r->pace.timer_fd = -1;
	r->rb = ring_buffer__new(map_fd, on_record, r, NULL);
	if (!r->rb) {
		log_err("cannot read the copies' ring buffer: %s", strerror(errno));
		return -errno;
	}
	/* records a ring holds: of 64-byte copies (header, record, frame) */
	if (!bpf_obj_get_info_by_fd(map_fd, &info, &len))
		r->cap = info.max_entries / REC64_BYTES;
	ret = vtap_pace_init(&r->pace, epfd, ring_buffer__epoll_fd(r->rb));
	if (ret)
		log_err("cannot watch the ring buffer: %s", strerror(-ret));
	return ret;
}

bool vtapd_ring_event(struct vtapd_ring *r, int fd)
{
	if (!r->rb || !vtap_pace_owns(&r->pace, fd))
		return false;
	vtapd_ring_drain(r);
	return true;
}

/* the sinks' buffered copies out: files, live streams, AF_XDP TX; true
 * when an AF_XDP TX has copies left its device did not take yet */
static bool flush_sinks(struct vtapd_ring *r)
{
	bool left = false;

	for (size_t i = 0; i < r->sinks->n; i++) {
		if (r->sinks->v[i].cap)
			vtap_capture_flush(r->sinks->v[i].cap);
		if (r->sinks->v[i].tx && vtap_xsk_tx_flush(r->sinks->v[i].tx))
			left = true;
	}
	return left;
}

void vtapd_ring_drain(struct vtapd_ring *r)
{
	unsigned int read;
	int n;

	if (!r->rb)
		return;
	n = ring_buffer__consume(r->rb);
	if (n < 0)
		log_debug("ring buffer: %s", strerror(errno));
	read = (unsigned int)(r->bytes / REC64_BYTES);
	r->bytes = 0;
	/* paced by the room the reads since the last drain freed (the
	 * captures' reads too: vtapd_ring_consume), in 64-byte copies (what
	 * cap counts): larger copies fill the ring sooner; copies an AF_XDP
	 * TX could not send yet go on the next tick, more records or not */
	if (flush_sinks(r))
		vtap_pace_after_pending(&r->pace, read, r->cap);
	else
		vtap_pace_after(&r->pace, read, r->cap);
}

void vtapd_ring_consume(void *arg)
{
	struct vtapd_ring *r = arg;

	/* while the sinks change, the routes are stale: the apply reads the
	 * ring itself, before and after */
	if (r->rb && !r->hold && ring_buffer__consume(r->rb) > 0 && flush_sinks(r))
		vtap_pace_after_pending(&r->pace, 0, r->cap);
}

void vtapd_ring_route(struct vtapd_ring *r, const struct vtap_policy_set *set, const __u32 *ids)
{
	memset(r->sink, 0, sizeof(r->sink));
	r->n_by_port = 0;
	r->hold = false;
	for (size_t k = 0; r->sinks && k < r->sinks->n && r->n_by_port < VTAP_MAX_SINKS; k++) {
		unsigned int ifindex = if_nametoindex(r->sinks->v[k].port);

		if (ifindex) {
			r->by_port[r->n_by_port].ifindex = ifindex;
			r->by_port[r->n_by_port++].k = (unsigned short)(k + 1);
		}
	}
	for (size_t i = 0; r->sinks && ids && i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];

		if (p->monitor_idx < 0)
			continue;
		if (set->monitors[p->monitor_idx].type == VTAP_MONITOR_GROUP) {
			r->sink[ids[i] & (VTAP_MAX_RULES - 1)] = GROUP_ROUTE;
			continue;
		}
		for (size_t k = 0; k < r->sinks->n; k++)
			if (!strcmp(r->sinks->v[k].monitor, set->monitors[p->monitor_idx].name))
				r->sink[ids[i] & (VTAP_MAX_RULES - 1)] = (unsigned short)(k + 1);
	}
}

void vtapd_ring_close(struct vtapd_ring *r)
{
	if (!r->rb)
		return;
	vtapd_ring_drain(r);
	vtap_pace_fini(&r->pace);
	ring_buffer__free(r->rb);
	r->rb = NULL;
	memset(r->sink, 0, sizeof(r->sink));
}
