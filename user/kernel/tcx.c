// SPDX-License-Identifier: GPL-2.0
/* Programs on a port's TCX egress: tcx.h. */
#include <errno.h>
#include <bpf/bpf.h>
#include "tcx.h"

int vtap_tcx_attach(int ifindex, int prog_fd, int replace_fd)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts);

	if (replace_fd >= 0) {
		opts.flags = BPF_F_REPLACE;
		opts.replace_prog_fd = replace_fd;
	}
	/* the target is an ifindex for TCX (the same field as target_fd) */
	return bpf_prog_attach_opts(prog_fd, ifindex, (enum bpf_attach_type)VTAP_TCX_EGRESS, &opts)
		   ? -errno
		   : 0;
}

int vtap_tcx_detach(int ifindex, int prog_fd)
{
	int ret =
	    bpf_prog_detach2(prog_fd, ifindex, (enum bpf_attach_type)VTAP_TCX_EGRESS) ? -errno : 0;

	/* not there any more (or the port is gone): nothing to take off */
	return ret == -ENOENT || ret == -ENODEV ? 0 : ret;
}

int vtap_tcx_query(int ifindex, __u32 *ids, __u32 *n)
{
	__u32 cnt = *n;
	int ret = bpf_prog_query(ifindex, (enum bpf_attach_type)VTAP_TCX_EGRESS, 0, NULL, ids, &cnt)
		      ? -errno
		      : 0;

	/* ENOSPC: more than *n are there; cnt says how many */
	*n = cnt;
	return ret == -ENOSPC ? 0 : ret;
}
