/* SPDX-License-Identifier: GPL-2.0 */
/* Does a port carry the host's own traffic? A monitor port gets copies
 * only: vtap's sink program drops every other frame the port would send,
 * and a copy sent into a bridge (or into a veth whose other end is on one)
 * comes back out of the VM ports and is tapped again. So a port the host
 * uses itself must never become a monitor port. The kernel is asked with
 * rtnetlink (libmnl), each question a dump of its own:
 *  - the links: lo; a master device (bridge, bond, team, vrf, openvswitch)
 *    or a port with members; a member of any master; the lower device of
 *    another link here (a VLAN, macvlan, ipvlan... on top of it);
 *  - its addresses, IPv4 and IPv6, but the IPv6 link-local address the
 *    kernel gives every IPv6-enabled link itself (IFA_PROTO kernel_ll:
 *    neighbour discovery and MLD only, which the sink drops and counts);
 *  - routes in any table and nexthop objects through it, but those the
 *    kernel makes from the addresses (protocol kernel: judged by the
 *    addresses they come from);
 *  - the same for its veth peer when the peer is in this namespace: what
 *    arrives there is what the port sends.
 * docs/limits.md, "Monitor ports", says what is refused and why. */
#ifndef VTAP_USER_HOST_USE_H
#define VTAP_USER_HOST_USE_H

#include <stdbool.h>
#include <stddef.h>

/* The veth peer may be an Open vSwitch port (its master's kind is
 * openvswitch): an ovs monitor's sink hands its copies to OVS so. */
#define VTAP_HOST_USE_PEER_OVS 0x1

struct vtap_host_use {
	int peer_ifindex; /* the veth peer in this namespace (0: none here) */
	char why[256];	  /* what makes the port the host's ("" = nothing) */
};

/* 1: the port carries the host's own traffic, u->why says how; 0: nothing
 * of the host's was found; -ENODEV: no such port; another negative errno
 * when a query failed, with why saying so (an unchecked port must not be
 * made a monitor port). */
int vtap_host_use(int ifindex, unsigned int flags, struct vtap_host_use *u);

/* rtnetlink's news that may change the answer: links (a master, a lower
 * device), addresses, routes, nexthops. cb(arg, ifindex) for each
 * interface an event names; ifindex 0 when events were lost (any port
 * may have changed). */
struct vtap_host_watch;
typedef void (*vtap_host_watch_cb)(void *arg, int ifindex);

struct vtap_host_watch *vtap_host_watch_open(vtap_host_watch_cb cb, void *arg);
int vtap_host_watch_fd(const struct vtap_host_watch *w);
/* Read what is pending (non-blocking); 0 or a negative errno. */
int vtap_host_watch_read(struct vtap_host_watch *w);
void vtap_host_watch_close(struct vtap_host_watch *w);

#endif
