/* SPDX-License-Identifier: GPL-2.0 */
/* The reference matcher of the fuzzers: docs/policy.md read literally, one
 * policy at a time, with no bitmaps and no shared code with the compiler or
 * the classifier, so the two can be checked against each other. */
#ifndef VTAP_FUZZ_REFERENCE_H
#define VTAP_FUZZ_REFERENCE_H

#include <fnmatch.h>
#include <sys/socket.h>
#include <vtap/parse.h>
#include "core/policy.h"

static int cidr_has(const struct vtap_cidr *c, size_t n, const struct vtap_pkt *pkt,
		    const __u8 *addr)
{
	int v6 = !!(pkt->flags & VTAP_PF_IPV6);

	for (size_t i = 0; i < n; i++) {
		unsigned int bits = c[i].prefixlen, k;

		if ((c[i].family == AF_INET6) != v6)
			continue;
		for (k = 0; k < bits; k++)
			if ((c[i].addr[k / 8] ^ addr[k / 8]) & (0x80 >> (k % 8)))
				break;
		if (k == bits)
			return 1;
	}
	return 0;
}

static int range_has(const struct vtap_port_range *r, size_t n, __u16 port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return 1;
	return 0;
}

static int ref_match(const struct vtap_policy *p, const struct vtap_pkt *pkt, const char *port,
		     __u8 dir)
{
	const __u8 *vm_addr = dir == VTAP_DIR_IN ? pkt->daddr : pkt->saddr;
	const __u8 *peer_addr = dir == VTAP_DIR_IN ? pkt->saddr : pkt->daddr;
	__u16 vm_port = dir == VTAP_DIR_IN ? pkt->dport : pkt->sport;
	__u16 peer_port = dir == VTAP_DIR_IN ? pkt->sport : pkt->dport;
	int l3 = pkt->level >= VTAP_LEVEL_L3, l4 = pkt->level == VTAP_LEVEL_L4;
	size_t g;

	if (!port || !(p->direction & dir))
		return 0;
	for (g = 0; g < p->n_ports; g++)
		if (!fnmatch(p->ports[g], port, 0))
			break;
	if (g == p->n_ports)
		return 0;
	if (p->n_src_cidrs && !(l3 && cidr_has(p->src_cidrs, p->n_src_cidrs, pkt, vm_addr)))
		return 0;
	if (p->n_dst_cidrs && !(l3 && cidr_has(p->dst_cidrs, p->n_dst_cidrs, pkt, peer_addr)))
		return 0;
	if (p->protocol >= 0 && !(l3 && pkt->proto == p->protocol))
		return 0;
	if (p->n_src_ports && !(l4 && range_has(p->src_ports, p->n_src_ports, vm_port)))
		return 0;
	if (p->n_dst_ports && !(l4 && range_has(p->dst_ports, p->n_dst_ports, peer_port)))
		return 0;
	if (p->n_vlans) {
		size_t v;

		for (v = 0; v < p->n_vlans; v++)
			if (p->vlans[v] == pkt->vlan)
				break;
		if (v == p->n_vlans)
			return 0;
	}
	return 1;
}

#endif
