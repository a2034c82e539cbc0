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
#include <vtap/limits.h>
#include <vtap/map_names.h>

/* A shared map's fd, named by its <vtap/map_names.h> macro: the TC object
 * declares every map the taps share (bpf/vtap_maps.h), and the XDP object
 * reuses the same pins. */
#define map_fd(ld, name) bpf_map__fd((ld)->tc->maps.name)

/* fn(path, arg) for the pin path of every map of obj that libbpf pins (its
 * pin root given at open); stops at fn's first non-zero return, returned. */
typedef int (*pin_fn)(const char *path, void *arg);

static int for_each_pin_of(struct bpf_object *obj, pin_fn fn, void *arg)
{
	struct bpf_map *map;
	int ret;

	bpf_object__for_each_map(map, obj) {
		const char *path = bpf_map__pin_path(map);

		if (path && (ret = fn(path, arg)))
			return ret;
	}
	return 0;
}

/* The same over the vtap objects opened (not loaded) with pin_root: their
 * skeletons are the one list of the maps vtap pins and of their names. */
static int for_each_pin(const char *pin_root, pin_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct vtap_tc *tc = vtap_tc__open_opts(&opts);
	struct vtap_xdp *xdp = tc ? vtap_xdp__open_opts(&opts) : NULL;
	int ret;

	if (!tc || !xdp)
		ret = -errno;
	else if (!(ret = for_each_pin_of(tc->obj, fn, arg)))
		ret = for_each_pin_of(xdp->obj, fn, arg);
	vtap_xdp__destroy(xdp);
	vtap_tc__destroy(tc);
	return ret;
}

static int unlink_pin(const char *path, void *arg)
{
	int *ret = arg;

	if (unlink(path) && errno != ENOENT && !*ret)
		*ret = -errno;
	return 0; /* the others all the same */
}

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
static __u32 ring_size_for(struct bpf_map *ring, __u32 want)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	const char *path = bpf_map__pin_path(ring);
	int fd;

	if (!want)
		want = VTAP_RING_SIZE_DEFAULT;
	fd = path ? bpf_obj_get(path) : -1;
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
	return bpf_map_update_elem(map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY) ? -errno : 0;
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
	tc = vtap_tc__open_opts(&opts);
	if (!tc) {
		ret = -errno;
		log_err("cannot open the TC tap object: %s", strerror(errno));
		return ret;
	}
	ld->fresh = access(bpf_map__pin_path(tc->maps.VTAP_MAP_CFG), F_OK) != 0;
	/* both objects declare the ring; the first to load pins it */
	ld->ring_size = ring_size_for(tc->maps.VTAP_MAP_RING, ring_size);
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

	return bpf_map_lookup_elem(map_fd(ld, VTAP_MAP_CFG), &zero, cfg) ? -errno : 0;
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
	return bpf_map_update_elem(map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY) ? -errno : 0;
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
	 * program can still be reading it (an RCU grace period, which the
	 * kernel waits for on a map-in-map update) */
	if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_SYNC), &zero, &ld->fd_sync_inner, BPF_ANY))
		goto fail_errno;

	/* 1. everything of the inactive generation; no frame reads it */
	memcpy(&ld->pool[base], img->pool, img->n_pool * sizeof(*img->pool));
	fill_index(&ld->proto[g * VTAP_PROTO_SPACE], img->proto, VTAP_PROTO_SPACE, base);
	fill_index(&ld->sport[g * VTAP_PORT_SPACE], img->sport, VTAP_PORT_SPACE, base);
	fill_index(&ld->dport[g * VTAP_PORT_SPACE], img->dport, VTAP_PORT_SPACE, base);
	fill_index(&ld->vlan[g * VTAP_VLAN_SPACE], img->vlan, VTAP_VLAN_SPACE, base);

	ret = purge_gen(map_fd(ld, VTAP_MAP_PORTS), sizeof(struct vtap_port_key), g, port_key_gen);
	if (!ret)
		ret = purge_gen(map_fd(ld, VTAP_MAP_SRC), sizeof(struct vtap_lpm_key), g, lpm_key_gen);
	if (!ret)
		ret = purge_gen(map_fd(ld, VTAP_MAP_DST), sizeof(struct vtap_lpm_key), g, lpm_key_gen);
	if (ret)
		goto fail;
	for (size_t i = 0; i < img->n_ports; i++) {
		struct vtap_port_key k = { .ifindex = img->ports[i].ifindex,
					   .dir = img->ports[i].dir,
					   .gen = (__u8)g };
		__u32 v = img->ports[i].idx + base;

		if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_PORTS), &k, &v, BPF_ANY))
			goto fail_errno;
	}
	for (int side = 0; side < 2; side++) {
		int fd = side ? map_fd(ld, VTAP_MAP_DST) : map_fd(ld, VTAP_MAP_SRC);

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
		ret = bpf_map_update_batch(map_fd(ld, VTAP_MAP_RULES), keys, img->rules, &count, NULL);
		free(keys);
		if (ret)
			goto fail;
	}
	for (int f = 0; f < VTAP_F_MAX; f++)
		gen.any_idx[f] += base;
	if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_GENS), &g, &gen, BPF_ANY))
		goto fail_errno;

	/* 2. the flip: one store of the next epoch, whose low bit is g */
	cfg.active_gen++;
	if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY))
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
	ret = bpf_map_update_elem(map_fd(ld, VTAP_MAP_STATS), &policy_id, v, BPF_ANY) ? -errno : 0;
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
	return read_percpu(map_fd(ld, VTAP_MAP_STATS), &policy_id, out, sizeof(*out));
}

int vtap_loader_read_global(struct vtap_loader *ld, struct vtap_global_counters *out)
{
	__u32 zero = 0;

	return read_percpu(map_fd(ld, VTAP_MAP_GSTATS), &zero, out, sizeof(*out));
}

int vtap_loader_read_sink(struct vtap_loader *ld, __u32 ifindex, struct vtap_sink_counters *out)
{
	return read_percpu(map_fd(ld, VTAP_MAP_SINKS), &ifindex, out, sizeof(*out));
}

int vtap_loader_add_sink(struct vtap_loader *ld, __u32 ifindex)
{
	int n = ncpus();
	struct vtap_sink_counters *v = calloc((size_t)n, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	ret = bpf_map_update_elem(map_fd(ld, VTAP_MAP_SINKS), &ifindex, v, BPF_NOEXIST);
	ret = ret && errno != EEXIST ? -errno : 0;
	free(v);
	return ret;
}

int vtap_loader_del_sink(struct vtap_loader *ld, __u32 ifindex)
{
	return bpf_map_delete_elem(map_fd(ld, VTAP_MAP_SINKS), &ifindex) && errno != ENOENT ? -errno : 0;
}

int vtap_loader_set_tunnel(struct vtap_loader *ld, __u32 policy_id, const struct vtap_tunnel *t)
{
	struct vtap_tunnel none = { 0 };

	return bpf_map_update_elem(map_fd(ld, VTAP_MAP_TUNNELS), &policy_id, t ? t : &none, BPF_ANY) ? -errno : 0;
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
	if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_RSTATS), &unknown, zero, BPF_NOEXIST) && errno != EEXIST)
		ret = -errno;
	if (ifindex) {
		if (bpf_map_update_elem(map_fd(ld, VTAP_MAP_RSTATS), &vni, zero, BPF_NOEXIST) && errno != EEXIST)
			ret = -errno;
		if (!ret && bpf_map_update_elem(map_fd(ld, VTAP_MAP_RECV), &vni, &p, BPF_ANY))
			ret = -errno;
	} else {
		if (bpf_map_delete_elem(map_fd(ld, VTAP_MAP_RECV), &vni) && errno != ENOENT)
			ret = -errno;
		bpf_map_delete_elem(map_fd(ld, VTAP_MAP_RSTATS), &vni);
	}
	free(zero);
	return ret;
}

int vtap_loader_prune_recv(struct vtap_loader *ld, const __u32 *keep, size_t n)
{
	__u32 key, next, *dead = calloc(VTAP_MAX_RECV + 2, sizeof(*dead));
	size_t n_dead = 0;
	int fds[2] = { map_fd(ld, VTAP_MAP_RECV), map_fd(ld, VTAP_MAP_RSTATS) };

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
	return read_percpu(map_fd(ld, VTAP_MAP_RSTATS), &vni, out, sizeof(*out));
}

int vtap_loader_prog_fd(struct vtap_loader *ld, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(ld->tc->obj, name);

	if (!p && ld->xdp)
		p = bpf_object__find_program_by_name(ld->xdp->obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

int vtap_loader_get_name(struct vtap_loader *ld, __u32 policy_id, char *name, size_t len)
{
	struct vtap_policy_name v;

	if (bpf_map_lookup_elem(map_fd(ld, VTAP_MAP_NAMES), &policy_id, &v))
		return -errno;
	v.name[sizeof(v.name) - 1] = 0;
	snprintf(name, len, "%s", v.name);
	return 0;
}

int vtap_loader_set_name(struct vtap_loader *ld, __u32 policy_id, const char *name)
{
	struct vtap_policy_name v = { 0 };

	snprintf(v.name, sizeof(v.name), "%s", name);
	return bpf_map_update_elem(map_fd(ld, VTAP_MAP_NAMES), &policy_id, &v, BPF_ANY) ? -errno : 0;
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

/* The ids of the maps pinned under a pin root (duplicates allowed). */
struct pinned_ids {
	__u32 id[64];
	__u32 n;
};

static int collect_pinned_id(const char *path, void *arg)
{
	struct pinned_ids *p = arg;
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0; /* not pinned (yet) */
	if (p->n < sizeof(p->id) / sizeof(p->id[0]) && !map_id_of(fd, &p->id[p->n]))
		p->n++;
	close(fd);
	return 0;
}

int vtap_prog_uses_pins(int prog_fd, const char *pin_root)
{
	struct pinned_ids pinned = { .n = 0 };
	__u32 ids[64], n_ids = 64;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int ret;

	ret = for_each_pin(pin_root, collect_pinned_id, &pinned);
	if (ret)
		return ret;
	if (!pinned.n)
		return 0;
	info.nr_map_ids = n_ids;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	n_ids = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
	for (__u32 i = 0; i < n_ids && !ret; i++)
		for (__u32 k = 0; k < pinned.n; k++)
			if (ids[i] == pinned.id[k])
				ret = 1;
	return ret;
}

static int remove_pin_root(const char *pin_root, int ret)
{
	if (rmdir(pin_root) && errno != ENOENT && errno != ENOTEMPTY)
		ret = ret ? ret : -errno;
	return ret;
}

int vtap_unpin_all(const char *pin_root)
{
	int ret = 0, err = for_each_pin(pin_root, unlink_pin, &ret);

	return remove_pin_root(pin_root, err ? err : ret);
}

int vtap_loader_ring_fd(struct vtap_loader *ld)
{
	return map_fd(ld, VTAP_MAP_RING);
}

void vtap_loader_close(struct vtap_loader *ld, int unpin)
{
	int ret = 0;

	if (ld->fd_sync_inner > 0)
		close(ld->fd_sync_inner);
	if (ld->tc) {
		map_munmap(ld->pool, ld->tc->maps.VTAP_MAP_POOL);
		map_munmap(ld->proto, ld->tc->maps.VTAP_MAP_PROTO);
		map_munmap(ld->sport, ld->tc->maps.VTAP_MAP_SPORT);
		map_munmap(ld->dport, ld->tc->maps.VTAP_MAP_DPORT);
		map_munmap(ld->vlan, ld->tc->maps.VTAP_MAP_VLAN);
		if (unpin)
			for_each_pin_of(ld->tc->obj, unlink_pin, &ret);
		vtap_tc__destroy(ld->tc);
	}
	if (ld->xdp) {
		if (unpin)
			for_each_pin_of(ld->xdp->obj, unlink_pin, &ret);
		vtap_xdp__destroy(ld->xdp);
	}
	if (unpin)
		remove_pin_root(ld->pin_root, ret);
	memset(ld, 0, sizeof(*ld));
}
