/* SPDX-License-Identifier: GPL-2.0 */
/* The Internet checksum the slow, obvious way, to judge vtapd's own
 * (user/sinks/segment.c, csum_partial.c) by a reference that shares none
 * of its code: 16-bit big-endian words read through the C library, summed
 * one by one.
 * Used by tests/unit/test_segment.c, test_csum_partial.c and
 * tests/fuzz/fuzz_segment.c. */
#ifndef VTAP_TESTS_CSUM_REF_H
#define VTAP_TESTS_CSUM_REF_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t ref_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return ntohs(v);
}

/* one's-complement sum of big-endian 16-bit words, an odd byte padded */
static inline uint32_t ref_sum16(uint32_t sum, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += ref_be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static inline void ref_wr16(uint8_t *p, uint32_t v)
{
	uint16_t n = htons((uint16_t)v);

	memcpy(p, &n, 2);
}

/* The folded sum of the pseudo-header of a TCP or UDP (proto 6 or 17)
 * packet of l4len bytes, its IP header at f + l3: what a VM's stack leaves
 * in the checksum field for its device to finish. */
static inline uint32_t ref_pseudo(bool v6, uint8_t proto, const uint8_t *f, uint32_t l3,
				  uint32_t l4len)
{
	uint8_t ph[40] = {0};

	if (v6) {
		memcpy(ph, f + l3 + 8, 32);
		ref_wr16(ph + 34, l4len);
		ph[39] = proto;
		return ref_sum16(0, ph, 40);
	}
	memcpy(ph, f + l3 + 12, 8);
	ph[9] = proto;
	ref_wr16(ph + 10, l4len);
	return ref_sum16(0, ph, 12);
}

/* Does the TCP or UDP (proto 6 or 17) checksum of the packet at l4 verify,
 * its IP header at l3 and the packet's end at len (over the pseudo-header
 * of IPv4 or IPv6)? */
static inline bool ref_l4_ok(bool v6, uint8_t proto, const uint8_t *f, uint32_t l3, uint32_t l4,
			     uint32_t len)
{
	return ref_sum16(ref_pseudo(v6, proto, f, l3, len - l4), f + l4, len - l4) == 0xffff;
}

static inline bool ref_tcp_ok(bool v6, const uint8_t *f, uint32_t l3, uint32_t l4, uint32_t len)
{
	return ref_l4_ok(v6, 6, f, l3, l4, len);
}

#endif
