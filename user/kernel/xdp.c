// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdp.h"

int vtap_xdp_query(int ifindex, __u32 *prog_id)
{
	*prog_id = 0;
	return bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, prog_id);
}

int vtap_xdp_attach(int ifindex, int prog_fd, __u32 *other)
{
	int ret;

	*other = 0;
	if (!vtap_xdp_query(ifindex, other) && *other)
		return -EBUSY;
	/* UPDATE_IF_NOEXIST: a program attached between the query and now
	 * makes this fail instead of being replaced */
	ret = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (ret == -EBUSY || ret == -EEXIST) {
		vtap_xdp_query(ifindex, other);
		return -EBUSY;
	}
	return ret;
}

int vtap_xdp_replace(int ifindex, int prog_fd, int old_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);

	return bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
}

int vtap_xdp_detach(int ifindex, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	int ret;

	/* REPLACE with the expected old program: the kernel refuses (EEXIST)
	 * when another program has taken the port meanwhile */
	ret = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	if (ret == -ENODEV || ret == -ENOENT)
		return 0;
	return ret;
}

void vtap_xdp_describe(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {0};
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "XDP program id %u (%s)", id,
			 info.name[0] ? info.name : "unnamed");
	else
		snprintf(buf, len, "XDP program id %u", id);
	if (fd >= 0)
		close(fd);
}
