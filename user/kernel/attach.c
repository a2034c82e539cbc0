// SPDX-License-Identifier: GPL-2.0
/* vtap's programs on a port's hooks: see attach.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "loader.h"
#include "tcx.h"

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static bool same_tag(int a, int b)
{
	struct bpf_prog_info ia, ib;

	return !prog_info(a, &ia) && !prog_info(b, &ib) && !memcmp(ia.tag, ib.tag, sizeof(ia.tag));
}

/* The kernel keeps the first BPF_OBJ_NAME_LEN - 1 bytes of a name. */
static bool named(int fd, const char *name)
{
	struct bpf_prog_info info;

	return !prog_info(fd, &info) && !strncmp(info.name, name, sizeof(info.name) - 1);
}

/* The id of the program on the hook: vtap's filter for TC, any native
 * program for XDP; 0 when none. */
static __u32 hook_prog(int ifindex, enum vtap_hook hook)
{
	__u32 id = 0;

	if (hook == VTAP_HOOK_XDP ? vtap_xdp_query(ifindex, &id) < 0
				  : vtap_tc_query(ifindex, hook, &id) != 1)
		return 0;
	return id;
}

int vtap_hook_match(int ifindex, enum vtap_hook hook, const int *ours, size_t n,
		    const char *pin_root, int *keep_fd)
{
	__u32 id = hook_prog(ifindex, hook);
	int fd, ret = VTAP_HOOK_NONE;

	if (keep_fd)
		*keep_fd = -1;
	if (!id || (fd = bpf_prog_get_fd_by_id(id)) < 0)
		return VTAP_HOOK_NONE;
	/* at vtap's TC handle but on other pins: another vtapd's filter */
	if (pin_root && vtap_prog_uses_pins(fd, pin_root) != 1)
		ret = hook == VTAP_HOOK_XDP ? VTAP_HOOK_NONE : VTAP_HOOK_OTHER_PINS;
	else
		for (size_t i = 0; i < n && ret == VTAP_HOOK_NONE; i++)
			if (same_tag(fd, ours[i]))
				ret = (int)i;
	if (ret >= 0 && keep_fd)
		*keep_fd = fd;
	else
		close(fd);
	return ret;
}

int vtap_hook_attach_tc(int ifindex, enum vtap_hook hook, int prog_fd, bool *created)
{
	*created = false;
	return hook == VTAP_HOOK_XDP ? -EINVAL : vtap_tc_attach(ifindex, hook, prog_fd, created);
}

int vtap_hook_detach_tc(int ifindex, enum vtap_hook hook)
{
	return hook == VTAP_HOOK_XDP ? -EINVAL : vtap_tc_detach(ifindex, hook);
}

bool vtap_hook_tc_present(int ifindex, enum vtap_hook hook)
{
	/* a query that fails is no proof that it is gone */
	return vtap_tc_query(ifindex, hook, NULL) != 0;
}

int vtap_hook_release_clsact(int ifindex)
{
	int ret;

	if (vtap_tc_count_filters(ifindex, VTAP_HOOK_INGRESS) != 0 ||
	    vtap_tc_count_filters(ifindex, VTAP_HOOK_EGRESS) != 0)
		return 0; /* somebody's filter, or no clsact at all */
	ret = vtap_tc_destroy_qdisc(ifindex);
	return ret ? ret : 1;
}

static void held_none(struct vtap_prog_att *a, int ifindex)
{
	a->ifindex = ifindex;
	a->id = 0;
	a->fd = -1;
}

/* Hold prog_fd as the program now on a's port. */
static int hold(struct vtap_prog_att *a, int prog_fd)
{
	struct bpf_prog_info info;
	int ret = prog_info(prog_fd, &info);

	if (ret)
		return ret;
	if ((a->fd = dup(prog_fd)) < 0)
		return -errno;
	a->id = info.id;
	return 0;
}

/* Is prog_fd's program, this vtapd's own, among the n ids? Known by its
 * id: a running vtapd has no CAP_SYS_ADMIN left to open a program by id
 * (a port back from another network namespace with it). */
static bool own_prog_in(int prog_fd, const __u32 *ids, __u32 n)
{
	struct bpf_prog_info info;

	if (prog_info(prog_fd, &info) || !info.id)
		return false;
	for (__u32 i = 0; i < n; i++)
		if (ids[i] == info.id)
			return true;
	return false;
}

int vtap_hook_attach_xdp(struct vtap_prog_att *a, int ifindex, int prog_fd, unsigned int flags,
			 __u32 *other)
{
	struct bpf_prog_info info;
	__u32 there = hook_prog(ifindex, VTAP_HOOK_XDP);
	int ret, old_fd = -1;

	/* a program held before (taken off behind vtap's back) is let go */
	vtap_hook_forget(a);
	held_none(a, ifindex);
	*other = 0;
	if (there) {
		/* only an earlier run of the same program, when asked, and
		 * atomically: REPLACE names the program expected there */
		if ((flags & VTAP_XDP_REPLACE_SAME_NAME) &&
		    (old_fd = bpf_prog_get_fd_by_id(there)) >= 0 &&
		    prog_info(prog_fd, &info) == 0 && named(old_fd, info.name))
			ret = vtap_xdp_replace(ifindex, prog_fd, old_fd);
		else
			ret = -EBUSY;
		if (old_fd >= 0)
			close(old_fd);
		if (ret == -EBUSY || ret == -EEXIST) {
			*other = there;
			return -EBUSY;
		}
	} else {
		ret = vtap_xdp_attach(ifindex, prog_fd, other);
	}
	if (ret)
		return ret;
	if ((ret = hold(a, prog_fd))) {
		/* without its id and an fd it could not be taken off safely */
		vtap_xdp_detach(ifindex, prog_fd);
		held_none(a, ifindex);
	}
	return ret;
}

bool vtap_hook_adopt_xdp(struct vtap_prog_att *a, int ifindex, int prog_fd, const char *pin_root)
{
	struct bpf_prog_info info;
	__u32 id;
	int fd;

	held_none(a, ifindex);
	id = hook_prog(ifindex, VTAP_HOOK_XDP);
	if (own_prog_in(prog_fd, &id, 1))
		return !hold(a, prog_fd);
	if (vtap_hook_match(ifindex, VTAP_HOOK_XDP, &prog_fd, 1, pin_root, &fd) != 0)
		return false;
	if (prog_info(fd, &info)) {
		close(fd);
		return false;
	}
	a->fd = fd;
	a->id = info.id;
	return true;
}

bool vtap_hook_xdp_present(const struct vtap_prog_att *a)
{
	return a->id && hook_prog(a->ifindex, VTAP_HOOK_XDP) == a->id;
}

void vtap_hook_forget(struct vtap_prog_att *a)
{
	if (a->id && a->fd >= 0)
		close(a->fd);
	held_none(a, a->ifindex);
}

int vtap_hook_detach_xdp(struct vtap_prog_att *a)
{
	int ret = 0;

	if (vtap_hook_xdp_present(a))
		ret = vtap_xdp_detach(a->ifindex, a->fd);
	vtap_hook_forget(a);
	return ret;
}

/* The programs on the port's TCX egress: how many (at most max). */
static __u32 tcx_ids(int ifindex, __u32 *ids, __u32 max)
{
	__u32 n = max;

	if (vtap_tcx_query(ifindex, ids, &n))
		return 0;
	return n < max ? n : max;
}

/* The program named name on the port's TCX egress (others' may be there
 * too) on the maps pinned under pin_root (ours) or, !ours, on maps pinned
 * elsewhere: an fd of it, or -1. Turning ids into fds needs CAP_SYS_ADMIN. */
static int tcx_find(int ifindex, const char *name, const char *pin_root, bool ours)
{
	__u32 ids[64], n = tcx_ids(ifindex, ids, 64);

	for (__u32 i = 0; i < n; i++) {
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (named(fd, name) && vtap_prog_uses_pins(fd, pin_root) == (ours ? 1 : 0))
			return fd;
		close(fd);
	}
	return -1;
}

int vtap_hook_attach_tcx(struct vtap_prog_att *a, int ifindex, int prog_fd)
{
	int ret;

	/* a program held before (taken off behind vtap's back) is let go */
	vtap_hook_forget(a);
	held_none(a, ifindex);
	if ((ret = vtap_tcx_attach(ifindex, prog_fd, -1)))
		return ret;
	if ((ret = hold(a, prog_fd))) {
		/* without its fd it could not be taken off again */
		vtap_tcx_detach(ifindex, prog_fd);
		held_none(a, ifindex);
	}
	return ret;
}

bool vtap_hook_adopt_tcx(struct vtap_prog_att *a, int ifindex, int prog_fd, const char *pin_root,
			 bool *replaced)
{
	struct bpf_prog_info info;
	__u32 ids[64], n;
	int fd, ret;

	held_none(a, ifindex);
	*replaced = false;
	n = tcx_ids(ifindex, ids, 64);
	if (own_prog_in(prog_fd, ids, n))
		return !hold(a, prog_fd);
	if (prog_info(prog_fd, &info) || (fd = tcx_find(ifindex, info.name, pin_root, true)) < 0)
		return false;
	if (same_tag(fd, prog_fd)) {
		ret = hold(a, fd);
	} else {
		/* another build's: ours in its place, in one step */
		ret = vtap_tcx_attach(ifindex, prog_fd, fd);
		if (!ret && (ret = hold(a, prog_fd)))
			vtap_tcx_detach(ifindex, prog_fd);
		*replaced = !ret;
	}
	close(fd);
	if (ret)
		held_none(a, ifindex);
	return !ret;
}

bool vtap_hook_tcx_other_pins(int ifindex, const char *name, const char *pin_root)
{
	int fd = tcx_find(ifindex, name, pin_root, false);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool vtap_hook_tcx_present(const struct vtap_prog_att *a)
{
	__u32 ids[64], n;

	if (!a->id)
		return false;
	n = 64;
	/* a query that fails is no proof that it is gone */
	if (vtap_tcx_query(a->ifindex, ids, &n))
		return true;
	for (__u32 i = 0; i < n && i < 64; i++)
		if (ids[i] == a->id)
			return true;
	return false;
}

int vtap_hook_detach_tcx(struct vtap_prog_att *a)
{
	int ret = a->id ? vtap_tcx_detach(a->ifindex, a->fd) : 0;

	vtap_hook_forget(a);
	return ret;
}

/* The program on the hook, if it uses the maps pinned under pin_root (and,
 * with name, has that name): taken off. */
static bool remove_if_pinned(int ifindex, enum vtap_hook hook, const char *pin_root,
			     const char *name)
{
	__u32 id = hook_prog(ifindex, hook);
	bool done = false;
	int fd;

	if (!id || (fd = bpf_prog_get_fd_by_id(id)) < 0)
		return false;
	if ((!name || named(fd, name)) && vtap_prog_uses_pins(fd, pin_root) == 1)
		done = !(hook == VTAP_HOOK_XDP ? vtap_xdp_detach(ifindex, fd)
					       : vtap_tc_detach(ifindex, hook));
	close(fd);
	return done;
}

int vtap_hook_remove_pinned(int ifindex, const char *ifname, const char *pin_root,
			    const char *xdp_name, const char *tcx_name,
			    void (*said)(void *arg, const char *what), void *arg)
{
	static const char *const hook_names[] = {"ingress", "egress"};
	char line[128];
	int removed = 0, tc = 0;

	if (remove_if_pinned(ifindex, VTAP_HOOK_XDP, pin_root, xdp_name)) {
		snprintf(line, sizeof(line), "removed vtap's XDP program from %s", ifname);
		said(arg, line);
		removed++;
	}
	for (int fd; (fd = tcx_find(ifindex, tcx_name, pin_root, true)) >= 0; close(fd)) {
		if (vtap_tcx_detach(ifindex, fd)) {
			close(fd);
			break;
		}
		snprintf(line, sizeof(line), "removed vtap's %s from %s TCX egress", tcx_name,
			 ifname);
		said(arg, line);
		removed++;
	}
	/* no clsact here: nothing of vtap's either (and no query noise) */
	if (vtap_tc_count_filters(ifindex, VTAP_HOOK_INGRESS) < 0)
		return removed;
	for (int h = VTAP_HOOK_INGRESS; h <= VTAP_HOOK_EGRESS; h++) {
		if (!remove_if_pinned(ifindex, (enum vtap_hook)h, pin_root, NULL))
			continue;
		snprintf(line, sizeof(line), "removed vtap's filter from %s %s", ifname,
			 hook_names[h]);
		said(arg, line);
		removed++;
		tc++;
	}
	/* a clsact that held vtap's filter and now holds nothing was vtap's;
	 * one that still holds another filter is left alone */
	if (tc && vtap_hook_release_clsact(ifindex) == 1) {
		snprintf(line, sizeof(line), "removed the clsact qdisc of %s", ifname);
		said(arg, line);
	}
	return removed;
}
