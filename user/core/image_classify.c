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

static int prefix_match(const struct vtap_image_prefix *p, __u8 family, const __u8 *addr)
{
	unsigned int i, bits = p->plen;

	if (p->family != family)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (p->addr[i] != addr[i])
			return 0;
	if (bits % 8) {
		__u8 m = (__u8)(0xff << (8 - bits % 8));

		return (p->addr[i] & m) == (addr[i] & m);
	}
	return 1;
}

/* Longest prefix match by a scan: this backend serves tests and fuzzers,
 * where clarity beats speed; the maps do it with an LPM trie. */
static inline int vtap_be_lpm(VTAP_BE img, int field, __u32 gen, __u8 family, const __u8 *addr,
			      __u32 *idx)
{
	int side = field == VTAP_F_DST;
	int best = -1;

	(void)gen;
	for (size_t i = 0; i < img->n_prefixes[side]; i++) {
		const struct vtap_image_prefix *p = &img->prefixes[side][i];

		if (prefix_match(p, family, addr) && (best < 0 || p->plen > img->prefixes[side][best].plen))
			best = (int)i;
	}
	if (best < 0)
		return -1;
	*idx = img->prefixes[side][best].idx;
	return 0;
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
