/* SPDX-License-Identifier: GPL-2.0 */
/* The maps every vtap tap program shares, defined once: names from
 * <vtap/map_names.h>, keys and values from <vtap/map_types.h>. Pinned by
 * name (LIBBPF_PIN_BY_NAME) under the pin root vtapd gives libbpf, so every
 * object vtapd loads reuses the same maps, and the loader finds them (and
 * their pins) through the skeletons. */
#ifndef VTAP_BPF_MAPS_H
#define VTAP_BPF_MAPS_H

#include <vtap/limits.h>
#include <vtap/map_names.h>
#include <vtap/map_types.h>

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

/* The address tables: written by vtapd through mmap like the pool. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * 2 * VTAP_PFX_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct vtap_pfx_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_PFX SEC(".maps");

/* The index arrays: four 16-bit pool indices per value (map_types.h,
 * struct vtap_idx_value), two generations. */
#define VTAP_IDX_ARRAY(name, space)                                                        \
	struct {                                                                           \
		__uint(type, BPF_MAP_TYPE_ARRAY);                                          \
		__uint(max_entries, 2 * (space) / VTAP_IDX_PER_VALUE);                             \
		__uint(map_flags, BPF_F_MMAPABLE);                                         \
		__type(key, __u32);                                                        \
		__type(value, struct vtap_idx_value);                                              \
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

/* The capture sinks that have had a copy the ring buffer cannot carry (a
 * stack-held VLAN tag, a copy longer than a record or than the ring), by
 * the sink's ifindex, value VTAP_CAP_VETH_MOVED: from then on all of the
 * sink's copies take the sink veth, so that one file's records keep the
 * order the copies were made in (vtap_ring_takes, bpf/vtap_tc.bpf.c).
 * vtapd clears a sink's entry when it removes the sink, and every apply
 * the entries of ports that are no sinks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VTAP_MAX_SINKS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_CAP_VETH SEC(".maps");

/* A local monitor port without a sink program (VTAP_SINK_BARE): its
 * counters by a slot vtapd gives it, which the copy's rule names, so the
 * tap's lookup is an array's (inlined by the JIT), not a hash's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAP_BARE_SLOTS);
	__type(key, __u32);
	__type(value, struct vtap_sink_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_BARE SEC(".maps");

/* vtapd's table of those slots: the port and what it carries (0: free).
 * Read back by the next vtapd, which adopts the ports' guards with their
 * counters. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_BARE_SLOTS);
	__type(key, __u32);
	__type(value, struct vtap_bare_port);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_BARE_PORTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_policy_name);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_NAMES SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_TUNNELS);
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtap_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_OWNER SEC(".maps");

/* Rate caps by policy id (include/vtap/rate.h): one value for all CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vtap_rate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_RATE SEC(".maps");

/* Monitor groups, two generations (include/vtap/group.h), written with
 * the rule set; their members' counters, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VTAP_MAX_GROUPS);
	__type(key, __u32);
	__type(value, struct vtap_group);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_GROUPS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAP_MAX_GROUPS * VTAP_GROUP_MAX);
	__type(key, __u32);
	__type(value, struct vtap_member_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_MEMBERS SEC(".maps");

/* Fingerprints of recent copies (include/vtap/dedup.h): one table for all
 * CPUs, since a frame's two taps may run on two. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAP_DEDUP_BUCKETS);
	__type(key, __u32);
	__type(value, struct vtap_dedup_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_DEDUP SEC(".maps");

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

/* The copies of the XDP tap, of the TC tap to capture monitors (and of
 * vtap_tc_ring_out), drained by vtapd: records of <vtap/abi.h> (struct
 * vtap_ring_rec). The size is set by the loader before load (vtapd
 * --ring-size); this is the default. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VTAP_RING_SIZE_DEFAULT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} VTAP_MAP_RING SEC(".maps");

#endif
