// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "sink_queue.h"
#include "kfile.h"
#include "link.h"
#include "tc.h"

#define QDISC_HANDLE ((__u32)VTAP_TC_HANDLE << 16)

/* /sys/class/net/DEV/ATTR, opened with flags: an fd or -errno */
static int net_attr(const char *dev, const char *attr, int flags)
{
	return vtap_kfile_open(flags, "/sys/class/net/%s/%s", dev, attr);
}

/* DEV's ATTR into val (newline cut); 0 or -errno */
static int sysfs_get(const char *dev, const char *attr, char *val, size_t len)
{
	return vtap_kfile_get(net_attr(dev, attr, O_RDONLY), val, len);
}

/* 0, or -errno of the open or of the store (sysfs refuses a value there) */
static int sysfs_set(const char *dev, const char *attr, const char *val)
{
	return vtap_kfile_put(net_attr(dev, attr, O_WRONLY), val);
}

/* RTM_NEWQDISC / RTM_DELQDISC of vtap's pfifo at the sink's root */
static int qdisc_request(const char *sink, int type)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;
	unsigned int ifindex = if_nametoindex(sink);

	if (!ifindex)
		return -ENODEV;
	nlh->nlmsg_type = (unsigned short)type;
	if (type == RTM_NEWQDISC)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = (int)ifindex;
	tcm->tcm_parent = TC_H_ROOT;
	/* a delete names the handle: the kernel refuses it for another qdisc */
	tcm->tcm_handle = QDISC_HANDLE;
	if (type == RTM_NEWQDISC) {
		struct tc_fifo_qopt opt = {.limit = SINK_QUEUE_LIMIT};

		mnl_attr_put_strz(nlh, TCA_KIND, "pfifo");
		mnl_attr_put(nlh, TCA_OPTIONS, sizeof(opt), &opt);
	}
	return vtap_link_nl_request(nlh);
}

struct qstat {
	__u32 ifindex;
	bool found; /* vtap's pfifo is there */
	uint64_t drops;
};

static int qdisc_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct qstat *d = arg;
	const struct nlattr *a;

	if ((__u32)tcm->tcm_ifindex != d->ifindex || tcm->tcm_handle != QDISC_HANDLE)
		return MNL_CB_OK;
	d->found = true;
	mnl_attr_for_each(a, nlh, sizeof(*tcm))
	{
		struct tc_stats st;

		if (mnl_attr_get_type(a) != TCA_STATS || mnl_attr_get_payload_len(a) < sizeof(st))
			continue;
		memcpy(&st, mnl_attr_get_payload(a), sizeof(st));
		d->drops += st.drops;
	}
	return MNL_CB_OK;
}

/* vtap's qdisc on the sink: there? its drops. 0 or -errno. */
static int qdisc_stat(const char *sink, struct qstat *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl;
	unsigned int seq = (unsigned int)time(NULL), portid;
	struct tcmsg *tcm;
	ssize_t n;
	int ret = -EIO;

	*d = (struct qstat){.ifindex = if_nametoindex(sink)};
	if (!d->ifindex)
		return -ENODEV;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_type = RTM_GETQDISC;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = (int)d->ifindex; /* the kernel dumps all devices' anyway */
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int r = mnl_cb_run(buf, (size_t)n, seq, portid, qdisc_cb, d);

		if (r <= MNL_CB_STOP) {
			ret = r < 0 ? -errno : 0;
			break;
		}
	}
out:
	mnl_socket_close(nl);
	return ret;
}

int vtap_sink_queue_setup(struct vtap_sink_queue *q, const char *sink, const char *peer)
{
	struct qstat st;
	int ret;

	*q = (struct vtap_sink_queue){0};
	snprintf(q->sink, sizeof(q->sink), "%s", sink);
	snprintf(q->peer, sizeof(q->peer), "%s", peer);
	/* first the queue: with it a slow thread delays copies, never drops them */
	ret = qdisc_request(sink, RTM_NEWQDISC);
	/* one there already: vtap's (an earlier vtapd's) is taken over,
	 * anybody else's is left alone */
	if (ret == -EEXIST && !qdisc_stat(sink, &st) && st.found)
		ret = 0;
	if (ret)
		return ret;
	q->qdisc = true;
	if ((ret = sysfs_get(peer, "threaded", q->old_threaded, sizeof(q->old_threaded))) ||
	    (ret = sysfs_get(peer, "napi_defer_hard_irqs", q->old_defer, sizeof(q->old_defer))) ||
	    (ret = sysfs_get(peer, "gro_flush_timeout", q->old_timer, sizeof(q->old_timer))))
		return ret;
	q->napi = true;
	{
		char defer[16];

		snprintf(defer, sizeof(defer), "%d", SINK_NAPI_DEFER);
		if ((ret = sysfs_set(peer, "threaded", "1")) ||
		    (ret = sysfs_set(peer, "napi_defer_hard_irqs", defer)))
			return ret;
	}
	return sysfs_set(peer, "gro_flush_timeout", SINK_NAPI_TIMER_NS);
}

uint64_t vtap_sink_queue_dropped(const struct vtap_sink_queue *q)
{
	struct qstat st;

	return q->qdisc && !qdisc_stat(q->sink, &st) ? st.drops : 0;
}

void vtap_sink_queue_undo(struct vtap_sink_queue *q)
{
	if (q->napi && if_nametoindex(q->peer)) {
		/* the timer first: a non-threaded poll must not be deferred */
		sysfs_set(q->peer, "gro_flush_timeout", q->old_timer);
		sysfs_set(q->peer, "napi_defer_hard_irqs", q->old_defer);
		sysfs_set(q->peer, "threaded", q->old_threaded);
	}
	if (q->qdisc)
		qdisc_request(q->sink, RTM_DELQDISC);
	q->napi = q->qdisc = false;
}
