/* SPDX-License-Identifier: GPL-2.0 */
/* The classifier's backend over the BPF maps (the functions
 * <vtap/classify.h> asks its includer for), then the classifier itself.
 * The native backend over the compiled image is user/core/image_classify.c. */
#ifndef VTAP_BPF_CLASSIFY_BE_H
#define VTAP_BPF_CLASSIFY_BE_H

#include "vtap_maps.h"

/* The handle is the epoch (vtap_cfg.active_gen) the caller read once for
 * the frame: the classifier and the flow cache then agree on the generation
 * even when the loader flips it meanwhile. */
#define VTAP_BE __u32

static __always_inline const struct vtap_cfg *vtap_cfg_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&VTAP_MAP_CFG, &zero);
}

static __always_inline const struct vtap_gen *vtap_be_gen(VTAP_BE epoch, __u32 *gen)
{
	*gen = epoch & 1;
	return bpf_map_lookup_elem(&VTAP_MAP_GENS, gen);
}

static __always_inline const struct vtap_bitmap *vtap_be_bitmap(VTAP_BE be, __u32 idx)
{
	return bpf_map_lookup_elem(&VTAP_MAP_POOL, &idx);
}

static __always_inline int vtap_be_port(VTAP_BE be, __u32 gen, __u32 ifindex, __u8 dir,
					__u32 *idx)
{
	struct vtap_port_key key = { .ifindex = ifindex, .dir = dir, .gen = (__u8)gen };
	__u32 *v = bpf_map_lookup_elem(&VTAP_MAP_PORTS, &key);

	if (!v)
		return -1;
	*idx = *v;
	return 0;
}

static __always_inline const struct vtap_pfx_slot *vtap_be_pfx(VTAP_BE be, __u32 gen, int side,
								__u32 slot)
{
	__u32 key = (gen * 2 + (__u32)side) * VTAP_PFX_SLOTS + slot;

	return bpf_map_lookup_elem(&VTAP_MAP_PFX, &key);
}

static __always_inline int vtap_be_array(VTAP_BE be, int field, __u32 gen, __u32 key,
					 __u32 *idx)
{
	__u32 *v;

	switch (field) {
	case VTAP_F_PROTO:
		key = gen * VTAP_PROTO_SPACE + (key & (VTAP_PROTO_SPACE - 1));
		v = bpf_map_lookup_elem(&VTAP_MAP_PROTO, &key);
		break;
	case VTAP_F_SPORT:
		key = gen * VTAP_PORT_SPACE + (key & (VTAP_PORT_SPACE - 1));
		v = bpf_map_lookup_elem(&VTAP_MAP_SPORT, &key);
		break;
	case VTAP_F_DPORT:
		key = gen * VTAP_PORT_SPACE + (key & (VTAP_PORT_SPACE - 1));
		v = bpf_map_lookup_elem(&VTAP_MAP_DPORT, &key);
		break;
	default:
		key = gen * VTAP_VLAN_SPACE + (key & (VTAP_VLAN_SPACE - 1));
		v = bpf_map_lookup_elem(&VTAP_MAP_VLAN, &key);
		break;
	}
	if (!v)
		return -1;
	*idx = *v;
	return 0;
}

#include <vtap/classify.h>

#endif
