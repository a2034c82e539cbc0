// SPDX-License-Identifier: GPL-2.0
/* Cutting a GSO super-frame into wire-sized TCP segments
 * (user/sinks/segment.c), judged by what a receiver checks: every
 * segment's IPv4/IPv6 lengths, IPv4 ID and header checksum, TCP sequence
 * number, flags and checksum (verified here 16 bits at a time, the plain
 * RFC 1071 way, against the segmenter's 64-bit sum), and the payloads,
 * put back together, are the super-frame's byte for byte. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sinks/inet.h"
#include "sinks/segment.h"
#include "csum_ref.h"

#define MAXF 70000u

struct sframe {
	bool v6;
	unsigned int tags;		/* 802.1Q tags in the frame */
	unsigned int ip_opts, tcp_opts; /* bytes of options */
	uint32_t payload;
	uint8_t flags;
};

/* the network byte order through the C library, not segment.c's own */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* the super-frame a TSO VM hands its device: lengths of the whole, the
 * TCP checksum only the pseudo-header's (here: garbage, it must not
 * matter); returns its length, *l3 and *l4 the headers' offsets */
static uint32_t build(const struct sframe *d, uint8_t *f, uint32_t *l3, uint32_t *l4)
{
	uint32_t off = 12, iph = d->v6 ? 40 : 20 + d->ip_opts, tcph = 20 + d->tcp_opts;

	memset(f, 0, MAXF);
	for (int i = 0; i < 12; i++)
		f[i] = (uint8_t)(0x10 + i);
	for (unsigned int t = 0; t < d->tags; t++, off += 4) {
		ref_wr16(f + off, t ? 0x8100 : 0x88a8);
		ref_wr16(f + off + 2, 100 + t);
	}
	ref_wr16(f + off, d->v6 ? 0x86dd : 0x0800);
	*l3 = off + 2;
	if (d->v6) {
		f[*l3] = 0x60;
		ref_wr16(f + *l3 + 4, tcph + d->payload);
		f[*l3 + 6] = 6;
		f[*l3 + 7] = 64;
		for (int i = 0; i < 32; i++)
			f[*l3 + 8 + i] = (uint8_t)(0xa0 + i);
	} else {
		f[*l3] = (uint8_t)(0x40 | iph / 4);
		ref_wr16(f + *l3 + 2, iph + tcph + d->payload);
		ref_wr16(f + *l3 + 4, 0xfffe); /* the ID wraps within the frame */
		ref_wr16(f + *l3 + 6, 0x4000); /* DF */
		f[*l3 + 8] = 64;
		f[*l3 + 9] = 6;
		for (int i = 0; i < 8; i++)
			f[*l3 + 12 + i] = (uint8_t)(0xc0 + i);
		for (unsigned int i = 20; i < iph; i++)
			f[*l3 + i] = 1; /* NOP options */
	}
	*l4 = *l3 + iph;
	ref_wr16(f + *l4, 40000);
	ref_wr16(f + *l4 + 2, 5201);
	f[*l4 + 4] = 0xff; /* the sequence number wraps within the frame */
	f[*l4 + 5] = 0xff;
	f[*l4 + 6] = 0xf0;
	f[*l4 + 12] = (uint8_t)(tcph / 4 << 4);
	f[*l4 + 13] = d->flags;
	ref_wr16(f + *l4 + 14, 500);
	ref_wr16(f + *l4 + 16, 0x1234);
	for (unsigned int i = 20; i < tcph; i++)
		f[*l4 + i] = 1;
	for (uint32_t i = 0; i < d->payload; i++)
		f[*l4 + tcph + i] = (uint8_t)(i * 7 + i / 251);
	return *l4 + tcph + d->payload;
}

/* cut d with mss into segments no longer than room and check each */
static void cut_and_check(const struct sframe *d, uint32_t mss, uint32_t room)
{
	uint8_t *f = malloc(MAXF), *seg = malloc(room), *joined = calloc(1, MAXF);
	uint32_t l3, l4, len = build(d, f, &l3, &l4), hlen, n, got = 0, k = 0, want_mss, want_n;
	struct vtap_seg s;

	assert_non_null(f);
	assert_non_null(seg);
	assert_non_null(joined);
	assert_int_equal(vtap_seg_start(&s, f, len, mss, room), 0);
	hlen = l4 + 20 + d->tcp_opts;
	want_mss = mss < room - hlen ? mss : room - hlen;
	want_n = d->payload ? (d->payload + want_mss - 1) / want_mss : 1;
	for (;;) {
		assert_int_equal(vtap_seg_left(&s), want_n - k);
		n = vtap_seg_next(&s, seg);
		if (!n)
			break;
		uint32_t plen = n - hlen, last = got + plen == d->payload;
		uint8_t fl = d->flags;

		assert_true(n <= room);
		assert_true(plen == want_mss || last);
		assert_memory_equal(seg, f, 12 + 4 * d->tags + 2); /* MACs, tags, type */
		if (d->v6) {
			assert_int_equal(ref_be16(seg + l3 + 4), n - l4);
		} else {
			assert_int_equal(ref_be16(seg + l3 + 2), n - l3);
			assert_int_equal(ref_be16(seg + l3 + 4), (0xfffe + k) & 0xffff);
			assert_int_equal(ref_be16(seg + l3 + 6), 0x4000);
			/* the header checksum */
			assert_int_equal(ref_sum16(0, seg + l3, l4 - l3), 0xffff);
		}
		assert_true(ref_tcp_ok(d->v6, seg, l3, l4, n)); /* the TCP checksum */
		assert_int_equal(rd32(seg + l4 + 4), (uint32_t)(0xfffff000u + got));
		if (k)
			fl &= (uint8_t)~0x80;
		if (!last)
			fl &= (uint8_t)~0x09;
		assert_int_equal(seg[l4 + 13], fl);
		assert_memory_equal(seg + l4 + 14, f + l4 + 14, 2); /* window */
		memcpy(joined + got, seg + hlen, plen);
		got += plen;
		k++;
	}
	assert_int_equal(got, d->payload);
	assert_int_equal(k, want_n);
	assert_int_equal(vtap_seg_left(&s), 0);
	assert_memory_equal(joined, f + hlen, d->payload);
	assert_int_equal(vtap_seg_next(&s, seg), 0);
	free(f);
	free(seg);
	free(joined);
}

static void test_ipv4(void **state)
{
	const struct sframe d = {.payload = 64000,
				 .flags = 0x18 | 0x01 | 0x80}; /* ACK PSH FIN CWR */

	(void)state;
	cut_and_check(&d, 1448, 3018);
}

static void test_ipv6_tags_options(void **state)
{
	const struct sframe v6 = {
	    .v6 = true, .tags = 2, .tcp_opts = 12, .payload = 30001, .flags = 0x10};
	const struct sframe v4 = {
	    .tags = 1, .ip_opts = 8, .tcp_opts = 12, .payload = 9999, .flags = 0x18};

	(void)state;
	cut_and_check(&v6, 1428, 3018);
	cut_and_check(&v4, 1000, 3018);
}

/* a segment of the VM's size longer than the sink veth takes: the mss is
 * lowered to fit, every byte still sent */
static void test_room_lowers_mss(void **state)
{
	const struct sframe d = {.payload = 20000, .flags = 0x10};

	(void)state;
	cut_and_check(&d, 8948, 1518);
}

/* one segment or none of payload: the frame as it is, checksums filled */
static void test_short(void **state)
{
	const struct sframe bare = {.payload = 0, .flags = 0x11};
	const struct sframe one = {.payload = 100, .flags = 0x18};
	const struct sframe odd = {.payload = 1449, .flags = 0x18};

	(void)state;
	cut_and_check(&bare, 1448, 3018);
	cut_and_check(&one, 1448, 3018);
	cut_and_check(&odd, 1448, 3018);
}

/* what is not cut: refused, nothing read past the frame */
static void test_refused(void **state)
{
	const struct sframe d = {.payload = 5000, .flags = 0x10};
	uint8_t *f = malloc(MAXF);
	uint32_t l3, l4, len;
	struct vtap_seg s;

	(void)state;
	assert_non_null(f);
	len = build(&d, f, &l3, &l4);
	assert_int_equal(vtap_seg_start(&s, f, len, 0, 3018), -EINVAL);	       /* no mss */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 54), -EINVAL);       /* no room */
	assert_int_equal(vtap_seg_start(&s, f, len - 1, 1448, 3018), -EINVAL); /* cut short */
	for (uint32_t cut = 0; cut < l4 + 20; cut++)
		assert_int_equal(vtap_seg_start(&s, f, cut, 1448, 3018), -EINVAL);
	f[l3 + 9] = 17; /* UDP */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), -EINVAL);
	f[l3 + 9] = 6;
	ref_wr16(f + l3 + 6, 0x2000); /* more fragments */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), -EINVAL);
	ref_wr16(f + l3 + 6, 0);
	f[l4 + 12] = 0x40; /* a TCP header of 16 bytes */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), -EINVAL);
	f[l4 + 12] = 0x50;
	ref_wr16(f + 12, 0x0806); /* ARP */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), -EINVAL);
	ref_wr16(f + 12, 0x86dd); /* an IPv4 header as IPv6 */
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), -EINVAL);
	ref_wr16(f + 12, 0x0800);
	assert_int_equal(vtap_seg_start(&s, f, len, 1448, 3018), 0);
	free(f);
}

/* the 64-bit sum is the 16-bit one, at every length and alignment */
static void test_csum(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (uint32_t start = 0; start < 8; start += 2)
		for (uint32_t n = 0; n < 280; n++) {
			uint16_t mine = vtap_csum_fold(vtap_csum_add(0, buf + start, n)), be;

			be = (uint16_t)ref_sum16(0, buf + start, n);
			/* the host's byte order in, the host's out */
			assert_int_equal(ref_be16((const uint8_t *)&mine), be);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6_tags_options),
	    cmocka_unit_test(test_room_lowers_mss),
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_csum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
