/* SPDX-License-Identifier: GPL-2.0 */
/* The sink links vtapd makes for capture and ovs monitors: a veth pair whose
 * host side receives the copies and whose peer is read with AF_XDP (by
 * vtapd, or by Open vSwitch). Synchronous rtnetlink requests (libmnl). */
#ifndef VTAP_USER_LINK_H
#define VTAP_USER_LINK_H

#include <stdbool.h>

/* MTU of the sink veths vtapd creates: below what native XDP on a veth
 * takes without multi-buffer (about 3.5 KB), above any VM's 1500. Longer
 * copies are cut by the sink program and counted. */
#define VTAP_SINK_MTU 3000

/* The alias of the links vtapd creates, followed by its pin root: teardown
 * removes those only (vtap_link_set_owner sets the pin root). */
#define VTAP_LINK_ALIAS "vtap sink"
void vtap_link_set_owner(const char *pin_root);

struct nlmsghdr;
/* Send one rtnetlink request and wait for its acknowledgement: 0 or -errno. */
int vtap_link_nl_request(struct nlmsghdr *nlh);
/* The MTU of interface name, or a negative errno. */
int vtap_link_mtu(const char *name);
/* Create veth pair name <-> peer, both up, with mtu (0 = kernel default). */
int vtap_link_veth_create(const char *name, const char *peer, unsigned int mtu);
int vtap_link_del(const char *name);
/* A VXLAN device in external (collect_md) mode on UDP port dstport, no
 * learning, up, with vtap's alias: the tunnel of each copy is set by the
 * sink program; received copies are read by vtap_rx on its ingress. */
int vtap_link_vxlan_create(const char *name, unsigned int dstport, unsigned int mtu);
/* The peer of a veth (its name into peer, IF_NAMESIZE); -ENODEV when name
 * does not exist, -EINVAL when it is not one end of a pair in this netns. */
int vtap_link_veth_peer(const char *name, char *peer);
/* Turn generic receive offload on or off (SIOCETHTOOL). */
int vtap_link_set_gro(const char *name, bool on);
/* TX checksum offload of name on or off (ethtool -K name tx on|off): 0 or
 * -errno. Off, the kernel finishes a partial checksum before the device. */
int vtap_link_set_tx_csum(const char *name, bool on);
/* Was name created by this vtapd (its alias, with this pin root)? */
bool vtap_link_is_vtaps(const char *name);
/* The default name of the peer vtapd gives a sink veth it creates. */
void vtap_link_peer_name(const char *name, char *peer);

#endif
