/* SPDX-License-Identifier: GPL-2.0 */
/* vtap's programs on a port's hooks: clsact ingress and egress (vtap's
 * filter handle, kernel/tc.c) and native XDP (kernel/xdp.c). The one place
 * that attaches, detaches and adopts them, for vtapd (taps, sinks, the
 * receiving side), the capture sink's XDP program and `vtapctl teardown`:
 *  - what is on a hook is found by its program id and compared by tag, and
 *    for programs on pinned maps by the pins they use (another vtapd's
 *    filter, with another pin root, is not ours);
 *  - TC: clsact is created when absent, vtap's filter is replaced in place;
 *    clsact goes only when whoever asks made it (or it held vtap's filter)
 *    and no filter of anybody's is left on it;
 *  - TCX egress (kernel/tcx.c; the sink program): vtap's is the one of its
 *    name on vtap's pins, among whatever else is there; another build's
 *    is replaced in place when adopted;
 *  - XDP: never over another program (an earlier run of the same program
 *    is replaced in place only when the caller asks), and taken off only
 *    while it is still the program attached. */
#ifndef VTAP_USER_ATTACH_H
#define VTAP_USER_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "tc.h"
#include "xdp.h"

/* vtap_hook_match's answers besides an index */
#define VTAP_HOOK_NONE	     (-1) /* nothing there, or not one of ours */
#define VTAP_HOOK_OTHER_PINS (-2) /* vtap's program on maps pinned elsewhere */

/* Which of ours[] (fds of loaded programs) is the program on the hook —
 * same tag and, with pin_root, the maps pinned there. Returns its index or
 * VTAP_HOOK_*. keep_fd (optional): an fd of it, the caller's to close (an
 * adoption holds it). Turning an id into an fd needs CAP_SYS_ADMIN: call
 * before vtapd drops it. */
int vtap_hook_match(int ifindex, enum vtap_hook hook, const int *ours, size_t n,
		    const char *pin_root, int *keep_fd);

/* TC: attach prog_fd as vtap's filter (replacing vtap's filter in place);
 * *created when this call made the clsact qdisc. */
int vtap_hook_attach_tc(int ifindex, enum vtap_hook hook, int prog_fd, bool *created);
/* Take vtap's filter off the hook (absent is fine). */
int vtap_hook_detach_tc(int ifindex, enum vtap_hook hook);
/* Is vtap's filter on the hook? */
bool vtap_hook_tc_present(int ifindex, enum vtap_hook hook);
/* The clsact qdisc goes when it holds no filter of anybody's; call only for
 * a clsact vtap made or held its filter on. 1 removed, 0 kept, <0 error. */
int vtap_hook_release_clsact(int ifindex);

/* vtap's program on a port's XDP or TCX hook, held: the detach names it as
 * the program to take off, and once vtapd has dropped CAP_SYS_ADMIN it
 * cannot get an fd from an id again. */
struct vtap_prog_att {
	int ifindex;
	__u32 id; /* 0: none */
	int fd;
};
#define VTAP_XDP_REPLACE_SAME_NAME 0x1 /* an earlier run's program of that name goes */
/* Attach prog_fd. -EBUSY with *other = the id of the program already there
 * (anybody's); another negative errno when the driver refuses. */
int vtap_hook_attach_xdp(struct vtap_prog_att *a, int ifindex, int prog_fd, unsigned int flags,
			 __u32 *other);
/* A program on the port with prog_fd's tag, using the maps pinned under
 * pin_root (a kept run's): held as ours. */
bool vtap_hook_adopt_xdp(struct vtap_prog_att *a, int ifindex, int prog_fd, const char *pin_root);
bool vtap_hook_xdp_present(const struct vtap_prog_att *a);
/* Off the port if it is still ours; forgotten either way. */
int vtap_hook_detach_xdp(struct vtap_prog_att *a);
/* The port is gone, and the program with it (XDP or TCX): forget it. */
void vtap_hook_forget(struct vtap_prog_att *a);

/* TCX egress: attach prog_fd after whatever is there, held in a. -EINVAL
 * or -EOPNOTSUPP: the kernel has no TCX. */
int vtap_hook_attach_tcx(struct vtap_prog_att *a, int ifindex, int prog_fd);
/* The program named as prog_fd on the port's TCX egress, on the maps
 * pinned under pin_root (a kept run's): held as ours; another build's is
 * first replaced by prog_fd in place (*replaced). Needs CAP_SYS_ADMIN. */
bool vtap_hook_adopt_tcx(struct vtap_prog_att *a, int ifindex, int prog_fd, const char *pin_root,
			 bool *replaced);
/* A program named name on the port's TCX egress that uses maps pinned
 * elsewhere than pin_root: another vtapd's. Needs CAP_SYS_ADMIN. */
bool vtap_hook_tcx_other_pins(int ifindex, const char *name, const char *pin_root);
bool vtap_hook_tcx_present(const struct vtap_prog_att *a);
/* Off the port's TCX egress (absent is fine); forgotten either way. */
int vtap_hook_detach_tcx(struct vtap_prog_att *a);

/* `vtapctl teardown` without a daemon: off the port, every vtap program
 * using the maps pinned under pin_root — TC filters at vtap's handle, the
 * XDP program named xdp_name, the TCX egress programs named tcx_name —
 * then clsact, when it held one of them
 * and holds nothing now. said(arg, what) for each removal. Returns how
 * many filters and programs came off. */
int vtap_hook_remove_pinned(int ifindex, const char *ifname, const char *pin_root,
			    const char *xdp_name, const char *tcx_name,
			    void (*said)(void *arg, const char *what), void *arg);

#endif
