// SPDX-License-Identifier: GPL-2.0
/* Does a port carry the host's own traffic: see host_use.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host_use.h"
#include "netlink.h"

/* Kinds whose devices carry their members' traffic, and the pairs whose
 * IFLA_LINK is the other end, not a lower device. */
static const char *const master_kinds[] = {"bridge", "bond", "team", "vrf", "openvswitch"};
static const char *const pair_kinds[] = {"veth", "vxcan", "netkit"};

static bool kind_in(const char *kind, const char *const *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- one dump: its own socket, strict checking so the kernel filters ---- */

/* A dump the links changed under (NLM_F_DUMP_INTR) is made again, this many
 * times at most; the last one is then taken as it is, as kernel/netlink.c
 * takes its link dumps: the events of the changes that interrupted it name
 * the ports they concern, which are then asked again. */
#define DUMP_TRIES 5

static int dump_once(struct nlmsghdr *req, mnl_cb_t cb, void *data, bool *intr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned int portid;
	int one = 1, ret;

	*intr = false;
	if (!nl)
		return -errno;
	/* the kernel then filters by the request's interface (since 4.20);
	 * the callbacks check it again either way */
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			ret = -errno;
			break;
		}
		*intr |= vtap_nl_take_dump_intr(buf, n);
		ret = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
		if (ret < 0)
			ret = -errno;
	} while (ret > 0);
out:
	mnl_socket_close(nl);
	return ret;
}

static int dump(struct nlmsghdr *req, mnl_cb_t cb, void *data, void (*reset)(void *data))
{
	bool intr = true;
	int ret = 0;

	for (int i = 0; i < DUMP_TRIES && intr; i++) {
		if (reset)
			reset(data);
		req->nlmsg_seq = (unsigned int)time(NULL) + (unsigned int)i;
		ret = dump_once(req, cb, data, &intr);
		if (ret < 0)
			break;
	}
	return ret;
}

static struct nlmsghdr *dump_req(char *buf, int type, size_t hdr_len, void **hdr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (__u16)type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdr_len);
	return nlh;
}

/* ---- the links ---- */

struct link_row {
	int index, master, link;
	bool link_elsewhere; /* IFLA_LINK names an index of another namespace */
	unsigned int flags;
	char name[IF_NAMESIZE];
	char kind[24];
};

struct links {
	struct link_row *v;
	size_t n, cap;
	int err;
};

/* The message's attributes by type, up to max (tb has max + 1 slots). */
static void parse(const struct nlmsghdr *nlh, size_t hdr_len, const struct nlattr **tb,
		  unsigned int max)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, hdr_len)
	{
		if (mnl_attr_get_type(a) <= max)
			tb[mnl_attr_get_type(a)] = a;
	}
}

static void link_kind(const struct nlattr *linkinfo, char *kind, size_t len)
{
	const struct nlattr *a;

	kind[0] = 0;
	if (!linkinfo)
		return;
	mnl_attr_for_each_nested(a, linkinfo)
	{
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			snprintf(kind, len, "%s", mnl_attr_get_str(a));
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *ls = data;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct link_row *r;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? 2 * ls->cap : 64;
		struct link_row *v = realloc(ls->v, cap * sizeof(*v));

		if (!v) {
			ls->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		ls->v = v;
		ls->cap = cap;
	}
	parse(nlh, sizeof(*ifm), tb, IFLA_MAX);
	r = &ls->v[ls->n++];
	memset(r, 0, sizeof(*r));
	r->index = ifm->ifi_index;
	r->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(r->name, sizeof(r->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		r->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		r->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	r->link_elsewhere = tb[IFLA_LINK_NETNSID] != NULL;
	link_kind(tb[IFLA_LINKINFO], r->kind, sizeof(r->kind));
	return MNL_CB_OK;
}

static void links_reset(void *data)
{
	((struct links *)data)->n = 0;
}

static int links_dump(struct links *ls)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = dump_req(buf, RTM_GETLINK, sizeof(*ifm), (void **)&ifm);
	int ret;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = dump(nlh, link_cb, ls, links_reset);
	return ls->err ? ls->err : ret;
}

static const struct link_row *row_of(const struct links *ls, int index)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].index == index)
			return &ls->v[i];
	return NULL;
}

/* ---- what makes a port the host's ---- */

struct check {
	int ifindex;
	char *why;
	size_t len;
};

static int say(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int say(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->len, fmt, ap);
	va_end(ap);
	return MNL_CB_STOP;
}

static const char *kind_or(const struct link_row *r)
{
	return r && r->kind[0] ? r->kind : "device";
}

static int link_use(const struct links *ls, const struct link_row *p, const struct link_row *pair,
		    bool ovs_master_ok, struct check *c)
{
	const struct link_row *m = p->master ? row_of(ls, p->master) : NULL;

	if (p->flags & IFF_LOOPBACK)
		return say(c, "it is the loopback device");
	if (kind_in(p->kind, master_kinds, N_OF(master_kinds)))
		return say(c, "it is a %s: its members' traffic goes through it", p->kind);
	if (p->master && !(ovs_master_ok && m && !strcmp(m->kind, "openvswitch")))
		return say(c, "it is a member of %s (a %s)", m ? m->name : "another device",
			   kind_or(m));
	for (size_t i = 0; i < ls->n; i++) {
		const struct link_row *r = &ls->v[i];

		if (r->master == p->index)
			return say(c, "%s is a member of it", r->name);
		/* a link built on this one (VLAN, macvlan, ipvlan...) sends
		 * and receives through it; the two ends of a pair do not */
		if (r->link == p->index && r != p && r != pair && !r->link_elsewhere &&
		    !kind_in(r->kind, pair_kinds, N_OF(pair_kinds)))
			return say(c, "it is the lower device of %s (a %s)", r->name, kind_or(r));
	}
	return 0;
}

static bool ipv6_link_local(const unsigned char *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct check *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0}, *a;
	char text[INET6_ADDRSTRLEN] = "?";
	int proto = -1;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != c->ifindex)
		return MNL_CB_OK;
	parse(nlh, sizeof(*ifa), tb, IFA_MAX);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (tb[IFA_PROTO])
		proto = mnl_attr_get_u8(tb[IFA_PROTO]);
	/* the one address every IPv6-enabled link gets from the kernel; a
	 * kernel without IFA_PROTO (before 6.1) cannot say whose an
	 * fe80:: address is: then it counts like any other */
	if (ifa->ifa_family == AF_INET6 && a && mnl_attr_get_payload_len(a) == 16 &&
	    ipv6_link_local(mnl_attr_get_payload(a)) && proto == IFAPROT_KERNEL_LL)
		return MNL_CB_OK;
	if (a)
		inet_ntop(ifa->ifa_family, mnl_attr_get_payload(a), text, sizeof(text));
	return say(c, "it has the address %s/%u", text, ifa->ifa_prefixlen);
}

static bool route_uses(const struct nlattr *const *tb, int ifindex)
{
	const struct rtnexthop *nh;
	int len;

	if (tb[RTA_OIF] && (int)mnl_attr_get_u32(tb[RTA_OIF]) == ifindex)
		return true;
	if (!tb[RTA_MULTIPATH])
		return false;
	nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
	len = (int)mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);
	for (; RTNH_OK(nh, len); len -= NLMSG_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh))
		if (nh->rtnh_ifindex == ifindex)
			return true;
	return false;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct check *c = data;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	char dst[INET6_ADDRSTRLEN] = "default";
	unsigned int table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rt->rtm_protocol == RTPROT_KERNEL)
		return MNL_CB_OK;
	parse(nlh, sizeof(*rt), tb, RTA_MAX);
	if (!route_uses(tb, c->ifindex))
		return MNL_CB_OK;
	if (tb[RTA_DST])
		inet_ntop(rt->rtm_family, mnl_attr_get_payload(tb[RTA_DST]), dst, sizeof(dst));
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
	if (tb[RTA_DST])
		return say(c, "it carries the route to %s/%u (table %u)", dst, rt->rtm_dst_len,
			   table);
	return say(c, "it carries the %s route (table %u)", dst, table);
}

static int nexthop_cb(const struct nlmsghdr *nlh, void *data)
{
	struct check *c = data;
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NHA_MAX + 1] = {0};

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP)
		return MNL_CB_OK;
	parse(nlh, sizeof(*nhm), tb, NHA_MAX);
	if (!tb[NHA_OIF] || (int)mnl_attr_get_u32(tb[NHA_OIF]) != c->ifindex)
		return MNL_CB_OK;
	return say(c, "nexthop %u goes through it", tb[NHA_ID] ? mnl_attr_get_u32(tb[NHA_ID]) : 0);
}

/* A host without IPv6 (ipv6.disable=1) has no IPv6 address or route. */
static int no_family(int ret)
{
	return ret == -EAFNOSUPPORT ? 0 : ret;
}

/* Its addresses, routes and nexthops; 1 when one was found, 0, or -errno. */
static int l3_use(struct check *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct rtmsg *rt;
	struct nhmsg *nhm;
	int ret;

	/* each family on its own: a dump of all of them stops at the
	 * first family that refuses the request */
	for (int fam = 0; fam < 2; fam++) {
		nlh = dump_req(buf, RTM_GETADDR, sizeof(*ifa), (void **)&ifa);
		ifa->ifa_family = fam ? AF_INET6 : AF_INET;
		ifa->ifa_index = (unsigned int)c->ifindex;
		if ((ret = no_family(dump(nlh, addr_cb, c, NULL))) < 0 || c->why[0])
			return ret < 0 ? ret : 1;
	}
	for (int fam = 0; fam < 2; fam++) {
		nlh = dump_req(buf, RTM_GETROUTE, sizeof(*rt), (void **)&rt);
		rt->rtm_family = fam ? AF_INET6 : AF_INET;
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)c->ifindex);
		if ((ret = no_family(dump(nlh, route_cb, c, NULL))) < 0 || c->why[0])
			return ret < 0 ? ret : 1;
	}
	nlh = dump_req(buf, RTM_GETNEXTHOP, sizeof(*nhm), (void **)&nhm);
	nhm->nh_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NHA_OIF, (uint32_t)c->ifindex);
	ret = dump(nlh, nexthop_cb, c, NULL);
	/* a kernel without nexthop objects has none to find */
	if (ret == -EOPNOTSUPP || ret == -EINVAL || ret == -EAFNOSUPPORT)
		ret = 0;
	return ret < 0 ? ret : c->why[0] ? 1 : 0;
}

/* One port: its links, then its addresses and routes. pair: its other end,
 * not an upper device of it. */
static int port_use(const struct links *ls, const struct link_row *p, const struct link_row *pair,
		    bool ovs_master_ok, char *why, size_t len)
{
	struct check c = {.ifindex = p->index, .why = why, .len = len};

	why[0] = 0;
	if (link_use(ls, p, pair, ovs_master_ok, &c))
		return 1;
	return l3_use(&c);
}

static const struct link_row *veth_peer(const struct links *ls, const struct link_row *p)
{
	if (strcmp(p->kind, "veth") || !p->link || p->link_elsewhere || p->link == p->index)
		return NULL;
	return row_of(ls, p->link);
}

int vtap_host_use(int ifindex, unsigned int flags, struct vtap_host_use *u)
{
	struct links ls = {0};
	const struct link_row *p, *peer;
	char why[sizeof(u->why)];
	int ret;

	memset(u, 0, sizeof(*u));
	ret = links_dump(&ls);
	if (ret < 0)
		goto fail;
	p = row_of(&ls, ifindex);
	if (!p) {
		free(ls.v);
		return -ENODEV;
	}
	peer = veth_peer(&ls, p);
	u->peer_ifindex = peer ? peer->index : 0;
	ret = port_use(&ls, p, peer, false, u->why, sizeof(u->why));
	if (!ret && peer) {
		ret = port_use(&ls, peer, p, flags & VTAP_HOST_USE_PEER_OVS, why, sizeof(why));
		if (ret > 0)
			snprintf(u->why, sizeof(u->why), "its veth peer %s: %s", peer->name, why);
	}
	free(ls.v);
	if (ret >= 0)
		return ret;
fail:
	snprintf(u->why, sizeof(u->why), "cannot ask the kernel what it carries: %s",
		 strerror(-ret));
	return ret == -ENODEV ? -EIO : ret;
}
