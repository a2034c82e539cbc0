/* SPDX-License-Identifier: GPL-2.0 */
/* A program on a port's TCX egress (kernel 6.6): the kernel's own list of
 * programs per hook, run before clsact's filters and without them. vtap puts
 * its sink program there: a copy to a local monitor costs ~10 % less than
 * through clsact (docs/benchmarks.md). Attached with BPF_PROG_ATTACH, not a
 * link, so that it stays when vtapd exits with --keep, as a filter does. */
#ifndef VTAP_USER_TCX_H
#define VTAP_USER_TCX_H

#include <linux/types.h>

/* BPF_TCX_EGRESS of enum bpf_attach_type: Debian 12's headers are 6.1's */
#define VTAP_TCX_EGRESS 47

/* Attach prog_fd at the end of the port's TCX egress list or, with
 * replace_fd >= 0, atomically in that program's place. -EINVAL or
 * -EOPNOTSUPP: a kernel without TCX. */
int vtap_tcx_attach(int ifindex, int prog_fd, int replace_fd);
/* Take prog_fd off the port's TCX egress (absent is fine). */
int vtap_tcx_detach(int ifindex, int prog_fd);
/* The ids of the programs on the port's TCX egress, first to run first:
 * up to *n, *n set to how many there are. 0 or a negative errno. */
int vtap_tcx_query(int ifindex, __u32 *ids, __u32 *n);

#endif
