// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's tap without DPDK: see dpdk_tap.h. The counting mirrors
 * bpf/vtap_tap.h line by line, so the counters mean the same on both paths. */
#include <vtap/parse.h>
#include "tap.h"

const struct vtap_rule *vdp_tap(const struct vtap_image *img, struct vdp_stats *st,
				const void *data, uint32_t len_linear, uint32_t len,
				uint32_t ifindex, uint8_t dir)
{
	const struct vtap_rule *r;
	struct vtap_counters *c;
	struct vtap_pkt pkt;
	int rank;

	vtap_parse(data, (const uint8_t *)data + len_linear, &pkt);
	st->g.seen++;
	if (pkt.flags & VTAP_PF_MALFORMED)
		st->g.unparsed++;
	rank = vtap_image_classify(img, &pkt, ifindex, dir);
	if (rank < 0 || rank >= VTAP_MAX_RULES) {
		st->g.no_match++;
		return NULL;
	}
	r = &img->rules[rank];
	c = &st->pol[r->policy_id & (VTAP_MAX_RULES - 1)];
	c->matched_pkts++;
	c->matched_bytes += len;
	if (r->action != VTAP_ACT_MIRROR)
		return NULL;
	/* the same 1-in-N as the kernel: the first match is copied */
	if (r->sample > 1 && (c->matched_pkts - 1) % r->sample) {
		c->sampled_out++;
		return NULL;
	}
	return r;
}
