// SPDX-License-Identifier: GPL-2.0
/* See pins.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <vtap/map_types.h>
#include "pins.h"
#include "core/log.h"
#include "vtap_tc.skel.h"
#include "vtap_xdp.skel.h"

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

/* The process holding the flock on the directory open at fd, from
 * /proc/locks (whose lines name the holder's pid and the inode); 0 when
 * none is listed. */
static pid_t lock_holder(int fd)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256];
	struct stat st;
	pid_t pid = 0;
	int holder;
	FILE *f;

	if (fstat(fd, &st))
		return 0;
	f = fopen("/proc/locks", "re");
	if (!f)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 00:28:245789 0 EOF"; a waiter's
	 * line has "->" before FLOCK and does not match */
	while (!pid && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: FLOCK %*s WRITE %d %x:%x:%lu", &holder, &maj, &min, &ino) ==
			    4 &&
		    maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino)
			pid = holder;
	fclose(f);
	return pid;
}

/* Say who holds pin_root (its directory open at fd): the pid from the
 * kernel, the socket from the owner's record when the record is that pid's
 * (a holder that has just taken the lock may not have written it yet). */
static void log_owner(const char *pin_root, int fd, const char *owner_pin)
{
	struct vtap_owner rec = { .pid = 0 };
	pid_t pid = lock_holder(fd);
	__u32 zero = 0;
	int map = owner_pin ? bpf_obj_get(owner_pin) : -1;

	if (map >= 0) {
		if (bpf_map_lookup_elem(map, &zero, &rec))
			rec.pid = 0;
		close(map);
	}
	rec.socket[sizeof(rec.socket) - 1] = 0;
	if (pid > 0 && (pid_t)rec.pid == pid && rec.socket[0])
		log_err("pin root %s is in use by vtapd pid %d (control socket %s): not "
			"starting; stop that vtapd, or give this one another --pin-root",
			pin_root, (int)pid, rec.socket);
	else if (pid > 0)
		log_err("pin root %s is in use by pid %d: not starting; stop it, or give this "
			"vtapd another --pin-root",
			pin_root, (int)pid);
	else
		log_err("pin root %s is in use by another process: not starting", pin_root);
}

int vtap_pin_root_lock(const char *pin_root, const char *owner_pin)
{
	struct stat held, now;
	int fd, ret;

	/* a teardown may remove the directory between the open and the flock:
	 * then the lock guards nothing, and the one at the path is taken */
	for (int tries = 0; tries < 3; tries++) {
		ret = mkdir_p(pin_root);
		if (ret) {
			log_err("cannot create pin root %s: %s", pin_root, strerror(-ret));
			return ret;
		}
		fd = open(pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			log_err("cannot open pin root %s: %s", pin_root, strerror(errno));
			return ret;
		}
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			ret = -errno;
			if (errno == EWOULDBLOCK) {
				log_owner(pin_root, fd, owner_pin);
				ret = -EBUSY;
			} else {
				log_err("cannot lock pin root %s: %s", pin_root, strerror(errno));
			}
			close(fd);
			return ret;
		}
		if (!fstat(fd, &held) && !stat(pin_root, &now) && held.st_dev == now.st_dev &&
		    held.st_ino == now.st_ino)
			return fd;
		close(fd);
	}
	log_err("pin root %s keeps being replaced: not starting", pin_root);
	return -EAGAIN;
}

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

int vtap_unpin_object(struct bpf_object *obj)
{
	int ret = 0;

	for_each_pin_of(obj, unlink_pin, &ret);
	return ret;
}

int vtap_remove_pin_root(const char *pin_root, int ret)
{
	if (rmdir(pin_root) && errno != ENOENT && errno != ENOTEMPTY)
		ret = ret ? ret : -errno;
	return ret;
}

int vtap_unpin_all(const char *pin_root)
{
	int ret = 0, err = for_each_pin(pin_root, unlink_pin, &ret);

	return vtap_remove_pin_root(pin_root, err ? err : ret);
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
	/* zeroed: the kernel fills it through a pointer in info, which
	 * valgrind does not follow (it reported every compare below) */
	__u32 ids[64] = { 0 }, n_ids = 64;
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
