/* SPDX-License-Identifier: GPL-2.0 */
/* The maps every vtap BPF program shares, and the classifier's backend over
 * them. Pinned by name (LIBBPF_PIN_BY_NAME) under the pin root vtapd gives
 * libbpf, so every object vtapd loads reuses the same maps. */
#ifndef VTAP_BPF_MAPS_H
#define VTAP_BPF_MAPS_H

#include <vtap/types.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_CFG SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct vtap_gen);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_GENS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_POOL_SIZE);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vtap_bitmap);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_POOL SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * VTAP_MAX_PORTS);
	__type(key, struct vtap_port_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_PORTS SEC(".maps");

#define VTAP_LPM_MAP(name)                                                                 \
	struct {                                                                           \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                                       \
		__uint(max_entries, VTAP_LPM_ENTRIES);                                    \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                      \
		__type(key, struct vtap_lpm_key);                                          \
		__type(value, __u32);                                                      \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                                       \
	} name SEC(".maps")

VTAP_LPM_MAP(VTAP_MAP_SRC);
VTAP_LPM_MAP(VTAP_MAP_DST);

#define VTAP_IDX_ARRAY(name, space)                                                        \
	struct {                                                                           \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                          \
		__uint(max_entries, 2 * (space));                                          \
		__uint(map_flags, BPF_F_MMAPABLE);                                         \
		__type(key, __u32);                                                        \
		__type(value, __u32);                                                      \
		__uint(pinning, LIBBPF_PIN_BY_NAME);                                       \
	} name SEC(".maps")

VTAP_IDX_ARRAY(VTAP_MAP_PROTO, VTAP_PROTO_SPACE);
VTAP_IDX_ARRAY(VTAP_MAP_SPORT, VTAP_PORT_SPACE);
VTAP_IDX_ARRAY(VTAP_MAP_DPORT, VTAP_PORT_SPACE);
VTAP_IDX_ARRAY(VTAP_MAP_VLAN, VTAP_VLAN_SPACE);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_RULES SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_STATS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_global_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_GSTATS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VTAP_MAX_SINKS);
	__type(key, __u32);
	__type(value, struct vtap_sink_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_SINKS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_policy_name);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_NAMES SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_tunnel);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_TUNNELS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VTAP_MAX_RECV);
	__type(key, __u32);
	__type(value, struct vtap_recv_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_RECV SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VTAP_MAX_RECV + 1);
	__type(key, __u32);
	__type(value, struct vtap_recv_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_RSTATS SEC(".maps");

/* The verdict cache (bpf/vtap_flow_cache.h). Pinned like the rest so every
 * object vtapd loads (TC and XDP taps) shares it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAP_FLOW_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct vtap_flow_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_FCACHE SEC(".maps");

/* Never read by a program: an update of a map-in-map makes the kernel wait
 * for an RCU grace period, which vtapd uses before rewriting the inactive
 * generation, so no frame still classified by it (it was active until the
 * last flip) sees it change. Not pinned: each vtapd has its own. */
struct vtap_sync_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct vtap_sync_inner);
} VTAP_MAP_SYNC SEC(".maps");

/* The classifier's backend (see include/vtap/classify.h). The handle is
 * the epoch (vtap_cfg.active_gen) the caller read once for the frame: the
 * classifier and the flow cache then agree on the generation even when the
 * loader flips it meanwhile. */
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

static __always_inline int vtap_be_lpm(VTAP_BE be, int field, __u32 gen, __u8 family,
				       const __u8 *addr, __u32 *idx)
{
	struct vtap_lpm_key key = { .prefixlen = VTAP_LPM_HDR_BITS + 128, .gen = gen,
				    .family = family };
	__u32 *v;

	__builtin_memcpy(key.addr, addr, 16);
	v = bpf_map_lookup_elem(field == VTAP_F_SRC ? (void *)&VTAP_MAP_SRC : (void *)&VTAP_MAP_DST,
				&key);
	if (!v)
		return -1;
	*idx = *v;
	return 0;
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

#endif
