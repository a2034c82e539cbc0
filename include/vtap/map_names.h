/* SPDX-License-Identifier: GPL-2.0 */
/* The names of the maps vtap pins. BPF declares its maps with these
 * identifiers (bpf/vtap_maps.h), so the generated skeletons name them the
 * same: user space reaches a map as skel->maps.VTAP_MAP_X and its pin by
 * bpf_map__pin_path(), never by a string of its own. At most 15
 * characters. */
#ifndef VTAP_MAP_NAMES_H
#define VTAP_MAP_NAMES_H

#define VTAP_MAP_CFG	    vtap_cfg
#define VTAP_MAP_GENS	    vtap_gens
#define VTAP_MAP_POOL	    vtap_pool
#define VTAP_MAP_PORTS	    vtap_ports
#define VTAP_MAP_PFX	    vtap_pfx
#define VTAP_MAP_PROTO	    vtap_proto
#define VTAP_MAP_SPORT	    vtap_sport
#define VTAP_MAP_DPORT	    vtap_dport
#define VTAP_MAP_VLAN	    vtap_vlan
#define VTAP_MAP_RULES	    vtap_rules
#define VTAP_MAP_STATS	    vtap_stats
#define VTAP_MAP_GSTATS	    vtap_gstats
#define VTAP_MAP_SINKS	    vtap_sinks
#define VTAP_MAP_NAMES	    vtap_names
#define VTAP_MAP_SYNC	    vtap_sync
#define VTAP_MAP_TUNNELS    vtap_tunnels
#define VTAP_MAP_RECV	    vtap_recv
#define VTAP_MAP_RSTATS	    vtap_rstats
#define VTAP_MAP_FCACHE	    vtap_fcache
#define VTAP_MAP_OWNER	    vtap_owner
#define VTAP_MAP_RATE	    vtap_rate
#define VTAP_MAP_DEDUP	    vtap_dedup
#define VTAP_MAP_GROUPS	    vtap_groups
#define VTAP_MAP_MEMBERS    vtap_members
#define VTAP_MAP_BARE	    vtap_bare
#define VTAP_MAP_BARE_PORTS vtap_bare_ports
#define VTAP_MAP_CAP_VETH   vtap_cap_veth
/* Pinned like the other maps, so a tap left attached by `vtapd --keep`
 * keeps writing where the next vtapd reads. */
#define VTAP_MAP_RING vtap_ring

/* A map's name as a string (a pin's file name, in messages and tests). */
#define VTAP_STR_(x) #x
#define VTAP_STR(x)  VTAP_STR_(x)

#endif
