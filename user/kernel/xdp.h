/* SPDX-License-Identifier: GPL-2.0 */
/* The XDP tap on a port: native (driver) mode only, never over somebody
 * else's program, and taken off only while it is still vtap's. */
#ifndef VTAP_USER_XDP_H
#define VTAP_USER_XDP_H

#include <linux/types.h>
#include <stddef.h>

/* Attach prog_fd unless the port already has an XDP program. -EBUSY and
 * *other = that program's id when it has one (anybody's, ours included);
 * another negative errno when the driver refuses (no native XDP, MTU). */
int vtap_xdp_attach(int ifindex, int prog_fd, __u32 *other);
/* Put prog_fd in place of old_fd, atomically, only while old_fd is there. */
int vtap_xdp_replace(int ifindex, int prog_fd, int old_fd);
/* Take prog_fd off the port if it is still the one attached. */
int vtap_xdp_detach(int ifindex, int prog_fd);
/* The id of the native XDP program on the port (0: none), or <0. */
int vtap_xdp_query(int ifindex, __u32 *prog_id);
/* A line saying what program id is: its name and type, for logs. */
void vtap_xdp_describe(__u32 id, char *buf, size_t len);

#endif
