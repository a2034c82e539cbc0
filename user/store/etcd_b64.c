// SPDX-License-Identifier: GPL-2.0
/* Base64 as etcd's gateway speaks it (Go's encoding/base64 StdEncoding):
 * keys and values are bytes, so they travel base64 in the JSON. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "store/etcd_json.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *etcd_b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int etcd_b64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len)
{
	size_t pad = 0, i, n = 0;

	*out = NULL;
	*out_len = 0;
	if (len % 4)
		return -EPROTO;
	if (len && s[len - 1] == '=')
		pad++;
	if (len > 1 && s[len - 2] == '=')
		pad++;
	unsigned char *buf = malloc(len / 4 * 3 + 1);

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i += 4) {
		int v[4];
		int j, last = i + 4 == len;

		for (j = 0; j < 4; j++) {
			v[j] = b64_value((unsigned char)s[i + j]);
			/* '=' only as the padding of the last quantum */
			if (v[j] < 0 && !(last && j >= 4 - (int)pad))
				goto bad;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;

		buf[n++] = (unsigned char)(w >> 16);
		if (!last || pad < 2) {
			w |= (uint32_t)v[2] << 6;
			buf[n++] = (unsigned char)(w >> 8);
		}
		if (!last || pad < 1) {
			w |= (uint32_t)v[3];
			buf[n++] = (unsigned char)w;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
bad:
	free(buf);
	return -EPROTO;
}
