// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's tap without DPDK: see dpdk_tap.h. The counting mirrors
 * bpf/vtap_tap.h line by line, so the counters mean the same on both paths. */
#include <stdio.h>
#include <string.h>
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

static int slot_of(const struct vdp_ids *ids, const char *name)
{
	for (int i = 0; i < VTAP_MAX_RULES; i++)
		if (!strcmp(ids->name[i], name))
			return i;
	return -1;
}

int vdp_ids_assign(struct vdp_ids *ids, const struct vtap_policy_set *set, __u32 *ids_out,
		   __u32 *freed, size_t *n_freed)
{
	bool keep[VTAP_MAX_RULES];
	int next = 0;

	*n_freed = 0;
	memset(keep, 0, sizeof(keep));
	for (size_t i = 0; i < set->n_policies; i++) {
		int s = slot_of(ids, set->policies[i].name);

		if (s >= 0)
			keep[s] = true;
	}
	for (int s = 0; s < VTAP_MAX_RULES; s++) {
		if (ids->name[s][0] && ids->name[s][0] != VDP_ID_RESERVED && !keep[s]) {
			/* not reused before vdp_ids_release(): the running
			 * image may still count into it */
			ids->name[s][0] = VDP_ID_RESERVED;
			ids->name[s][1] = 0;
			freed[(*n_freed)++] = (__u32)s;
		}
	}
	for (size_t i = 0; i < set->n_policies; i++) {
		int s = slot_of(ids, set->policies[i].name);

		while (s < 0 && next < VTAP_MAX_RULES) {
			if (!ids->name[next][0]) {
				s = next;
				snprintf(ids->name[s], sizeof(ids->name[s]), "%s",
					 set->policies[i].name);
			}
			next++;
		}
		if (s < 0)
			return -1;
		ids_out[i] = (__u32)s;
	}
	return 0;
}

void vdp_ids_release(struct vdp_ids *ids, const __u32 *freed, size_t n_freed)
{
	for (size_t i = 0; i < n_freed; i++)
		ids->name[freed[i] & (VTAP_MAX_RULES - 1)][0] = 0;
}
