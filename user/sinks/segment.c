// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "segment.h"

#define ETH_P_IPV4   0x0800
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define IPPROTO_TCP_ 6
#define TCP_FIN	     0x01
#define TCP_PSH	     0x08
#define TCP_CWR	     0x80

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) << 16 | rd16(p + 2);
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

/* the IP header's offset and EtherType past the frame's tags, or 0 */
static uint32_t l3_of(const uint8_t *f, uint32_t len, uint32_t *type)
{
	uint32_t off = 14;

	if (len < off)
		return 0;
	*type = rd16(f + 12);
	for (int i = 0; i < 2 && (*type == ETH_P_8021Q || *type == ETH_P_8021AD); i++) {
		if (len < off + 4)
			return 0;
		*type = rd16(f + off + 2);
		off += 4;
	}
	return off;
}

int vtap_seg_start(struct vtap_seg *s, const uint8_t *f, uint32_t len, uint32_t mss, uint32_t room)
{
	uint32_t type = 0, l3 = l3_of(f, len, &type), doff;

	memset(s, 0, sizeof(*s));
	if (!l3)
		return -EINVAL;
	s->l3 = l3;
	if (type == ETH_P_IPV4) {
		uint32_t ihl, tot;

		if (len < l3 + 20 || f[l3] >> 4 != 4)
			return -EINVAL;
		ihl = (f[l3] & 15u) * 4;
		tot = rd16(f + l3 + 2);
		/* a fragment (offset or more-fragments set) is no GSO frame */
		if (ihl < 20 || f[l3 + 9] != IPPROTO_TCP_ || (rd16(f + l3 + 6) & 0x3fff) ||
		    tot < ihl || l3 + tot > len)
			return -EINVAL;
		s->l4 = l3 + ihl;
		s->end = l3 + tot;
		s->ip_id = (uint16_t)rd16(f + l3 + 4);
	} else if (type == ETH_P_IPV6) {
		if (len < l3 + 40 || f[l3] >> 4 != 6 || f[l3 + 6] != IPPROTO_TCP_)
			return -EINVAL;
		s->l4 = l3 + 40;
		s->end = s->l4 + rd16(f + l3 + 4);
		s->v6 = 1;
		if (s->end > len)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (s->l4 + 20 > s->end)
		return -EINVAL;
	doff = (f[s->l4 + 12] >> 4) * 4u;
	if (doff < 20 || s->l4 + doff > s->end)
		return -EINVAL;
	s->hlen = s->l4 + doff;
	if (room <= s->hlen || !mss)
		return -EINVAL;
	s->mss = mss < room - s->hlen ? mss : room - s->hlen;
	s->frame = f;
	s->off = s->hlen;
	s->seq = rd32(f + s->l4 + 4);
	s->flags = f[s->l4 + 13];
	return 0;
}

/* the TCP pseudo-header's sum for a segment of tcp_len bytes */
static uint64_t pseudo_sum(const struct vtap_seg *s, const uint8_t *out, uint32_t tcp_len)
{
	uint8_t p[40] = {0};

	if (s->v6) {
		memcpy(p, out + s->l3 + 8, 32); /* source, destination */
		wr32(p + 32, tcp_len);
		p[39] = IPPROTO_TCP_;
		return vtap_csum_add(0, p, 40);
	}
	memcpy(p, out + s->l3 + 12, 8);
	p[9] = IPPROTO_TCP_;
	wr16(p + 10, tcp_len);
	return vtap_csum_add(0, p, 12);
}

uint32_t vtap_seg_left(const struct vtap_seg *s)
{
	if (!s->frame || (s->n && s->off >= s->end))
		return 0;
	if (s->off >= s->end)
		return 1; /* no payload: the headers alone, once */
	return (s->end - s->off + s->mss - 1) / s->mss;
}

uint32_t vtap_seg_next(struct vtap_seg *s, uint8_t *out)
{
	uint32_t plen, len, tcp_len;
	uint8_t flags = s->flags;
	uint16_t csum;

	if (!s->frame || (s->n && s->off >= s->end))
		return 0;
	plen = s->end - s->off < s->mss ? s->end - s->off : s->mss;
	len = s->hlen + plen;
	tcp_len = len - s->l4;
	memcpy(out, s->frame, s->hlen);
	memcpy(out + s->hlen, s->frame + s->off, plen);
	if (s->n)
		flags &= (uint8_t)~TCP_CWR;
	if (s->off + plen < s->end)
		flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
	out[s->l4 + 13] = flags;
	wr32(out + s->l4 + 4, s->seq + (s->off - s->hlen));
	if (s->v6) {
		wr16(out + s->l3 + 4, tcp_len);
	} else {
		wr16(out + s->l3 + 2, len - s->l3);
		wr16(out + s->l3 + 4, (uint32_t)(uint16_t)(s->ip_id + s->n));
		out[s->l3 + 10] = out[s->l3 + 11] = 0;
		csum = (uint16_t)~vtap_csum_fold(vtap_csum_add(0, out + s->l3, s->l4 - s->l3));
		memcpy(out + s->l3 + 10, &csum, 2);
	}
	out[s->l4 + 16] = out[s->l4 + 17] = 0;
	csum = (uint16_t)~vtap_csum_fold(
	    vtap_csum_add(pseudo_sum(s, out, tcp_len), out + s->l4, tcp_len));
	memcpy(out + s->l4 + 16, &csum, 2);
	s->off += plen;
	s->n++;
	return len;
}
