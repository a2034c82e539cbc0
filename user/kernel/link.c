// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "kfile.h"
#include "link.h"
#include "core/log.h"

/* "vtap sink <pin root>": whose links they are, for teardown */
static char link_alias[128] = VTAP_LINK_ALIAS;

void vtap_link_set_owner(const char *pin_root)
{
	snprintf(link_alias, sizeof(link_alias), "%s %s", VTAP_LINK_ALIAS, pin_root);
}

int vtap_link_nl_request(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	unsigned int seq = (unsigned int)time(NULL), portid;
	int ret;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_cb_run(buf, (size_t)ret, seq, portid, NULL, NULL) < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

/* Up, and the alias when given (creation ignores IFLA_IFALIAS). */
static int set_up(const char *name, const char *alias)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return vtap_link_nl_request(nlh);
}

/* An RTM_NEWLINK creating name of kind, its IFLA_LINKINFO and
 * IFLA_INFO_DATA nests open for the kind's attributes. */
static struct nlmsghdr *newlink(char *buf, const char *name, unsigned int mtu, const char *kind,
				struct nlattr **linkinfo, struct nlattr **data)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	*linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	*data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	return nlh;
}

/* Best effort: a kernel without IPv6 has no such file, and nothing to send. */
static void no_ipv6(const char *name)
{
	int fd = vtap_kfile_open(O_WRONLY, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	int ret;

	if (fd < 0)
		return;
	if ((ret = vtap_kfile_put(fd, "1")))
		log_warn("%s: cannot turn IPv6 off: %s", name, strerror(-ret));
}

int vtap_link_veth_create(const char *name, const char *peer, unsigned int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;
	struct nlattr *linkinfo, *data, *pinfo;
	struct nlmsghdr *nlh = newlink(buf, name, mtu, "veth", &linkinfo, &data);
	struct ifinfomsg *pifm;

	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's ifinfomsg comes first, then its attributes */
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	memset(pifm, 0, sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = vtap_link_nl_request(nlh);
	/* a sink carries copies only: without IPv6 the kernel sends nothing
	 * of its own through it (MLD reports, router and neighbour
	 * solicitations would reach the monitor, or a capture's program,
	 * whenever no vtap_sink is there to drop them: between two vtapds) */
	if (!ret) {
		no_ipv6(name);
		no_ipv6(peer);
	}
	/* up afterwards, peer first: a veth refuses to open (ENOTCONN)
	 * while its peer is down, which it is during the creation */
	if (!ret && ((ret = set_up(peer, NULL)) || (ret = set_up(name, link_alias))))
		vtap_link_del(name);
	return ret;
}

int vtap_link_vxlan_create(const char *name, unsigned int dstport, unsigned int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *linkinfo, *data;
	struct nlmsghdr *nlh = newlink(buf, name, mtu, "vxlan", &linkinfo, &data);
	int ret;

	mnl_attr_put_u8(nlh, IFLA_VXLAN_COLLECT_METADATA, 1);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons((uint16_t)dstport));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	ret = vtap_link_nl_request(nlh);
	if (!ret && (ret = set_up(name, link_alias)))
		vtap_link_del(name);
	return ret;
}

int vtap_link_del(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_DELLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return vtap_link_nl_request(nlh);
}

/* One SIOCETHTOOL request on name; data starts with its ETHTOOL_ command. */
static int ethtool(const char *name, void *data)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = data;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

/* The kernel driver of a device ("veth", "vxlan", ...). */
static int driver_of(const char *name, char *drv, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	int ret = ethtool(name, &info);

	if (!ret)
		snprintf(drv, len, "%s", info.driver);
	return ret;
}

static unsigned int iflink_of(const char *name)
{
	char path[64 + IF_NAMESIZE];
	unsigned int link = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%u", &link) != 1)
		link = 0;
	fclose(f);
	return link;
}

int vtap_link_veth_peer(const char *name, char *peer)
{
	unsigned int self = if_nametoindex(name), link;
	char drv[32] = "";

	if (!self)
		return -ENODEV;
	/* a veth's iflink is its peer's ifindex — but a VLAN device's or a
	 * macvlan's is its lower device, and a veth whose peer is in another
	 * namespace names an index of that namespace: only a veth whose peer
	 * here points back at it is a pair vtap may use */
	if (driver_of(name, drv, sizeof(drv)) || strcmp(drv, "veth"))
		return -EINVAL;
	link = iflink_of(name);
	if (!link || link == self || !if_indextoname(link, peer))
		return -EINVAL;
	if (driver_of(peer, drv, sizeof(drv)) || strcmp(drv, "veth") || iflink_of(peer) != self)
		return -EINVAL;
	return 0;
}

int vtap_link_set_gro(const char *name, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = on };

	return ethtool(name, &ev);
}

int vtap_link_set_tx_csum(const char *name, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = on };

	return ethtool(name, &ev);
}

bool vtap_link_is_vtaps(const char *name)
{
	char alias[160];

	/* alias is "" when the file is missing or empty: never link_alias */
	vtap_kfile_get(vtap_kfile_open(O_RDONLY, "/sys/class/net/%s/ifalias", name), alias,
		       sizeof(alias));
	return !strcmp(alias, link_alias);
}

void vtap_link_peer_name(const char *name, char *peer)
{
	/* "<name>p", the name cut to leave room */
	snprintf(peer, IF_NAMESIZE, "%.*sp", IF_NAMESIZE - 2, name);
}

int vtap_link_mtu(const char *name)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
	close(fd);
	return ret;
}
