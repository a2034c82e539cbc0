// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "inet.h"

#define ETH_P_IPV4   0x0800
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8

/* 64 bits at a time with the carries added back: the same one's-complement
 * sum as 16-bit words (RFC 1071, 2.(B)), a quarter of the additions. The
 * tail goes in as a word padded with zeros, so an odd last byte is the
 * high half of its 16-bit word, as the checksum wants. */
uint64_t vtap_csum_add(uint64_t sum, const uint8_t *p, uint32_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		sum += w;
		sum += sum < w;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		sum += w;
		sum += sum < w;
	}
	return sum;
}

uint16_t vtap_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t vtap_frame_l3(const uint8_t *f, uint32_t len, uint32_t *type)
{
	uint32_t off = 14;

	if (len < off)
		return 0;
	*type = vtap_rd16(f + 12);
	for (int i = 0; i < 2 && (*type == ETH_P_8021Q || *type == ETH_P_8021AD); i++) {
		if (len < off + 4)
			return 0;
		*type = vtap_rd16(f + off + 2);
		off += 4;
	}
	return off;
}

int vtap_ip_of(const uint8_t *f, uint32_t len, struct vtap_ip *ip)
{
	uint32_t type = 0, l3 = vtap_frame_l3(f, len, &type);

	memset(ip, 0, sizeof(*ip));
	if (!l3)
		return -EINVAL;
	ip->l3 = l3;
	if (type == ETH_P_IPV4) {
		uint32_t ihl, tot;

		if (len < l3 + 20 || f[l3] >> 4 != 4)
			return -EINVAL;
		ihl = (f[l3] & 15u) * 4;
		tot = vtap_rd16(f + l3 + 2);
		/* offset or more-fragments set */
		if (ihl < 20 || (vtap_rd16(f + l3 + 6) & 0x3fff) || tot < ihl || l3 + tot > len)
			return -EINVAL;
		ip->proto = f[l3 + 9];
		ip->l4 = l3 + ihl;
		ip->end = l3 + tot;
		return 0;
	}
	if (type != ETH_P_IPV6 || len < l3 + 40 || f[l3] >> 4 != 6)
		return -EINVAL;
	ip->proto = f[l3 + 6];
	ip->l4 = l3 + 40;
	ip->end = ip->l4 + vtap_rd16(f + l3 + 4);
	ip->v6 = 1;
	return ip->end > len ? -EINVAL : 0;
}

uint64_t vtap_ip_pseudo(const uint8_t *f, const struct vtap_ip *ip, uint32_t l4len)
{
	uint8_t p[40] = {0};

	if (ip->v6) {
		memcpy(p, f + ip->l3 + 8, 32); /* source, destination */
		p[34] = (uint8_t)(l4len >> 8);
		p[35] = (uint8_t)l4len;
		p[39] = ip->proto;
		return vtap_csum_add(0, p, 40);
	}
	memcpy(p, f + ip->l3 + 12, 8);
	p[9] = ip->proto;
	p[10] = (uint8_t)(l4len >> 8);
	p[11] = (uint8_t)l4len;
	return vtap_csum_add(0, p, 12);
}
