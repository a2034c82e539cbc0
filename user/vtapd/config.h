/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's options: set from the command line, fixed after start. */
#ifndef VTAP_VTAPD_CONFIG_H
#define VTAP_VTAPD_CONFIG_H

#include <stdbool.h>
#include <linux/types.h>
#include "core/policy.h"
#include "sinks/vxlan.h"

/* Who taps a VM port (vtapd --engine): eBPF where it can attach, or the
 * DPDK engine (vtap-dpdk, started separately) */
enum vtapd_engine {
	VTAPD_ENGINE_AUTO = 0, /* eBPF; DPDK when eBPF cannot attach */
	VTAPD_ENGINE_EBPF,     /* eBPF only: a failed attach is an error */
	VTAPD_ENGINE_DPDK,     /* every VM port is the DPDK engine's */
};

/* Cluster mode (vtapd --etcd): the policy store and this node's name in it
 * (cluster.h, docs/cluster.md). endpoints NULL: not in cluster mode. */
struct vtapd_cluster_cfg {
	const char *endpoints; /* --etcd URL[,URL...] */
	const char *prefix;    /* --etcd-prefix, default /vtap */
	const char *node;      /* --node, default the host name */
	const char *state_dir; /* --state-dir, default /var/lib/vtap */
	const char *cacert, *cert, *key;
	const char *user, *password_file; /* etcd authentication (RBAC) */
};

/* --sink-hook: where a monitor port's sink program goes */
enum vtapd_sink_hook {
	VTAPD_SINK_HOOK_AUTO,	/* TCX egress where the kernel has it, else clsact */
	VTAPD_SINK_HOOK_TCX,	/* TCX egress, or no sink (an error per port) */
	VTAPD_SINK_HOOK_CLSACT, /* clsact egress, as before TCX */
	/* local monitors whose copies are never cut: no sink program, an
	 * nftables guard on the port (kernel/nft_guard.h); the rest as auto */
	VTAPD_SINK_HOOK_NFT,
};

struct vtapd_config {
	const char *policy_dir; /* NULL: none (cluster mode without --policy-dir) */
	const char *pin_root;
	const char *socket_path;
	struct vtap_vxlan_cfg vxlan; /* vxlan monitors and receive entries */
	bool no_flow_cache;	     /* classify every frame (no verdict cache) */
	bool keep;		     /* on exit leave programs attached and maps pinned */
	enum vtapd_engine engine;
	const char *dpdk_ports;		 /* comma-separated globs: always the DPDK engine's */
	enum vtap_hook_mode attach_mode; /* --attach; policies may override */
	enum vtapd_sink_hook sink_hook;	 /* --sink-hook */
	__u32 ring_size;		 /* --ring-size, bytes (0 = default) */
	struct vtapd_cluster_cfg cluster;
};

#endif
