// SPDX-License-Identifier: GPL-2.0
/* rtnetlink's news that may change what a port carries (host_use.h): each
 * interface an event names is reported, so the caller checks again only
 * the ports it cares about. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "host_use.h"

struct vtap_host_watch {
	struct mnl_socket *sock;
	vtap_host_watch_cb cb;
	void *arg;
};

struct vtap_host_watch *vtap_host_watch_open(vtap_host_watch_cb cb, void *arg)
{
	static const unsigned int groups[] = {RTNLGRP_LINK,	   RTNLGRP_IPV4_IFADDR,
					      RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
					      RTNLGRP_IPV6_ROUTE,  RTNLGRP_NEXTHOP};
	struct vtap_host_watch *w = calloc(1, sizeof(*w));
	int one = 1, e;

	if (!w)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	w->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->sock || mnl_socket_bind(w->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		unsigned int g = groups[i];

		/* a kernel without nexthop objects has no such group */
		if (mnl_socket_setsockopt(w->sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0 &&
		    g != RTNLGRP_NEXTHOP)
			goto fail;
	}
	/* ENOBUFS says when events were lost: every port is then checked */
	mnl_socket_setsockopt(w->sock, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	return w;
fail:
	e = errno;
	vtap_host_watch_close(w);
	errno = e;
	return NULL;
}

int vtap_host_watch_fd(const struct vtap_host_watch *w)
{
	return mnl_socket_get_fd(w->sock);
}

static void report_u32(struct vtap_host_watch *w, const struct nlattr *a)
{
	if (a && mnl_attr_get_payload_len(a) >= sizeof(uint32_t) && mnl_attr_get_u32(a))
		w->cb(w->arg, (int)mnl_attr_get_u32(a));
}

/* A link: itself, its master, its lower device (or veth peer) here. */
static void on_link(struct vtap_host_watch *w, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *link = NULL;
	bool elsewhere = false;

	w->cb(w->arg, ifm->ifi_index);
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		if (mnl_attr_get_type(a) == IFLA_MASTER)
			report_u32(w, a);
		else if (mnl_attr_get_type(a) == IFLA_LINK)
			link = a;
		else if (mnl_attr_get_type(a) == IFLA_LINK_NETNSID)
			elsewhere = true;
	}
	if (!elsewhere)
		report_u32(w, link);
}

/* A route: each device it goes out of. */
static void on_route(struct vtap_host_watch *w, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg))
	{
		const struct rtnexthop *nh;
		int len;

		if (mnl_attr_get_type(a) == RTA_OIF) {
			report_u32(w, a);
			continue;
		}
		if (mnl_attr_get_type(a) != RTA_MULTIPATH)
			continue;
		nh = mnl_attr_get_payload(a);
		len = (int)mnl_attr_get_payload_len(a);
		for (; RTNH_OK(nh, len); len -= NLMSG_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh))
			w->cb(w->arg, nh->rtnh_ifindex);
	}
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vtap_host_watch *w = data;
	const struct nlattr *a;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(w, nlh);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		w->cb(w->arg,
		      (int)((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(w, nlh);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		mnl_attr_for_each(a, nlh, sizeof(struct nhmsg))
		{
			if (mnl_attr_get_type(a) == NHA_OIF)
				report_u32(w, a);
		}
		break;
	}
	return MNL_CB_OK;
}

int vtap_host_watch_read(struct vtap_host_watch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(w->sock, buf, sizeof(buf));

		if (n < 0 && errno == ENOBUFS) {
			w->cb(w->arg, 0);
			continue;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0
											 : -errno;
		if (mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, w) < 0 && errno != ESRCH)
			return -errno;
	}
}

void vtap_host_watch_close(struct vtap_host_watch *w)
{
	if (!w)
		return;
	if (w->sock)
		mnl_socket_close(w->sock);
	free(w);
}
