// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
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

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		(*(int *)data)++;
	return MNL_CB_OK;
}

/* Count the filters on a clsact hook with an RTM_GETTFILTER dump: libbpf
 * can only query one (handle, priority). Zero means none; the count itself
 * is the number of filter messages. Returns a negative errno when the
 * device has no clsact qdisc. */
int vtap_tc_count_filters(int ifindex, enum vtap_hook hook)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct tcmsg *tcm;
	unsigned int seq = 1, portid;
	int count = 0, ret;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETTFILTER;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = TC_H_MAKE(TC_H_CLSACT, hook == VTAP_HOOK_INGRESS ? TC_H_MIN_INGRESS
									 : TC_H_MIN_EGRESS);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, count_cb, &count);
	} while (ret > 0);
	ret = ret < 0 ? -errno : count;
out:
	mnl_socket_close(nl);
	return ret;
}
