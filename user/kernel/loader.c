// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "pins.h"
#include "core/log.h"
#include "vtap_tc.skel.h"
#include "vtap_xdp.skel.h"
#include <vtap/limits.h>
#include <vtap/map_names.h>

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

/* The classifier arrays are mapped only while an apply writes them: a
 * mapping's pages count in vtapd's resident memory once touched (about
 * 11 MiB, the same kernel memory the maps already hold), and nothing reads
 * them between applies. */
static void unmap_arrays(struct vtap_loader *ld)
{
	map_munmap(ld->pool, ld->tc->maps.VTAP_MAP_POOL);
	map_munmap(ld->proto, ld->tc->maps.VTAP_MAP_PROTO);
	map_munmap(ld->sport, ld->tc->maps.VTAP_MAP_SPORT);
	map_munmap(ld->dport, ld->tc->maps.VTAP_MAP_DPORT);
	map_munmap(ld->vlan, ld->tc->maps.VTAP_MAP_VLAN);
	map_munmap(ld->pfx, ld->tc->maps.VTAP_MAP_PFX);
	ld->pool = NULL;
	ld->proto = ld->sport = ld->dport = ld->vlan = NULL;
	ld->pfx = NULL;
}

static int map_arrays(struct vtap_loader *ld)
{
	ld->pool = map_mmap(ld->tc->maps.VTAP_MAP_POOL);
	ld->proto = map_mmap(ld->tc->maps.VTAP_MAP_PROTO);
	ld->sport = map_mmap(ld->tc->maps.VTAP_MAP_SPORT);
	ld->dport = map_mmap(ld->tc->maps.VTAP_MAP_DPORT);
	ld->vlan = map_mmap(ld->tc->maps.VTAP_MAP_VLAN);
	ld->pfx = map_mmap(ld->tc->maps.VTAP_MAP_PFX);
	int err = errno;

	if (ld->pool && ld->proto && ld->sport && ld->dport && ld->vlan && ld->pfx)
		return 0;
	unmap_arrays(ld);
	return -err;
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
	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY) ? -errno : 0;
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
	/* before anything under the pin root is used: it has one owner */
	ret = vtap_pin_root_lock(pin_root, bpf_map__pin_path(tc->maps.VTAP_MAP_OWNER));
	if (ret < 0)
		goto err;
	ld->lock_fd = ret;
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
	vtap_loader_set_owner(ld, "");
	/* mapped here once to fail early; then only while an apply writes */
	ret = map_arrays(ld);
	if (ret) {
		log_err("cannot map the classifier arrays: %s", strerror(-ret));
		vtap_loader_close(ld, 0);
		return ret;
	}
	unmap_arrays(ld);
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
	if (ld->lock_fd > 0)
		close(ld->lock_fd);
	ld->lock_fd = 0;
	return ret;
}

static int read_cfg(struct vtap_loader *ld, struct vtap_cfg *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(vtap_loader_map_fd(ld, VTAP_MAP_CFG), &zero, cfg) ? -errno : 0;
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
	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* Delete every entry of generation gen from a hash map. gen_of()
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

static void fill_index(__u16 *dst, const __u16 *src, size_t n, __u32 base)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (__u16)(src[i] + base);
}

/* An address table, its pool indices made absolute (empty slots stay 0;
 * an image without one has no prefixes). */
static void fill_pfx(struct vtap_pfx_slot *dst, const struct vtap_pfx_slot *src, __u32 base)
{
	if (!src) {
		memset(dst, 0, VTAP_PFX_SLOTS * sizeof(*dst));
		return;
	}
	for (size_t i = 0; i < VTAP_PFX_SLOTS; i++) {
		dst[i] = src[i];
		if (src[i].len_fam)
			dst[i].idx += base;
	}
}

int vtap_loader_wait_readers(struct vtap_loader *ld)
{
	__u32 zero = 0;

	/* an RCU grace period, which the kernel waits for on a map-in-map
	 * update: every program run that began before it has ended */
	return bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_SYNC), &zero, &ld->fd_sync_inner,
				   BPF_ANY)
		       ? -errno
		       : 0;
}

/* The monitor groups of generation g, all of its slots (a group that left
 * leaves no members behind). */
static int write_groups(struct vtap_loader *ld, const struct vtap_image *img, __u32 g)
{
	__u32 keys[VTAP_MAX_GROUPS], count = VTAP_MAX_GROUPS;

	for (__u32 i = 0; i < VTAP_MAX_GROUPS; i++)
		keys[i] = g * VTAP_MAX_GROUPS + i;
	return bpf_map_update_batch(vtap_loader_map_fd(ld, VTAP_MAP_GROUPS), keys, img->groups, &count,
				    NULL)
		       ? -errno
		       : 0;
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
	if ((ret = map_arrays(ld)))
		goto fail;
	memcpy(&ld->pool[base], img->pool, img->n_pool * sizeof(*img->pool));
	fill_index(&ld->proto[g * VTAP_PROTO_SPACE], img->proto, VTAP_PROTO_SPACE, base);
	fill_index(&ld->sport[g * VTAP_PORT_SPACE], img->sport, VTAP_PORT_SPACE, base);
	fill_index(&ld->dport[g * VTAP_PORT_SPACE], img->dport, VTAP_PORT_SPACE, base);
	fill_index(&ld->vlan[g * VTAP_VLAN_SPACE], img->vlan, VTAP_VLAN_SPACE, base);
	for (int side = 0; side < 2; side++)
		fill_pfx(&ld->pfx[(g * 2 + (__u32)side) * VTAP_PFX_SLOTS], img->pfx[side], base);
	unmap_arrays(ld);

	ret = purge_gen(vtap_loader_map_fd(ld, VTAP_MAP_PORTS), sizeof(struct vtap_port_key), g, port_key_gen);
	if (ret)
		goto fail;
	for (size_t i = 0; i < img->n_ports; i++) {
		struct vtap_port_key k = { .ifindex = img->ports[i].ifindex,
					   .dir = img->ports[i].dir,
					   .gen = (__u8)g };
		__u32 v = img->ports[i].idx + base;

		if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_PORTS), &k, &v, BPF_ANY))
			goto fail_errno;
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
		ret = bpf_map_update_batch(vtap_loader_map_fd(ld, VTAP_MAP_RULES), keys, img->rules, &count, NULL);
		free(keys);
		if (ret)
			goto fail;
	}
	if ((ret = write_groups(ld, img, g)))
		goto fail;
	for (int f = 0; f < VTAP_F_MAX; f++)
		gen.any_idx[f] += base;
	for (int side = 0; side < 2; side++)
		for (int fi = 0; fi < 2; fi++)
			gen.pfx_root[side][fi] += base;
	if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_GENS), &g, &gen, BPF_ANY))
		goto fail_errno;

	/* 2. the flip: one store of the next epoch, whose low bit is g */
	cfg.active_gen++;
	if (bpf_map_update_elem(vtap_loader_map_fd(ld, VTAP_MAP_CFG), &zero, &cfg, BPF_ANY))
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

void vtap_loader_close(struct vtap_loader *ld, int unpin)
{
	int ret = 0;

	if (ld->fd_sync_inner > 0)
		close(ld->fd_sync_inner);
	if (ld->tc) {
		unmap_arrays(ld);
		if (unpin)
			ret = vtap_unpin_object(ld->tc->obj);
		vtap_tc__destroy(ld->tc);
	}
	if (ld->xdp) {
		if (unpin && !ret)
			ret = vtap_unpin_object(ld->xdp->obj);
		vtap_xdp__destroy(ld->xdp);
	}
	if (unpin)
		vtap_remove_pin_root(ld->pin_root, ret);
	/* last: the pin root is given up with nothing of ours left in it */
	if (ld->lock_fd > 0)
		close(ld->lock_fd);
	memset(ld, 0, sizeof(*ld));
}
