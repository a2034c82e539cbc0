// SPDX-License-Identifier: GPL-2.0
/* The entries vtapd reads and writes beside the rule set (loader.c writes
 * that): policy and sink counters, vxlan tunnels and the receiving side,
 * rate caps, counter slot owners, the pin root's owner record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "core/log.h"
#include "core/rate_cfg.h"
#include "vtap_tc.skel.h"
#include <vtap/map_names.h>

int vtap_loader_set_owner(struct vtap_loader *ld, const char *socket)
{
	struct vtap_owner rec = { .pid = (__u32)getpid() };
	__u32 zero = 0;

	snprintf(rec.socket, sizeof(rec.socket), "%s", socket);
	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_OWNER), &zero, &rec, BPF_ANY) ? -errno : 0;
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

int vtap_loader_zero_stats(struct vtap_loader *ld, __u32 policy_id)
{
	int n = ncpus();
	struct vtap_counters *v = calloc((size_t)n, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	ret = bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_STATS), &policy_id, v, BPF_ANY) ? -errno : 0;
	free(v);
	return ret;
}

/* Sum a per-CPU value made only of __u64 counters. */
static int read_percpu(int fd, const void *key, void *out, size_t size)
{
	int n = ncpus();
	__u64 *v = calloc((size_t)n, size), *sum = out;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	memset(out, 0, size);
	if (bpf_map_lookup_elem(fd, key, v)) {
		ret = -errno;
	} else {
		for (int c = 0; c < n; c++)
			for (size_t i = 0; i < size / 8; i++)
				sum[i] += v[(size_t)c * (size / 8) + i];
	}
	free(v);
	return ret;
}

int vtap_loader_read_stats(struct vtap_loader *ld, __u32 policy_id, struct vtap_counters *out)
{
	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_STATS), &policy_id, out, sizeof(*out));
}

int vtap_loader_read_member(struct vtap_loader *ld, __u32 group, __u32 member,
			    struct vtap_member_counters *out)
{
	__u32 key = group * VTAP_GROUP_MAX + member;

	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_MEMBERS), &key, out, sizeof(*out));
}

int vtap_loader_zero_group(struct vtap_loader *ld, __u32 group)
{
	struct vtap_member_counters *z = calloc((size_t)ncpus(), sizeof(*z));
	int ret = z ? 0 : -ENOMEM;

	for (__u32 m = 0; z && !ret && m < VTAP_GROUP_MAX; m++) {
		__u32 key = group * VTAP_GROUP_MAX + m;

		if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_MEMBERS), &key, z, BPF_ANY))
			ret = -errno;
	}
	free(z);
	return ret;
}

int vtap_loader_read_global(struct vtap_loader *ld, struct vtap_global_counters *out)
{
	__u32 zero = 0;

	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_GSTATS), &zero, out, sizeof(*out));
}

int vtap_loader_read_sink(struct vtap_loader *ld, __u32 ifindex, struct vtap_sink_counters *out)
{
	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_SINKS), &ifindex, out, sizeof(*out));
}

int vtap_loader_add_sink(struct vtap_loader *ld, __u32 ifindex)
{
	int n = ncpus();
	struct vtap_sink_counters *v = calloc((size_t)n, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	ret = bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_SINKS), &ifindex, v, BPF_NOEXIST);
	ret = ret && errno != EEXIST ? -errno : 0;
	free(v);
	return ret;
}

int vtap_loader_del_sink(struct vtap_loader *ld, __u32 ifindex)
{
	/* a capture's choice of path (bpf/vtap_maps.h) goes with the sink */
	bpf_map_delete_elem(vtap_loader_map_fd(ld, VTAP_MAP_CAP_VETH), &ifindex);
	return bpf_map_delete_elem(vtap_loader_map_fd(ld, VTAP_MAP_SINKS), &ifindex) && errno != ENOENT ? -errno : 0;
}

/* Delete every key of map fd (u32 keys, at most max) but the n in keep
 * and `also`; returns how many went, or -ENOMEM. */
static int prune_keys(int fd, const __u32 *keep, size_t n, __u32 also, size_t max)
{
	__u32 key, next, *dead = calloc(max + 1, sizeof(*dead));
	size_t n_dead = 0;

	if (!dead)
		return -ENOMEM;
	for (int r = bpf_map_get_next_key(fd, NULL, &next); !r && n_dead <= max;
	     r = bpf_map_get_next_key(fd, &key, &next)) {
		bool kept = next == also;

		for (size_t i = 0; i < n && !kept; i++)
			kept = keep[i] == next;
		if (!kept)
			dead[n_dead++] = next;
		key = next;
	}
	for (size_t i = 0; i < n_dead; i++)
		bpf_map_delete_elem(fd, &dead[i]);
	free(dead);
	return (int)n_dead;
}

int vtap_loader_prune_cap_veth(struct vtap_loader *ld, const __u32 *keep, size_t n)
{
	/* an entry of a port that is no sink of this vtapd's: a copy in
	 * flight while vtapd removed the sink, a sink that went while no
	 * vtapd ran (its vtap_sinks entry stays as well) — it held a slot a
	 * new capture's switch needs, and with the map full the switch would
	 * not happen (0: no port has ifindex 0) */
	return prune_keys(vtap_loader_map_fd(ld, VTAP_MAP_CAP_VETH), keep, n, 0, VTAP_MAX_SINKS);
}

int vtap_loader_ovs_ring(struct vtap_loader *ld, __u32 ifindex, bool ready)
{
	int fd = vtap_loader_map_fd(ld, VTAP_MAP_CAP_VETH);
	__u32 v = VTAP_OVS_RING_READY;

	if (!ready)
		return bpf_map_delete_elem(fd, &ifindex) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &ifindex, &v, BPF_NOEXIST) && errno != EEXIST ? -errno : 0;
}

/* the slot port ifindex has in vtap_bare_ports (0: the free slots), or -1 */
static int bare_find(struct vtap_loader *ld, __u32 ifindex)
{
	int fd = vtap_loader_map_fd(ld, VTAP_MAP_BARE_PORTS);

	for (__u32 k = 0; k < VTAP_BARE_SLOTS; k++) {
		struct vtap_bare_port v = {0};

		if (!bpf_map_lookup_elem(fd, &k, &v) && v.ifindex == ifindex)
			return (int)k;
	}
	return -1;
}

int vtap_loader_bare_take(struct vtap_loader *ld, __u32 ifindex, __u32 room)
{
	struct vtap_bare_port v = {.ifindex = ifindex, .room = room};
	int slot = bare_find(ld, ifindex), n = ncpus(), ret = 0;
	struct vtap_sink_counters *zero = NULL;
	__u32 k;

	if (slot < 0) {
		slot = bare_find(ld, 0);
		if (slot < 0)
			return -ENOSPC;
		zero = calloc((size_t)n, sizeof(*zero));
		if (!zero)
			return -ENOMEM;
	}
	k = (__u32)slot;
	/* counters first (a new slot's): the rules name the slot only after
	 * this */
	if ((zero && bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_BARE), &k, zero, BPF_ANY)) ||
	    bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_BARE_PORTS), &k, &v, BPF_ANY))
		ret = -errno;
	free(zero);
	return ret ? ret : slot;
}

void vtap_loader_bare_give(struct vtap_loader *ld, __u32 ifindex)
{
	struct vtap_bare_port none = {0};
	int slot = bare_find(ld, ifindex);
	__u32 k = (__u32)slot;

	if (ifindex && slot >= 0)
		bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_BARE_PORTS), &k, &none, BPF_ANY);
}

__u32 vtap_loader_bare_port(struct vtap_loader *ld, __u32 slot)
{
	struct vtap_bare_port v = {0};

	bpf_map_lookup_elem(vtap_loader_map_fd(ld, VTAP_MAP_BARE_PORTS), &slot, &v);
	return v.ifindex;
}

int vtap_loader_read_bare(struct vtap_loader *ld, __u32 slot, struct vtap_sink_counters *out)
{
	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_BARE), &slot, out, sizeof(*out));
}

int vtap_loader_set_tunnel(struct vtap_loader *ld, __u32 policy_id, const struct vtap_tunnel *t)
{
	struct vtap_tunnel none = { 0 };

	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_TUNNELS), &policy_id, t ? t : &none, BPF_ANY) ? -errno : 0;
}

int vtap_loader_set_recv(struct vtap_loader *ld, __u32 vni, __u32 ifindex)
{
	struct vtap_recv_port p = { .ifindex = ifindex };
	__u32 unknown = VTAP_RECV_UNKNOWN;
	int n = ncpus(), ret = 0;
	struct vtap_recv_counters *zero = calloc((size_t)n, sizeof(*zero));

	if (!zero)
		return -ENOMEM;
	/* counters first (kept when they exist), then the entry; the
	 * unknown-VNI counter whenever receiving is configured at all */
	if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_RSTATS), &unknown, zero, BPF_NOEXIST) && errno != EEXIST)
		ret = -errno;
	if (ifindex) {
		if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_RSTATS), &vni, zero, BPF_NOEXIST) && errno != EEXIST)
			ret = -errno;
		if (!ret && bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_RECV), &vni, &p, BPF_ANY))
			ret = -errno;
	} else {
		if (bpf_map_delete_elem(vtap_loader_map_fd(ld, VTAP_MAP_RECV), &vni) && errno != ENOENT)
			ret = -errno;
		bpf_map_delete_elem(vtap_loader_map_fd(ld, VTAP_MAP_RSTATS), &vni);
	}
	free(zero);
	return ret;
}

int vtap_loader_prune_recv(struct vtap_loader *ld, const __u32 *keep, size_t n)
{
	/* entries a previous vtapd left in the pinned maps count too */
	int ret = prune_keys(vtap_loader_map_fd(ld, VTAP_MAP_RECV), keep, n, VTAP_RECV_UNKNOWN,
			     VTAP_MAX_RECV + 1);

	if (ret >= 0)
		ret = prune_keys(vtap_loader_map_fd(ld, VTAP_MAP_RSTATS), keep, n, VTAP_RECV_UNKNOWN,
				 VTAP_MAX_RECV + 1);
	return ret < 0 ? ret : 0;
}

int vtap_loader_read_recv(struct vtap_loader *ld, __u32 vni, struct vtap_recv_counters *out)
{
	return read_percpu(vtap_loader_map_fd(ld, VTAP_MAP_RSTATS), &vni, out, sizeof(*out));
}

int vtap_loader_get_name(struct vtap_loader *ld, __u32 policy_id, char *name, size_t len)
{
	struct vtap_policy_name v;

	if (bpf_map_lookup_elem(vtap_loader_map_fd(ld, VTAP_MAP_NAMES), &policy_id, &v))
		return -errno;
	v.name[sizeof(v.name) - 1] = 0;
	snprintf(name, len, "%s", v.name);
	return 0;
}

int vtap_loader_set_name(struct vtap_loader *ld, __u32 policy_id, const char *name)
{
	struct vtap_policy_name v = { 0 };

	snprintf(v.name, sizeof(v.name), "%s", name);
	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_NAMES), &policy_id, &v, BPF_ANY) ? -errno : 0;
}

int vtap_loader_ring_fd(struct vtap_loader *ld)
{
	return vtap_loader_map_fd(ld, VTAP_MAP_RING);
}

int vtap_loader_set_rate(struct vtap_loader *ld, __u32 policy_id, const struct vtap_rate_spec *spec)
{
	int fd = vtap_loader_map_fd(ld, VTAP_MAP_RATE);
	struct vtap_rate want, have;

	vtap_rate_config(spec, &want);
	/* a rate that did not change keeps its buckets: a reload is no burst */
	if (!bpf_map_lookup_elem(fd, &policy_id, &have) && vtap_rate_same_config(&want, &have))
		return 0;
	return bpf_map_update_elem(fd, &policy_id, &want, BPF_ANY) ? -errno : 0;
}

void vtap_loader_set_rates(struct vtap_loader *ld, const struct vtap_policy_set *set,
			   const __u32 *ids)
{
	for (size_t i = 0; i < set->n_policies; i++)
		if (vtap_loader_set_rate(ld, ids[i], &set->policies[i].rate))
			log_warn("policy %s: cannot set its rate cap", set->policies[i].name);
}
