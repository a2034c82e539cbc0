// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "core/log.h"
#include "vtap_tc.skel.h"
#include "vtap_xdp.skel.h"
#include <vtap/ring.h>

static const char *const map_names[] = {
	VTAP_STR(VTAP_MAP_CFG),   VTAP_STR(VTAP_MAP_GENS),  VTAP_STR(VTAP_MAP_POOL),
	VTAP_STR(VTAP_MAP_PORTS), VTAP_STR(VTAP_MAP_SRC),   VTAP_STR(VTAP_MAP_DST),
	VTAP_STR(VTAP_MAP_PROTO), VTAP_STR(VTAP_MAP_SPORT), VTAP_STR(VTAP_MAP_DPORT),
	VTAP_STR(VTAP_MAP_VLAN),  VTAP_STR(VTAP_MAP_RULES), VTAP_STR(VTAP_MAP_STATS),
	VTAP_STR(VTAP_MAP_GSTATS), VTAP_STR(VTAP_MAP_SINKS), VTAP_STR(VTAP_MAP_NAMES),
	VTAP_STR(VTAP_MAP_TUNNELS), VTAP_STR(VTAP_MAP_RECV), VTAP_STR(VTAP_MAP_RSTATS),
	VTAP_STR(VTAP_MAP_FCACHE),
	VTAP_STR(VTAP_MAP_RING),
};

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The pin root must live on a bpffs. /sys/fs/bpf is not mounted at boot on
 * some hosts (and never inside `ip netns exec`): mount it there. */
int vtap_ensure_bpffs(const char *pin_root)
{
	struct statfs st;
	char dir[PATH_MAX];
	char *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", pin_root);
	/* find the closest existing ancestor */
	while (statfs(dir, &st)) {
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = 0;
	}
	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC) {
		if (strncmp(pin_root, "/sys/fs/bpf", 11)) {
			log_err("pin root %s is not on a bpf filesystem; mount one there or use "
				"a directory under /sys/fs/bpf",
				pin_root);
			return -EINVAL;
		}
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			ret = -errno;
			log_err("cannot mount bpffs on /sys/fs/bpf: %s", strerror(errno));
			return ret;
		}
		log_info("mounted bpffs on /sys/fs/bpf");
	}
	ret = mkdir_p(pin_root);
	if (ret)
		log_err("cannot create pin root %s: %s", pin_root, strerror(-ret));
	return ret;
}

/* An mmapable array's mapping: values rounded up to 8 bytes, whole pages */
static size_t map_mmap_size(struct bpf_map *map)
{
	size_t sz = (size_t)bpf_map__max_entries(map) * ((bpf_map__value_size(map) + 7) & ~7u);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (sz + page - 1) & ~(page - 1);
}

static void *map_mmap(struct bpf_map *map)
{
	void *p = mmap(NULL, map_mmap_size(map), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(map), 0);

	return p == MAP_FAILED ? NULL : p;
}

static void map_munmap(void *p, struct bpf_map *map)
{
	if (p)
		munmap(p, map_mmap_size(map));
}

/* The size the ring gets: a pinned ring keeps its own (libbpf refuses to
 * reuse a pin whose size differs, and a kept tap writes into that one). */
static __u32 ring_size_for(const char *pin_root, __u32 want)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX + 16];
	int fd;

	if (!want)
		want = VTAP_RING_SIZE_DEFAULT;
	snprintf(path, sizeof(path), "%s/%s", pin_root, VTAP_STR(VTAP_MAP_RING));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return want;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_RINGBUF &&
	    info.max_entries != want) {
		log_warn("the ring buffer pinned at %s has %u bytes: keeping it (a kept tap "
			 "writes into it); %u bytes after `vtapctl teardown`",
			 path, info.max_entries, want);
		want = info.max_entries;
	}
	close(fd);
	return want;
}

/* The XDP tap's object, on the maps the TC object pinned. */
static int open_xdp(struct vtap_loader *ld)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = ld->pin_root);
	struct vtap_xdp *xdp = vtap_xdp__open_opts(&opts);
	int ret;

	if (!xdp) {
		ret = -errno;
		log_err("cannot open the XDP tap object: %s", strerror(errno));
		return ret;
	}
	/* the size the TC object's ring got (and pinned) */
	bpf_map__set_max_entries(xdp->maps.VTAP_MAP_RING, ld->ring_size);
	ret = vtap_xdp__load(xdp);
	if (ret) {
		log_err("cannot load the XDP tap into the kernel: %s", strerror(-ret));
		vtap_xdp__destroy(xdp);
		return ret;
	}
	ld->xdp = xdp;
	ld->fd_ring = bpf_map__fd(xdp->maps.VTAP_MAP_RING);
	return 0;
}

/* A new vtap_cfg starts its epoch at a random value, not 0: a flow cache
 * pin that outlived its vtap_cfg (removed by hand, or by a teardown of a
 * version that did not know the cache) may hold verdicts of epochs 0, 1,
 * 2..., which must not match the new rules. */
static int seed_epoch(struct vtap_loader *ld)
{
	struct vtap_cfg cfg = { 0 };
	__u32 zero = 0;

	if (getrandom(&cfg.active_gen, sizeof(cfg.active_gen), 0) != sizeof(cfg.active_gen))
		return -errno;
	return bpf_map_update_elem(ld->fd_cfg, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int vtap_loader_open(struct vtap_loader *ld, const char *pin_root)
{
	return vtap_loader_open_ring(ld, pin_root, 0);
}

int vtap_loader_open_ring(struct vtap_loader *ld, const char *pin_root, __u32 ring_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct vtap_tc *tc;
	int ret;

	memset(ld, 0, sizeof(*ld));
	snprintf(ld->pin_root, sizeof(ld->pin_root), "%s", pin_root);
	ret = vtap_ensure_bpffs(pin_root);
	if (ret)
		return ret;
	{
		char cfg[PATH_MAX];

		snprintf(cfg, sizeof(cfg), "%s/%s", pin_root, VTAP_STR(VTAP_MAP_CFG));
		ld->fresh = access(cfg, F_OK) != 0;
	}
	tc = vtap_tc__open_opts(&opts);
	if (!tc) {
		ret = -errno;
		log_err("cannot open the TC tap object: %s", strerror(errno));
		return ret;
	}
	/* both objects declare the ring; the first to load pins it */
	ld->ring_size = ring_size_for(pin_root, ring_size);
	bpf_map__set_max_entries(tc->maps.VTAP_MAP_RING, ld->ring_size);
	ret = vtap_tc__load(tc);
	if (ret) {
		log_err("cannot load the TC tap into the kernel: %s (pins under %s from an "
			"incompatible version? `vtapctl teardown` removes them)",
			strerror(-ret), pin_root);
		goto err;
	}
	ld->tc = tc;
	ld->pool = map_mmap(tc->maps.VTAP_MAP_POOL);
	ld->proto = map_mmap(tc->maps.VTAP_MAP_PROTO);
	ld->sport = map_mmap(tc->maps.VTAP_MAP_SPORT);
	ld->dport = map_mmap(tc->maps.VTAP_MAP_DPORT);
	ld->vlan = map_mmap(tc->maps.VTAP_MAP_VLAN);
	if (!ld->pool || !ld->proto || !ld->sport || !ld->dport || !ld->vlan) {
		ret = -errno;
		log_err("cannot map the classifier arrays: %s", strerror(errno));
		vtap_loader_close(ld, 0);
		return ret;
	}
	ld->fd_cfg = bpf_map__fd(tc->maps.VTAP_MAP_CFG);
	ld->fd_gens = bpf_map__fd(tc->maps.VTAP_MAP_GENS);
	ld->fd_ports = bpf_map__fd(tc->maps.VTAP_MAP_PORTS);
	ld->fd_src = bpf_map__fd(tc->maps.VTAP_MAP_SRC);
	ld->fd_dst = bpf_map__fd(tc->maps.VTAP_MAP_DST);
	ld->fd_rules = bpf_map__fd(tc->maps.VTAP_MAP_RULES);
	ld->fd_stats = bpf_map__fd(tc->maps.VTAP_MAP_STATS);
	ld->fd_gstats = bpf_map__fd(tc->maps.VTAP_MAP_GSTATS);
	ld->fd_sinks = bpf_map__fd(tc->maps.VTAP_MAP_SINKS);
	ld->fd_names = bpf_map__fd(tc->maps.VTAP_MAP_NAMES);
	ld->fd_tunnels = bpf_map__fd(tc->maps.VTAP_MAP_TUNNELS);
	ld->fd_recv = bpf_map__fd(tc->maps.VTAP_MAP_RECV);
	ld->fd_rstats = bpf_map__fd(tc->maps.VTAP_MAP_RSTATS);
	ld->fd_sync = bpf_map__fd(tc->maps.VTAP_MAP_SYNC);
	ld->fd_sync_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (ld->fd_sync_inner < 0) {
		ret = -errno;
		log_err("cannot create the grace-period map: %s", strerror(errno));
		vtap_loader_close(ld, 0);
		return ret;
	}
	if (ld->fresh) {
		ret = seed_epoch(ld);
		if (ret) {
			log_err("cannot seed the rule-set epoch: %s", strerror(-ret));
			vtap_loader_close(ld, 0);
			return ret;
		}
	}
	ret = open_xdp(ld);
	/* the TC object pinned its maps: when no pins were there before,
	 * the failed open takes them away again */
	if (ret)
		vtap_loader_close(ld, ld->fresh);
	return ret;
err:
	vtap_tc__destroy(tc);
	return ret;
}

static int read_cfg(struct vtap_loader *ld, struct vtap_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(ld->fd_cfg, &zero, cfg) ? -errno : 0;
}

int vtap_loader_active_gen(struct vtap_loader *ld)
{
	struct vtap_cfg cfg;
	int ret = read_cfg(ld, &cfg);

	return ret ? ret : (int)(cfg.active_gen & 1);
}

int vtap_loader_set_flow_cache(struct vtap_loader *ld, enum vtap_flow_cache_mode mode)
{
	struct vtap_cfg cfg;
	__u32 zero = 0;
	int ret = read_cfg(ld, &cfg);

	if (ret)
		return ret;
	cfg.flags &= ~(__u32)(VTAP_CFG_NO_FLOW_CACHE | VTAP_CFG_FLOW_CACHE_MISS);
	if (mode == VTAP_FLOW_CACHE_OFF)
		cfg.flags |= VTAP_CFG_NO_FLOW_CACHE;
	else if (mode == VTAP_FLOW_CACHE_ALWAYS_MISS)
		cfg.flags |= VTAP_CFG_FLOW_CACHE_MISS;
	/* the only writer is this process, so read-modify-write is safe */
	return bpf_map_update_elem(ld->fd_cfg, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* Delete every entry of generation gen from a hash or LPM map. gen_of()
 * tells a key's generation. */
static int purge_gen(int fd, size_t key_size, __u32 gen, __u32 (*gen_of)(const void *))
{
	size_t cap = 64, n = 0;
	char *keys = malloc(cap * key_size), *k = NULL, next[64];
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, k, next)) {
		if (gen_of(next) == gen) {
			if (n == cap) {
				char *nk = realloc(keys, 2 * cap * key_size);

				if (!nk) {
					ret = -ENOMEM;
					goto out;
				}
				keys = nk;
				cap *= 2;
			}
			memcpy(keys + n * key_size, next, key_size);
			n++;
		}
		if (!k)
			k = malloc(key_size);
		if (!k) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(k, next, key_size);
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT)
			ret = -errno;
out:
	free(k);
	free(keys);
	return ret;
}

static __u32 port_key_gen(const void *k)
{
	return ((const struct vtap_port_key *)k)->gen;
}

static __u32 lpm_key_gen(const void *k)
{
	return ((const struct vtap_lpm_key *)k)->gen;
}

static void fill_index(__u64 *dst, const __u32 *src, size_t n, __u32 base)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (__u64)src[i] + base;
}

int vtap_loader_wait_readers(struct vtap_loader *ld)
{
	__u32 zero = 0;

	/* an RCU grace period, which the kernel waits for on a map-in-map
	 * update: every program run that began before it has ended */
	return bpf_map_update_elem(ld->fd_sync, &zero, &ld->fd_sync_inner, BPF_ANY) ? -errno : 0;
}

int vtap_loader_apply(struct vtap_loader *ld, const struct vtap_image *img)
{
	struct vtap_cfg cfg;
	struct vtap_gen gen = img->gen;
	__u32 zero = 0, g, base;
	int ret;

	ret = read_cfg(ld, &cfg);
	if (ret)
		return ret;
	g = (cfg.active_gen + 1) & 1;
	base = g * VTAP_POOL_PER_GEN;

	/* 0. generation g was active until the last flip: wait until no
	 * program can still be reading it */
	if ((ret = vtap_loader_wait_readers(ld)))
		goto fail;

	/* 1. everything of the inactive generation; no frame reads it */
	memcpy(&ld->pool[base], img->pool, img->n_pool * sizeof(*img->pool));
	fill_index(&ld->proto[g * VTAP_PROTO_SPACE], img->proto, VTAP_PROTO_SPACE, base);
	fill_index(&ld->sport[g * VTAP_PORT_SPACE], img->sport, VTAP_PORT_SPACE, base);
	fill_index(&ld->dport[g * VTAP_PORT_SPACE], img->dport, VTAP_PORT_SPACE, base);
	fill_index(&ld->vlan[g * VTAP_VLAN_SPACE], img->vlan, VTAP_VLAN_SPACE, base);

	ret = purge_gen(ld->fd_ports, sizeof(struct vtap_port_key), g, port_key_gen);
	if (!ret)
		ret = purge_gen(ld->fd_src, sizeof(struct vtap_lpm_key), g, lpm_key_gen);
	if (!ret)
		ret = purge_gen(ld->fd_dst, sizeof(struct vtap_lpm_key), g, lpm_key_gen);
	if (ret)
		goto fail;
	for (size_t i = 0; i < img->n_ports; i++) {
		struct vtap_port_key k = { .ifindex = img->ports[i].ifindex,
					   .dir = img->ports[i].dir,
					   .gen = (__u8)g };
		__u32 v = img->ports[i].idx + base;

		if (bpf_map_update_elem(ld->fd_ports, &k, &v, BPF_ANY))
			goto fail_errno;
	}
	for (int side = 0; side < 2; side++) {
		int fd = side ? ld->fd_dst : ld->fd_src;

		for (size_t i = 0; i < img->n_prefixes[side]; i++) {
			const struct vtap_image_prefix *p = &img->prefixes[side][i];
			struct vtap_lpm_key k = { .prefixlen = VTAP_LPM_HDR_BITS + p->plen,
						  .gen = g,
						  .family = p->family };
			__u32 v = p->idx + base;

			memcpy(k.addr, p->addr, 16);
			if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
				goto fail_errno;
		}
	}
	if (img->gen.n_rules) {
		__u32 count = img->gen.n_rules;
		__u32 *keys = malloc(count * sizeof(*keys));

		if (!keys) {
			ret = -ENOMEM;
			goto fail;
		}
		for (__u32 i = 0; i < count; i++)
			keys[i] = g * VTAP_MAX_RULES + i;
		ret = bpf_map_update_batch(ld->fd_rules, keys, img->rules, &count, NULL);
		free(keys);
		if (ret)
			goto fail;
	}
	for (int f = 0; f < VTAP_F_MAX; f++)
		gen.any_idx[f] += base;
	if (bpf_map_update_elem(ld->fd_gens, &g, &gen, BPF_ANY))
		goto fail_errno;

	/* 2. the flip: one store of the next epoch, whose low bit is g */
	cfg.active_gen++;
	if (bpf_map_update_elem(ld->fd_cfg, &zero, &cfg, BPF_ANY))
		goto fail_errno;
	return 0;
fail_errno:
	ret = -errno;
fail:
	log_err("cannot write the new rule set into generation %u: %s (the active rule set "
		"is unchanged)",
		g, strerror(-ret));
	return ret;
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
	ret = bpf_map_update_elem(ld->fd_stats, &policy_id, v, BPF_ANY) ? -errno : 0;
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
	return read_percpu(ld->fd_stats, &policy_id, out, sizeof(*out));
}

int vtap_loader_read_global(struct vtap_loader *ld, struct vtap_global_counters *out)
{
	__u32 zero = 0;

	return read_percpu(ld->fd_gstats, &zero, out, sizeof(*out));
}

int vtap_loader_read_sink(struct vtap_loader *ld, __u32 ifindex, struct vtap_sink_counters *out)
{
	return read_percpu(ld->fd_sinks, &ifindex, out, sizeof(*out));
}

int vtap_loader_add_sink(struct vtap_loader *ld, __u32 ifindex)
{
	int n = ncpus();
	struct vtap_sink_counters *v = calloc((size_t)n, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	ret = bpf_map_update_elem(ld->fd_sinks, &ifindex, v, BPF_NOEXIST);
	ret = ret && errno != EEXIST ? -errno : 0;
	free(v);
	return ret;
}

int vtap_loader_del_sink(struct vtap_loader *ld, __u32 ifindex)
{
	return bpf_map_delete_elem(ld->fd_sinks, &ifindex) && errno != ENOENT ? -errno : 0;
}

int vtap_loader_set_tunnel(struct vtap_loader *ld, __u32 policy_id, const struct vtap_tunnel *t)
{
	struct vtap_tunnel none = { 0 };

	return bpf_map_update_elem(ld->fd_tunnels, &policy_id, t ? t : &none, BPF_ANY) ? -errno : 0;
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
	if (bpf_map_update_elem(ld->fd_rstats, &unknown, zero, BPF_NOEXIST) && errno != EEXIST)
		ret = -errno;
	if (ifindex) {
		if (bpf_map_update_elem(ld->fd_rstats, &vni, zero, BPF_NOEXIST) && errno != EEXIST)
			ret = -errno;
		if (!ret && bpf_map_update_elem(ld->fd_recv, &vni, &p, BPF_ANY))
			ret = -errno;
	} else {
		if (bpf_map_delete_elem(ld->fd_recv, &vni) && errno != ENOENT)
			ret = -errno;
		bpf_map_delete_elem(ld->fd_rstats, &vni);
	}
	free(zero);
	return ret;
}

int vtap_loader_prune_recv(struct vtap_loader *ld, const __u32 *keep, size_t n)
{
	__u32 key, next, *dead = calloc(VTAP_MAX_RECV + 2, sizeof(*dead));
	size_t n_dead = 0;
	int fds[2] = { ld->fd_recv, ld->fd_rstats };

	if (!dead)
		return -ENOMEM;
	/* entries a previous vtapd left in the pinned maps count too */
	for (int m = 0; m < 2; m++) {
		n_dead = 0;
		for (int r = bpf_map_get_next_key(fds[m], NULL, &next); !r && n_dead < VTAP_MAX_RECV + 2;
		     r = bpf_map_get_next_key(fds[m], &key, &next)) {
			bool kept = next == VTAP_RECV_UNKNOWN;

			for (size_t i = 0; i < n && !kept; i++)
				kept = keep[i] == next;
			if (!kept)
				dead[n_dead++] = next;
			key = next;
		}
		for (size_t i = 0; i < n_dead; i++)
			bpf_map_delete_elem(fds[m], &dead[i]);
	}
	free(dead);
	return 0;
}

int vtap_loader_read_recv(struct vtap_loader *ld, __u32 vni, struct vtap_recv_counters *out)
{
	return read_percpu(ld->fd_rstats, &vni, out, sizeof(*out));
}

static struct bpf_program *prog_of(struct vtap_tc *tc, struct vtap_xdp *xdp, enum vtap_prog prog)
{
	switch (prog) {
	case VTAP_PROG_TC_OUT:
		return tc ? tc->progs.vtap_tc_out : NULL;
	case VTAP_PROG_TC_IN:
		return tc ? tc->progs.vtap_tc_in : NULL;
	case VTAP_PROG_TC_RING_OUT:
		return tc ? tc->progs.vtap_tc_ring_out : NULL;
	case VTAP_PROG_SINK:
		return tc ? tc->progs.vtap_sink : NULL;
	case VTAP_PROG_RX:
		return tc ? tc->progs.vtap_rx : NULL;
	case VTAP_PROG_XDP_OUT:
		return xdp ? xdp->progs.vtap_xdp_out : NULL;
	default:
		return NULL;
	}
}

int vtap_loader_prog(const struct vtap_loader *ld, enum vtap_prog prog)
{
	struct bpf_program *p = prog_of(ld->tc, ld->xdp, prog);

	return p ? bpf_program__fd(p) : -ENOENT;
}

const char *vtap_prog_name(enum vtap_prog prog)
{
	static char names[VTAP_PROG_COUNT][64];
	static bool known;

	if ((unsigned int)prog >= VTAP_PROG_COUNT)
		return "?";
	if (!known) {
		/* the names are the skeletons': open (parse) them, no load */
		struct vtap_tc *tc = vtap_tc__open();
		struct vtap_xdp *xdp = vtap_xdp__open();

		for (int i = 0; i < VTAP_PROG_COUNT; i++) {
			struct bpf_program *p = prog_of(tc, xdp, (enum vtap_prog)i);

			snprintf(names[i], sizeof(names[i]), "%s", p ? bpf_program__name(p) : "?");
		}
		known = tc && xdp;
		vtap_tc__destroy(tc);
		vtap_xdp__destroy(xdp);
	}
	return names[prog];
}

int vtap_loader_get_name(struct vtap_loader *ld, __u32 policy_id, char *name, size_t len)
{
	struct vtap_policy_name v;

	if (bpf_map_lookup_elem(ld->fd_names, &policy_id, &v))
		return -errno;
	v.name[sizeof(v.name) - 1] = 0;
	snprintf(name, len, "%s", v.name);
	return 0;
}

int vtap_loader_set_name(struct vtap_loader *ld, __u32 policy_id, const char *name)
{
	struct vtap_policy_name v = { 0 };

	snprintf(v.name, sizeof(v.name), "%s", name);
	return bpf_map_update_elem(ld->fd_names, &policy_id, &v, BPF_ANY) ? -errno : 0;
}

static int map_id_of(int fd, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

int vtap_prog_uses_pins(int prog_fd, const char *pin_root)
{
	__u32 pinned[sizeof(map_names) / sizeof(map_names[0])], n_pinned = 0;
	__u32 ids[64], n_ids = 64;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int ret = 0;

	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_root, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!map_id_of(fd, &pinned[n_pinned]))
			n_pinned++;
		close(fd);
	}
	if (!n_pinned)
		return 0;
	info.nr_map_ids = n_ids;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	n_ids = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	for (__u32 i = 0; i < n_ids && !ret; i++)
		for (__u32 k = 0; k < n_pinned; k++)
			if (ids[i] == pinned[k])
				ret = 1;
	return ret;
}

int vtap_unpin_all(const char *pin_root)
{
	char path[PATH_MAX];
	int ret = 0;

	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_root, map_names[i]);
		if (unlink(path) && errno != ENOENT)
			ret = -errno;
	}
	if (rmdir(pin_root) && errno != ENOENT && errno != ENOTEMPTY)
		ret = ret ? ret : -errno;
	return ret;
}

void vtap_loader_close(struct vtap_loader *ld, int unpin)
{
	if (ld->fd_sync_inner > 0)
		close(ld->fd_sync_inner);
	if (ld->tc) {
		map_munmap(ld->pool, ld->tc->maps.VTAP_MAP_POOL);
		map_munmap(ld->proto, ld->tc->maps.VTAP_MAP_PROTO);
		map_munmap(ld->sport, ld->tc->maps.VTAP_MAP_SPORT);
		map_munmap(ld->dport, ld->tc->maps.VTAP_MAP_DPORT);
		map_munmap(ld->vlan, ld->tc->maps.VTAP_MAP_VLAN);
		vtap_tc__destroy(ld->tc);
	}
	if (ld->xdp)
		vtap_xdp__destroy(ld->xdp);
	if (unpin)
		vtap_unpin_all(ld->pin_root);
	memset(ld, 0, sizeof(*ld));
}
