// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's tap without DPDK: see tap.h. The count/sample step is
 * <vtap/count.h>, the one the BPF taps include, so the counters mean the
 * same on both paths; here over the compiled image and vdp_stats. */
#include <stdio.h>
#include <string.h>
#include <vtap/parse.h>
#include "tap.h"

/* The count step's backend: the image's rules, the process's counters. */
struct vdp_tap_be {
	const struct vtap_image *img;
	struct vdp_stats *st;
};

#define VTAP_TAP_BE const struct vdp_tap_be *

/* The image has one generation: gen stays 0. */
static inline int vtap_tap_be_verdict(const struct vdp_tap_be *be, const struct vtap_pkt *pkt,
				      __u32 ifindex, __u8 dir, struct vtap_global_counters *gc,
				      __u32 *gen)
{
	int rank = vtap_image_classify(be->img, pkt, ifindex, dir);

	(void)gc; /* no cache to count */
	(void)gen;
	return rank < VTAP_MAX_RULES ? rank : VTAP_NO_MATCH;
}

static inline const struct vtap_rule *vtap_tap_be_rule(const struct vdp_tap_be *be, __u32 gen,
						       int rank)
{
	(void)gen;
	return &be->img->rules[rank];
}

static inline struct vtap_counters *vtap_tap_be_counters(const struct vdp_tap_be *be,
							 __u32 policy_id)
{
	return &be->st->pol[policy_id & (VTAP_MAX_RULES - 1)];
}

#include <vtap/count.h>

const struct vtap_rule *vdp_tap(const struct vtap_image *img, struct vdp_stats *st,
				const void *data, uint32_t len_linear, uint32_t len,
				uint32_t ifindex, uint8_t dir)
{
	const struct vdp_tap_be be = { .img = img, .st = st };
	struct vtap_counters *c;
	struct vtap_pkt pkt;

	vtap_parse(data, (const uint8_t *)data + len_linear, &pkt);
	return vtap_tap_count(&be, &pkt, ifindex, dir, len, &st->g, &c);
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
