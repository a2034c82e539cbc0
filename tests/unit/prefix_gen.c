// SPDX-License-Identifier: GPL-2.0
/* Prefix rule sets for the address table tests (prefix_gen.h). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "prefix_gen.h"

static uint32_t pg_seed = 4242;

uint32_t pg_rand(uint32_t n)
{
	pg_seed = pg_seed * 1103515245u + 12345u;
	return (pg_seed >> 8) % n;
}

static const char *const base4[] = {"10.1.2.3", "10.1.130.7", "192.168.255.1"};
static const char *const base6[] = {"fd00:1:2:3:4:5:6:7", "fd00:1:2:3:8000::1", "2001:db8::ffff"};

void pg_addr(int v6, uint8_t a[16])
{
	int bits = v6 ? 128 : 32, from = (int)pg_rand((uint32_t)bits + 1);
	uint8_t *p = v6 ? a : a + 12;

	memset(a, 0, 16);
	if (!v6)
		a[10] = a[11] = 0xff;
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? base6[pg_rand(3)] : base4[pg_rand(3)], p);
	for (int k = (int)pg_rand(3); k > 0 && from < bits; k--) {
		int bit = from + (int)pg_rand((uint32_t)(bits - from));

		p[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
	}
}

/* "addr/len" of a random prefix, the address cut to len; returns len */
static int pg_cidr(char *out, size_t cap, int v6)
{
	int bits = v6 ? 128 : 32, len = (int)pg_rand((uint32_t)bits + 1);
	uint8_t a[16], *p = v6 ? a : a + 12;
	char txt[INET6_ADDRSTRLEN];

	pg_addr(v6, a);
	for (int bit = len; bit < bits; bit++)
		p[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	inet_ntop(v6 ? AF_INET6 : AF_INET, p, txt, sizeof(txt));
	snprintf(out, cap, "\"%s/%d\"", txt, len);
	return len;
}

char *pg_yaml(int n, const char *last)
{
	size_t cap = (size_t)n * 300 + 128, off = 0;
	char *y = malloc(cap);

	assert_non_null(y);
	off += (size_t)snprintf(y + off, cap - off,
				"monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n");
	for (int i = 0; i < n; i++) {
		int side = (int)pg_rand(3), v6 = (int)pg_rand(2); /* side 2: both */
		char src[80] = "", dst[80] = "";
		int len = 0;

		/* longer prefixes mostly rank first, so the deep ones win frames */
		if (side != 1)
			len = pg_cidr(src, sizeof(src), v6);
		if (side != 0)
			len += pg_cidr(dst, sizeof(dst), v6);
		off += (size_t)snprintf(y + off, cap - off,
					"  - name: x%04d\n    priority: %u\n    direction: out\n"
					"    source: { ports: [vm1]%s%s }\n",
					i, 1000 - 3 * (unsigned int)len + pg_rand(40),
					*src ? ", cidr: " : "", src);
		if (*dst)
			off += (size_t)snprintf(y + off, cap - off,
						"    destination: { cidr: %s }\n", dst);
		off += (size_t)snprintf(y + off, cap - off, "    %s\n", last);
		assert_true(off < cap);
	}
	return y;
}
