// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "inet.h"
#include "segment.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint32_t rd32(const uint8_t *p)
{
	return vtap_rd16(p) << 16 | vtap_rd16(p + 2);
}

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

int vtap_seg_start(struct vtap_seg *s, const uint8_t *f, uint32_t len, uint32_t mss, uint32_t room)
{
	const struct vtap_ip *ip = &s->ip;
	uint32_t doff;

	memset(s, 0, sizeof(*s));
	if (vtap_ip_of(f, len, &s->ip) || ip->proto != VTAP_IPPROTO_TCP_)
		return -EINVAL; /* an IPv6 extension header too */
	if (!ip->v6)
		s->ip_id = (uint16_t)vtap_rd16(f + ip->l3 + 4);
	if (ip->l4 + 20 > ip->end)
		return -EINVAL;
	doff = (f[ip->l4 + 12] >> 4) * 4u;
	if (doff < 20 || ip->l4 + doff > ip->end)
		return -EINVAL;
	s->hlen = ip->l4 + doff;
	if (room <= s->hlen || !mss)
		return -EINVAL;
	s->mss = mss < room - s->hlen ? mss : room - s->hlen;
	s->frame = f;
	s->off = s->hlen;
	s->seq = rd32(f + ip->l4 + 4);
	s->flags = f[ip->l4 + 13];
	return 0;
}

uint32_t vtap_seg_left(const struct vtap_seg *s)
{
	uint32_t end = s->ip.end;

	if (!s->frame || (s->n && s->off >= end))
		return 0;
	if (s->off >= end)
		return 1; /* no payload: the headers alone, once */
	return (end - s->off + s->mss - 1) / s->mss;
}

uint32_t vtap_seg_next(struct vtap_seg *s, uint8_t *out)
{
	const struct vtap_ip *ip = &s->ip;
	uint32_t plen, len, tcp_len;
	uint8_t flags = s->flags;
	uint16_t csum;

	if (!s->frame || (s->n && s->off >= ip->end))
		return 0;
	plen = ip->end - s->off < s->mss ? ip->end - s->off : s->mss;
	len = s->hlen + plen;
	tcp_len = len - ip->l4;
	memcpy(out, s->frame, s->hlen);
	memcpy(out + s->hlen, s->frame + s->off, plen);
	if (s->n)
		flags &= (uint8_t)~TCP_CWR;
	if (s->off + plen < ip->end)
		flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	out[ip->l4 + 13] = flags;
	wr32(out + ip->l4 + 4, s->seq + (s->off - s->hlen));
	if (ip->v6) {
		wr16(out + ip->l3 + 4, tcp_len);
	} else {
		wr16(out + ip->l3 + 2, len - ip->l3);
		wr16(out + ip->l3 + 4, (uint32_t)(uint16_t)(s->ip_id + s->n));
		out[ip->l3 + 10] = out[ip->l3 + 11] = 0;
		csum = (uint16_t)~vtap_csum_fold(vtap_csum_add(0, out + ip->l3, ip->l4 - ip->l3));
		memcpy(out + ip->l3 + 10, &csum, 2);
	}
	out[ip->l4 + 16] = out[ip->l4 + 17] = 0;
	csum = (uint16_t)~vtap_csum_fold(
	    vtap_csum_add(vtap_ip_pseudo(out, ip, tcp_len), out + ip->l4, tcp_len));
	memcpy(out + ip->l4 + 16, &csum, 2);
	s->off += plen;
	s->n++;
	return len;
}
