/* SPDX-License-Identifier: GPL-2.0 */
/* The compiled form of a policy set: the contents of one generation of the
 * classifier maps, with pool indices relative to the generation's half of
 * the pool. The loader writes it into the BPF maps; the native classifier
 * (unit tests, fuzzers, vtap-dpdk) runs directly on it. */
#ifndef VTAP_USER_IMAGE_H
#define VTAP_USER_IMAGE_H

#include <stddef.h>
#include <vtap/limits.h>
#include <vtap/abi.h>
#include <vtap/map_types.h>
#include <vtap/parse.h>
#include "policy.h"

struct vtap_image_port {
	__u32 ifindex;
	__u8 dir;
	__u32 idx;
};

/* A prefix of an address field, sorted by (family, address, length): the
 * address tables are built from these (user/core/compile_pfx.c). */
struct vtap_image_prefix {
	__u8 family; /* VTAP_FAMILY_V4 or VTAP_FAMILY_V6 */
	__u8 addr[16];
	__u8 plen; /* 0..128; IPv4 96..128 */
	__u32 idx;
	int parent; /* the longest prefix holding this one; -1 for a family's root */
};

struct vtap_image {
	struct vtap_gen gen; /* any_idx, pfx_root relative */
	struct vtap_bitmap *pool;
	__u32 n_pool;
	struct vtap_image_port *ports;
	size_t n_ports;
	struct vtap_image_prefix *prefixes[2]; /* [0] VM side (SRC), [1] peer (DST) */
	size_t n_prefixes[2];
	struct vtap_pfx_slot *pfx[2]; /* the address tables, VTAP_PFX_SLOTS each */
	/* the index arrays, one 16-bit pool index per value: the layout of a
	 * generation's half of the maps (map_types.h, struct vtap_idx_value) */
	__u16 proto[VTAP_PROTO_SPACE];
	__u16 *sport; /* VTAP_PORT_SPACE entries */
	__u16 *dport;
	__u16 vlan[VTAP_VLAN_SPACE];
	struct vtap_rule rules[VTAP_MAX_RULES];
	int rank_policy[VTAP_MAX_RULES]; /* rank -> index in the policy set */
	struct vtap_group groups[VTAP_MAX_GROUPS]; /* by group index (rule.group) */
	__u32 n_groups;				   /* groups[n_groups..] are empty */
};

/* A port on this host, as the compiler sees it. */
struct vtap_host_port {
	char name[IF_NAMESIZE];
	__u32 ifindex;
};

struct vtap_compile_env {
	const struct vtap_host_port *ports; /* candidates for source globs */
	size_t n_ports;
	const __u32 *sink_ifindex; /* per monitor, 0 = not present */
	const __u32 *policy_id;    /* per policy; NULL = the policy's index */
	/* per monitor: its port is down (a group passes over it); NULL: none */
	const bool *sink_down;
	/* per monitor: a group's index (< VTAP_MAX_GROUPS), kept by the
	 * daemon across reloads so its members' counters stay; NULL: the
	 * groups in the order of the set */
	const __u32 *group_id;
	/* per monitor: a local monitor whose port has no sink program (its
	 * copies take VTAP_SINK_BARE): the port's slot in vtap_bare, else -1;
	 * NULL: none */
	const int *bare_slot;
};

/* The sink kind copies to a monitor of type t take (compile_groups.c). */
enum vtap_sink_kind vtap_sink_kind_of(enum vtap_monitor_type t);

/* The members' sinks of img's groups (compiled from set) anew from env's
 * sink_ifindex and sink_down: vtapd compiles before it makes the capture
 * and ovs sinks, then points the image at them (compile_groups.c). */
void vtap_image_member_sinks(struct vtap_image *img, const struct vtap_policy_set *set,
			     const struct vtap_compile_env *env);

/* Compile set into img (initialised here; free with vtap_image_free).
 * Returns 0, or -1 with the reason in errs (a limit was exceeded). */
int vtap_compile(const struct vtap_policy_set *set, const struct vtap_compile_env *env,
		 struct vtap_image *img, struct vtap_errors *errs);
void vtap_image_free(struct vtap_image *img);

/* The classifier over an image, as the BPF program runs it over the maps.
 * Returns the rank of the winning rule or VTAP_NO_MATCH (-1). */
int vtap_image_classify(const struct vtap_image *img, const struct vtap_pkt *pkt,
			__u32 ifindex, __u8 dir);

#endif
