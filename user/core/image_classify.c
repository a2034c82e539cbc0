// SPDX-License-Identifier: GPL-2.0
/* The native backend of include/vtap/classify.h: the same classifier the
 * BPF taps run, over a compiled image in memory (generation 0). */
#include <string.h>
#include "image.h"

#define VTAP_BE const struct vtap_image *

static inline const struct vtap_gen *vtap_be_gen(VTAP_BE img, __u32 *gen)
{
	*gen = 0;
	return &img->gen;
}

static inline const struct vtap_bitmap *vtap_be_bitmap(VTAP_BE img, __u32 idx)
{
	return idx < img->n_pool ? &img->pool[idx] : NULL;
}

static inline int vtap_be_port(VTAP_BE img, __u32 gen, __u32 ifindex, __u8 dir, __u32 *idx)
{
	(void)gen;
	for (size_t i = 0; i < img->n_ports; i++) {
		if (img->ports[i].ifindex == ifindex && img->ports[i].dir == dir) {
			*idx = img->ports[i].idx;
			return 0;
		}
	}
	return -1;
}

static inline const struct vtap_pfx_slot *vtap_be_pfx(VTAP_BE img, __u32 gen, int side,
						       __u32 slot)
{
	(void)gen;
	return &img->pfx[side][slot & (VTAP_PFX_SLOTS - 1)];
}

static inline int vtap_be_array(VTAP_BE img, int field, __u32 gen, __u32 key, __u32 *idx)
{
	(void)gen;
	switch (field) {
	case VTAP_F_PROTO:
		*idx = img->proto[key & (VTAP_PROTO_SPACE - 1)];
		break;
	case VTAP_F_SPORT:
		*idx = img->sport[key & (VTAP_PORT_SPACE - 1)];
		break;
	case VTAP_F_DPORT:
		*idx = img->dport[key & (VTAP_PORT_SPACE - 1)];
		break;
	default:
		*idx = img->vlan[key & (VTAP_VLAN_SPACE - 1)];
		break;
	}
	return 0;
}

#include <vtap/classify.h>

int vtap_image_classify(const struct vtap_image *img, const struct vtap_pkt *pkt, __u32 ifindex,
			__u8 dir)
{
	__u32 gen;

	return vtap_classify(img, pkt, ifindex, dir, &gen);
}
