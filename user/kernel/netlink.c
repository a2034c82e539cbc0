// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "netlink.h"

struct vtap_nl {
	struct mnl_socket *sock;
	vtap_link_cb cb;
	void *arg;
	unsigned int seq;
	bool dump_done; /* an NLMSG_DONE was read: the last dump is complete */
	bool dump_intr; /* links changed while the current dump was listing them */
	int redumps;	/* dumps made again in a row for that */
};

/* Links that keep changing (another tool making and removing veths) make
 * dump after dump inconsistent: after this many in a row the last one is
 * taken as it is (the link events that follow correct it). */
#define REDUMPS_MAX 16

struct vtap_nl *vtap_nl_open(vtap_link_cb cb, void *arg)
{
	struct vtap_nl *nl = calloc(1, sizeof(*nl));
	int one = 1;

	if (!nl)
		return NULL;
	nl->cb = cb;
	nl->arg = arg;
	nl->seq = (unsigned int)time(NULL);
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		vtap_nl_close(nl);
		errno = e;
		return NULL;
	}
	/* ENOBUFS tells us when events were dropped, so we can dump again */
	mnl_socket_setsockopt(nl->sock, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	return nl;
}

int vtap_nl_fd(struct vtap_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int vtap_nl_dump(struct vtap_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *rt;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_PACKET;
	return mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vtap_nl *nl = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const char *name;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	/* the device's own news only: a bridge says of a port that leaves
	 * it RTM_DELLINK too (AF_BRIDGE), for its bridge port, not the
	 * device, which stays (taken for gone, its hooks were forgotten while
	 * still on it) */
	if (ifm->ifi_family != AF_UNSPEC)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifm), attr_cb, tb);
	if (!tb[IFLA_IFNAME])
		return MNL_CB_OK;
	name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	nl->cb(nl->arg, &(struct vtap_link_news){.ifindex = ifm->ifi_index,
						 .name = name,
						 .up = !!(ifm->ifi_flags & IFF_UP),
						 .deleted = nlh->nlmsg_type == RTM_DELLINK,
						 .dumped = !!(nlh->nlmsg_flags & NLM_F_MULTI),
						 .moved = nlh->nlmsg_type == RTM_DELLINK &&
							  tb[IFLA_NEW_NETNSID]});
	return MNL_CB_OK;
}

/* A dump that links changed under has NLM_F_DUMP_INTR on every message
 * after the change, NLMSG_DONE included, and libmnl stops at the first of
 * them (EINTR). What those messages say is still true, so the flag is taken
 * off and they are read; true when one had it. */
bool vtap_nl_take_dump_intr(void *buf, ssize_t n)
{
	int len = (int)n;
	bool intr = false;

	for (struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
		intr |= !!(h->nlmsg_flags & NLM_F_DUMP_INTR);
		h->nlmsg_flags &= (__u16)~NLM_F_DUMP_INTR;
	}
	return intr;
}

int vtap_nl_read(struct vtap_nl *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		int ret;

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		nl->dump_intr |= vtap_nl_take_dump_intr(buf, n);
		/* seq/portid 0: accept both the dump's answers and events */
		ret = mnl_cb_run(buf, (size_t)n, 0, 0, link_cb, nl);
		if (ret == MNL_CB_STOP && nl->dump_intr && nl->redumps < REDUMPS_MAX) {
			/* it may have missed a link: list them again */
			nl->dump_intr = false;
			nl->redumps++;
			if ((ret = vtap_nl_dump(nl)))
				return ret;
			continue;
		}
		if (ret == MNL_CB_STOP) {
			nl->dump_done = true;
			nl->dump_intr = false;
			nl->redumps = 0;
		}
		if (ret < 0 && errno != ESRCH)
			return -errno;
	}
}

bool vtap_nl_dump_done(struct vtap_nl *nl)
{
	bool done = nl->dump_done;

	nl->dump_done = false;
	return done;
}

void vtap_nl_close(struct vtap_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}
