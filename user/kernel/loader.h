/* SPDX-License-Identifier: GPL-2.0 */
/* Loading the BPF objects with their maps pinned under a root, writing a
 * compiled image into the inactive generation and flipping to it
 * (loader.c); the entries beside the rule set: counters, sinks, tunnels,
 * the receiving side, counter slot owners (loader_maps.c). The pin root
 * itself, its owner and its pins: pins.h. */
#ifndef VTAP_USER_LOADER_H
#define VTAP_USER_LOADER_H

#include <limits.h>
#include <stdbool.h>
#include "core/image.h"
#include "pins.h"

struct vtap_tc;
struct vtap_xdp;

/* The maps are the skeletons' (tc->maps.VTAP_MAP_X, <vtap/map_names.h>):
 * the TC object declares every map the taps share, the XDP object reuses
 * the same pins. */
struct vtap_loader {
	struct vtap_tc *tc;
	struct vtap_xdp *xdp; /* the XDP tap, same pinned maps (bpf/vtap_xdp.bpf.c) */
	char pin_root[PATH_MAX];
	/* mmapped classifier arrays (BPF_F_MMAPABLE); the index arrays are
	 * flat arrays of 16-bit pool indices (four per map value: map_types.h) */
	struct vtap_bitmap *pool;
	__u16 *proto, *sport, *dport, *vlan;
	struct vtap_pfx_slot *pfx; /* the address tables, both sides and generations */
	int fd_sync_inner; /* the inner map the loader swaps into VTAP_MAP_SYNC */
	int lock_fd;	   /* the pin root, flocked: this process owns it (pins.h) */
	__u32 ring_size;   /* the ring buffer's size in bytes, as loaded */
	bool fresh;	   /* no pins existed under pin_root before this open */
};

/* A shared map's fd, by its <vtap/map_names.h> name (with vtap_tc.skel.h). */
#define vtap_loader_map_fd(ld, name) bpf_map__fd((ld)->tc->maps.name)

/* Mount bpffs where needed, create pin_root, take it (one owner per pin
 * root: -EBUSY, logged naming the owner, when another live process holds
 * it; nothing under it is touched then), load (or reuse the pinned maps).
 * Returns 0 or a negative errno, logged with the reason. */
int vtap_loader_open(struct vtap_loader *ld, const char *pin_root);
/* The same with the ring buffer's size (bytes, power of two; 0 = the
 * default). A ring already pinned keeps its size (a kept tap writes into
 * it): a different request is logged and takes effect after teardown. */
int vtap_loader_open_ring(struct vtap_loader *ld, const char *pin_root, __u32 ring_size);
/* Record this process's control socket as the pin root owner's (the pid is
 * recorded at open), so a vtapd refused the pin root can name it. */
int vtap_loader_set_owner(struct vtap_loader *ld, const char *socket);
/* Write img into the inactive generation, then make it active: a frame is
 * classified by the old rules or by the new, never by a mix. */
int vtap_loader_apply(struct vtap_loader *ld, const struct vtap_image *img);
int vtap_loader_active_gen(struct vtap_loader *ld);
/* Wait until no program run that began before this call is still going:
 * none can read a generation flipped away from, or count into the ids of
 * its rules, any more (the ids of a bridged swap, core/policy_ids.h). */
int vtap_loader_wait_readers(struct vtap_loader *ld);
/* The flow cache in front of the classifier (bpf/vtap_flow_cache.h): on by
 * default; the mode is kept in the pinned vtap_cfg, so it outlives this
 * process like the rules. ALWAYS_MISS is for measuring a flow's first
 * frame (bench_classify). */
enum vtap_flow_cache_mode {
	VTAP_FLOW_CACHE_ON,
	VTAP_FLOW_CACHE_OFF,
	VTAP_FLOW_CACHE_ALWAYS_MISS,
};
int vtap_loader_set_flow_cache(struct vtap_loader *ld, enum vtap_flow_cache_mode mode);
int vtap_loader_zero_stats(struct vtap_loader *ld, __u32 policy_id);
/* Sum one policy's per-CPU counters. */
int vtap_loader_read_stats(struct vtap_loader *ld, __u32 policy_id, struct vtap_counters *out);
/* A monitor group's member's counters (summed over CPUs); zeroing all of a
 * group's, for a group index given to another group. */
int vtap_loader_read_member(struct vtap_loader *ld, __u32 group, __u32 member,
			    struct vtap_member_counters *out);
int vtap_loader_zero_group(struct vtap_loader *ld, __u32 group);
int vtap_loader_read_global(struct vtap_loader *ld, struct vtap_global_counters *out);
int vtap_loader_read_sink(struct vtap_loader *ld, __u32 ifindex, struct vtap_sink_counters *out);
int vtap_loader_add_sink(struct vtap_loader *ld, __u32 ifindex);
int vtap_loader_del_sink(struct vtap_loader *ld, __u32 ifindex);
/* Remove the capture path choices (vtap_cap_veth) of every port but the
 * n sink ports in keep; returns how many went. */
int vtap_loader_prune_cap_veth(struct vtap_loader *ld, const __u32 *keep, size_t n);
/* ready: the ovs sink on port ifindex may take its copies through the ring
 * (VTAP_OVS_RING_READY, unless the tap has already chosen a path); not
 * ready: its copies take the sink veth (the entry goes). */
int vtap_loader_ovs_ring(struct vtap_loader *ld, __u32 ifindex, bool ready);
/* A slot of vtap_bare for port ifindex, a local monitor port without a
 * sink program (vtapd --sink-hook nft), with room, the longest copy it
 * carries (again: the room changes): the one it has (a previous vtapd's:
 * its counters go on), else a free one with its counters zeroed. The
 * slot, or a negative errno (-ENOSPC: all taken). */
int vtap_loader_bare_take(struct vtap_loader *ld, __u32 ifindex, __u32 room);
/* The port's slot is free again. */
void vtap_loader_bare_give(struct vtap_loader *ld, __u32 ifindex);
/* The port in slot (0: free). */
__u32 vtap_loader_bare_port(struct vtap_loader *ld, __u32 slot);
int vtap_loader_read_bare(struct vtap_loader *ld, __u32 slot, struct vtap_sink_counters *out);
/* vtap's programs, as the skeletons name them (bpf/vtap_tc.bpf.c,
 * bpf/vtap_xdp.bpf.c): the one source of their names. */
enum vtap_prog {
	VTAP_PROG_TC_OUT,      /* TC tap on clsact ingress: frames the VM sends */
	VTAP_PROG_TC_IN,       /* TC tap on clsact egress: frames to the VM */
	VTAP_PROG_TC_RING_OUT, /* TC tap copying into the ring (measured, not attached) */
	VTAP_PROG_SINK,	       /* a monitor port's egress: only copies leave */
	VTAP_PROG_RX,	       /* the VXLAN device's ingress: received copies */
	VTAP_PROG_XDP_OUT,     /* XDP tap: frames the VM sends */
	VTAP_PROG_COUNT,
};
/* The loaded program's fd (-ENOENT when it is not loaded). */
int vtap_loader_prog(const struct vtap_loader *ld, enum vtap_prog prog);
/* Its name, for logs and comparisons; also without a loaded loader
 * (vtapctl): the skeletons are then opened, not loaded, once. */
const char *vtap_prog_name(enum vtap_prog prog);
/* The copies' ring buffer (records of <vtap/abi.h>), for ring_buffer__new(). */
int vtap_loader_ring_fd(struct vtap_loader *ld);
/* vxlan monitors: the tunnel of a policy's copies (NULL: none). */
int vtap_loader_set_tunnel(struct vtap_loader *ld, __u32 policy_id, const struct vtap_tunnel *t);
/* vtap_rate[policy_id] from spec (core/rate_cfg.h); left alone (buckets
 * and all) when its costs are the same already. */
int vtap_loader_set_rate(struct vtap_loader *ld, __u32 policy_id, const struct vtap_rate_spec *spec);
/* The rate caps of every policy of set (ids: their policy ids), before the
 * set is in effect; a failure is logged (the policy's copies are then not
 * capped by the new rate until the next reload). */
void vtap_loader_set_rates(struct vtap_loader *ld, const struct vtap_policy_set *set,
			   const __u32 *ids);
/* The receiving side: copies with vni go out of ifindex (0: forget vni,
 * its counters too). Counters of VTAP_RECV_UNKNOWN: VNIs nobody receives. */
int vtap_loader_set_recv(struct vtap_loader *ld, __u32 vni, __u32 ifindex);
/* Remove every VNI but keep[] (and the unknown counter) from vtap_recv and
 * vtap_rstats, including what an earlier vtapd left in the pins. */
int vtap_loader_prune_recv(struct vtap_loader *ld, const __u32 *keep, size_t n);
int vtap_loader_read_recv(struct vtap_loader *ld, __u32 vni, struct vtap_recv_counters *out);
/* The owner of a counter slot ("" = free), kept in the pinned vtap_names. */
int vtap_loader_get_name(struct vtap_loader *ld, __u32 policy_id, char *name, size_t len);
int vtap_loader_set_name(struct vtap_loader *ld, __u32 policy_id, const char *name);
/* Unmap and close; with unpin, also remove the pins and the pin root. */
void vtap_loader_close(struct vtap_loader *ld, int unpin);

#endif
