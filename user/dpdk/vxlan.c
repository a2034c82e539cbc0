// SPDX-License-Identifier: GPL-2.0
/* Copies toward a remote monitor, in the kernel path's wire format: the
 * frame inside VXLAN (RFC 7348, I flag, the monitor's VNI) over UDP to the
 * monitor host's port 4789, IPv4, TTL 64, UDP checksum 0 — what vtapd's
 * VXLAN device (external mode, tunnel key set by the sink program) sends.
 * The copy is always a copy, never a clone: the headers go in front of the
 * frame, and net_af_xdp sends only the first segment of a chain. */
#include <string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include "vdp.h"

#define VDP_VXLAN_HLEN 50 /* Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 */

struct vxlan_hdr {
	uint8_t flags; /* 0x08: the VNI is valid */
	uint8_t rsvd[3];
	uint32_t vni_rsvd; /* VNI << 8, network order */
};

/* The UDP source port spreads flows over the underlay's ECMP paths, as the
 * kernel does (a hash of the inner frame), in its default range. */
static uint16_t src_port(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t h = 2166136261u, n = m->data_len < 64 ? m->data_len : 64;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return (uint16_t)(32768 + h % (61000 - 32768));
}

struct rte_mbuf *vdp_vxlan_copy(struct vdp *v, struct vdp_monitor *mon, const struct vdp_tunnel *t,
				struct rte_mbuf *m, uint32_t snaplen, bool *cut)
{
	const struct vdp_underlay *ul = &v->ul;
	uint32_t len = m->pkt_len, room = ul->mtu - (VDP_VXLAN_HLEN - RTE_ETHER_HDR_LEN);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct vxlan_hdr *vx;
	struct rte_mbuf *c;
	uint16_t sport;

	if (!t->remote) {
		mon->no_tunnel++;
		return NULL;
	}
	if (snaplen && len > snaplen)
		len = snaplen;
	/* a copy that would not fit the underlay once encapsulated is cut,
	 * and counted, never dropped unseen */
	if (len > room) {
		len = room;
		mon->too_big++;
	}
	*cut = len < m->pkt_len;
	sport = src_port(m);
	c = rte_pktmbuf_copy(m, v->copy_pool, 0, len);
	if (!c)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(c, VDP_VXLAN_HLEN);
	if (!eth) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	vx = (struct vxlan_hdr *)(udp + 1);
	memcpy(eth->dst_addr.addr_bytes, ul->gw_mac, 6);
	memcpy(eth->src_addr.addr_bytes, ul->src_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(VDP_VXLAN_HLEN - RTE_ETHER_HDR_LEN + len));
	/* an ID per datagram, as the kernel's VXLAN device gives (RFC
	 * 6864): with one ID for all and no UDP checksum, a path that
	 * fragments them could join fragments of two copies */
	ip->packet_id = rte_cpu_to_be_16(v->ul.ip_id++);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = ul->local;
	ip->dst_addr = t->remote;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(ul->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + sizeof(*vx) + len));
	udp->dgram_cksum = 0;
	memset(vx, 0, sizeof(*vx));
	vx->flags = 0x08;
	vx->vni_rsvd = rte_cpu_to_be_32(t->vni << 8);
	return c;
}
