// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "tc.h"

static enum bpf_tc_attach_point point(enum vtap_hook hook)
{
	return hook == VTAP_HOOK_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

int vtap_tc_attach(int ifindex, enum vtap_hook hook, int prog_fd, bool *created)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = point(hook));
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VTAP_TC_HANDLE, .priority = VTAP_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int ret;

	*created = false;
	ret = bpf_tc_hook_create(&h);
	if (!ret)
		*created = true;
	else if (ret != -EEXIST)
		return ret;
	ret = bpf_tc_attach(&h, &o);
	if (ret && *created) {
		h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&h);
		*created = false;
	}
	return ret;
}

int vtap_tc_detach(int ifindex, enum vtap_hook hook)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = point(hook));
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VTAP_TC_HANDLE, .priority = VTAP_TC_PRIO);
	int ret = bpf_tc_detach(&h, &o);

	/* gone already: the filter, the qdisc, or the whole device */
	if (ret == -ENOENT || ret == -EINVAL || ret == -ENODEV)
		return 0;
	return ret;
}

int vtap_tc_destroy_qdisc(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int ret = bpf_tc_hook_destroy(&h);

	return ret == -ENOENT || ret == -EINVAL || ret == -ENODEV ? 0 : ret;
}

int vtap_tc_query(int ifindex, enum vtap_hook hook, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = point(hook));
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = VTAP_TC_HANDLE, .priority = VTAP_TC_PRIO);
	int ret = bpf_tc_query(&h, &o);

	if (ret == -ENOENT || ret == -EINVAL)
		return 0;
	if (ret)
		return ret;
	if (prog_id)
		*prog_id = o.prog_id;
	return 1;
}
