// SPDX-License-Identifier: GPL-2.0
/* A capture monitor's pinned maps and kept program: xsk_pins.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp.h"
#include "xsk_pins.h"

#define DIR_PREFIX "capture-"
static const char *const map_files[] = {"vtap_xsks", "vtap_xsk_stats"};

static char pin_root[PATH_MAX - 64];

void vtap_xsk_pins_set_root(const char *root)
{
	snprintf(pin_root, sizeof(pin_root), "%s", root ? root : "");
}

static void pin_path(char *buf, size_t len, const char *root, const char *peer, const char *file)
{
	if (file)
		snprintf(buf, len, "%s/" DIR_PREFIX "%s/%s", root, peer, file);
	else
		snprintf(buf, len, "%s/" DIR_PREFIX "%s", root, peer);
}

int vtap_xsk_pin_maps(struct bpf_map *xsks, struct bpf_map *stats, const char *peer)
{
	struct bpf_map *maps[] = {xsks, stats};
	char path[PATH_MAX];
	int ret;

	if (!pin_root[0])
		return -ENOENT;
	for (size_t i = 0; i < 2; i++) {
		pin_path(path, sizeof(path), pin_root, peer, map_files[i]);
		/* libbpf reuses the pin when it is there, pins it otherwise */
		ret = bpf_map__set_pin_path(maps[i], path);
		if (ret)
			return ret;
	}
	return 0;
}

static void unpin(const char *root, const char *peer)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		pin_path(path, sizeof(path), root, peer, map_files[i]);
		unlink(path);
	}
	pin_path(path, sizeof(path), root, peer, NULL);
	rmdir(path);
}

void vtap_xsk_unpin(const char *peer)
{
	if (pin_root[0])
		unpin(pin_root, peer);
}

/* The id of the map pinned at path, 0 when none. */
static __u32 pinned_id(const char *path)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);
	__u32 id = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		id = info.id;
	close(fd);
	return id;
}

/* The XDP program on the peer, if it uses the map map_id: taken off. */
static bool detach_user(const char *peer, __u32 map_id)
{
	int ifindex = (int)if_nametoindex(peer), fd;
	struct bpf_prog_info info = {0};
	__u32 prog_id = 0, ids[8], len = sizeof(info);
	bool done = false;

	if (!ifindex || !map_id || vtap_xdp_query(ifindex, &prog_id) < 0 || !prog_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	info.nr_map_ids = 8;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (__u32 i = 0; i < info.nr_map_ids && i < 8 && !done; i++)
			done = ids[i] == map_id && !vtap_xdp_detach(ifindex, fd);
	close(fd);
	return done;
}

int vtap_xsk_remove_kept(const char *root, bool (*keep)(void *arg, const char *peer),
			 void (*said)(void *arg, const char *what), void *arg)
{
	DIR *dir;
	struct dirent *de;
	char path[PATH_MAX], line[128 + NAME_MAX];
	int n = 0;

	if (!root)
		root = pin_root;
	dir = root[0] ? opendir(root) : NULL;
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		const char *peer = de->d_name + strlen(DIR_PREFIX);

		if (strncmp(de->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) ||
		    (keep && keep(arg, peer)))
			continue;
		pin_path(path, sizeof(path), root, peer, map_files[0]);
		if (detach_user(peer, pinned_id(path)) && said) {
			snprintf(line, sizeof(line), "removed vtap's capture program from %s",
				 peer);
			said(arg, line);
		}
		unpin(root, peer);
		if (said) {
			snprintf(line, sizeof(line), "removed the pins of the capture on %s", peer);
			said(arg, line);
		}
		n++;
	}
	closedir(dir);
	return n;
}
