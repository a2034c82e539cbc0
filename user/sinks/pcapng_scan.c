// SPDX-License-Identifier: GPL-2.0
/* Reading back a pcapng file to continue it: pcapng_scan.h. The blocks are
 * walked through a window of the file read in large pieces, so a long
 * file costs a few reads per MiB, not one per block. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pcapng_blocks.h"
#include "pcapng_scan.h"

#define WINDOW (1u << 20)

struct reader {
	int fd;
	off_t size, woff;
	size_t wlen;
	uint8_t *win;
	int err;
};

/* n bytes at off into dst; false past the end or on a read error. */
static bool get(struct reader *r, off_t off, void *dst, size_t n)
{
	ssize_t got;

	if (off < 0 || off + (off_t)n > r->size)
		return false;
	if (off < r->woff || off + (off_t)n > r->woff + (off_t)r->wlen) {
		if (n > WINDOW)
			return pread(r->fd, dst, n, off) == (ssize_t)n;
		got = pread(r->fd, r->win, WINDOW, off);
		if (got < 0)
			r->err = -errno;
		if (got < (ssize_t)n)
			return false;
		r->woff = off;
		r->wlen = (size_t)got;
	}
	memcpy(dst, r->win + (off - r->woff), n);
	return true;
}

static uint32_t u32_at(struct reader *r, off_t off, bool *ok)
{
	uint32_t v = 0;

	*ok = *ok && get(r, off, &v, sizeof(v));
	return v;
}

static void forget(struct vtap_pcapng_scan *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		free(s->names[i]);
	s->n = 0;
	s->packets = 0;
}

/* An IDB at off, len bytes: its snaplen and if_name option. */
static int add_idb(struct reader *r, off_t off, uint32_t len, struct vtap_pcapng_scan *s)
{
	uint8_t *b = malloc(len);
	char **names = reallocarray(s->names, s->n + 1, sizeof(*names));
	uint32_t *snap = reallocarray(s->snaplen, s->n + 1, sizeof(*snap));
	char *name = NULL;
	uint32_t p = 16;

	if (names)
		s->names = names;
	if (snap)
		s->snaplen = snap;
	if (!b || !names || !snap || !get(r, off, b, len)) {
		free(b);
		return r->err ? r->err : -ENOMEM;
	}
	/* options: code, length, value padded to 4 bytes; the last 4 bytes of
	 * the block repeat its length */
	while (p + 4 <= len - 4 && !name) {
		uint16_t code, olen;

		memcpy(&code, b + p, 2);
		memcpy(&olen, b + p + 2, 2);
		if (code == 0 || p + 4 + olen > len - 4)
			break;
		if (code == OPT_IF_NAME)
			name = strndup((char *)b + p + 4, olen);
		p += 4 + ((olen + 3u) & ~3u);
	}
	memcpy(&s->snaplen[s->n], b + 12, 4);
	free(b);
	s->names[s->n] = name ? name : strdup("");
	if (!s->names[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

int vtap_pcapng_scan(int fd, off_t size, struct vtap_pcapng_scan *s)
{
	struct reader r = {.fd = fd, .size = size};
	off_t pos = 0;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	r.win = malloc(WINDOW);
	if (!r.win)
		return -ENOMEM;
	for (;;) {
		bool ok = true;
		uint32_t type = u32_at(&r, pos, &ok), len = u32_at(&r, pos + 4, &ok);

		if (!ok || len < 12 || len % 4 || pos + (off_t)len > size ||
		    u32_at(&r, pos + len - 4, &ok) != len || !ok)
			break;
		if (type == BT_SHB) {
			if (u32_at(&r, pos + 8, &ok) != BYTE_ORDER_MAGIC || !ok) {
				ret = -EINVAL;
				break;
			}
			forget(s);
		} else if (pos == 0) {
			ret = -EINVAL; /* not pcapng */
			break;
		} else if (type == BT_IDB && len >= 20) {
			if ((ret = add_idb(&r, pos, len, s)))
				break;
		} else if (type == BT_EPB || type == BT_SPB || type == BT_PB) {
			s->packets++;
		}
		pos += len;
	}
	if (!ret && pos == 0)
		ret = r.err ? r.err : -EINVAL;
	s->end = pos;
	free(r.win);
	if (ret)
		vtap_pcapng_scan_free(s);
	return ret;
}

void vtap_pcapng_scan_free(struct vtap_pcapng_scan *s)
{
	forget(s);
	free(s->names);
	free(s->snaplen);
	memset(s, 0, sizeof(*s));
}
