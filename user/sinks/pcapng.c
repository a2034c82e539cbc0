// SPDX-License-Identifier: GPL-2.0
/* pcapng (draft-ietf-opsawg-pcapng) encoder (the file writer is
 * pcapng_file.c). Fields are written in host order: a reader learns the
 * order from the SHB's byte-order magic. */
#include <stdlib.h>
#include <string.h>

#include "pcapng_blocks.h"

/* ---- encoder ---- */

/* Room for n more bytes; a block is reserved whole before it is written,
 * so a failure leaves the buffer at the end of the previous block. */
static uint8_t *reserve(struct vtap_pcapng_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (n > UINT32_MAX) { /* the block's total length would not fit */
		b->oom = 1;
		return NULL;
	}
	if (b->cap - b->len < n) {
		cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

/* Field writers: each takes the cursor and returns it advanced. */
static uint8_t *put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/* n bytes of data, then zeros up to the next 32-bit boundary */
static uint8_t *put_padded(uint8_t *p, const void *data, size_t n)
{
	size_t pad = pad4(n) - n;

	if (n)
		memcpy(p, data, n);
	memset(p + n, 0, pad);
	return p + n + pad;
}

static uint8_t *put_opt(uint8_t *p, uint16_t code, const void *val, size_t n)
{
	p = put16(p, code);
	p = put16(p, (uint16_t)n);
	return put_padded(p, val, n);
}

/* The block header; the caller writes the body and then block_end(). */
static uint8_t *block_start(struct vtap_pcapng_buf *b, uint32_t type, size_t size)
{
	uint8_t *p = reserve(b, size);

	if (!p)
		return NULL;
	p = put32(p, type);
	return put32(p, (uint32_t)size);
}

static void block_end(struct vtap_pcapng_buf *b, uint8_t *p, size_t size)
{
	put32(p, (uint32_t)size);
	b->len += size;
}

bool vtap_pcapng_buf_grow(struct vtap_pcapng_buf *b, size_t n)
{
	return reserve(b, n) != NULL;
}

void vtap_pcapng_buf_free(struct vtap_pcapng_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void vtap_pcapng_shb(struct vtap_pcapng_buf *b)
{
	size_t size = shb_size();
	uint8_t *p = block_start(b, BT_SHB, size);

	if (!p)
		return;
	p = put32(p, BYTE_ORDER_MAGIC);
	p = put16(p, 1); /* major version */
	p = put16(p, 0); /* minor version */
	/* -1: length not known, so a reader cannot skip the section, and the
	 * writer need not come back to patch it (the file may be rotated away) */
	p = put64(p, UINT64_MAX);
	p = put_opt(p, OPT_SHB_USERAPPL, USERAPPL, sizeof(USERAPPL) - 1);
	p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	block_end(b, p, size);
}

void vtap_pcapng_idb(struct vtap_pcapng_buf *b, const char *name, uint32_t snaplen)
{
	size_t size = idb_size(name), n = idb_name_len(name);
	uint8_t tsresol = TSRESOL_NS;
	uint8_t *p = block_start(b, BT_IDB, size);

	if (!p)
		return;
	p = put16(p, LINKTYPE_ETHERNET);
	p = put16(p, 0); /* reserved */
	p = put32(p, snaplen);
	if (n)
		p = put_opt(p, OPT_IF_NAME, name, n);
	p = put_opt(p, OPT_IF_TSRESOL, &tsresol, 1);
	p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	block_end(b, p, size);
}

void vtap_pcapng_epb(struct vtap_pcapng_buf *b, uint32_t if_id, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen)
{
	size_t size = epb_size(caplen);
	uint8_t *p = block_start(b, BT_EPB, size);

	if (!p)
		return;
	p = put32(p, if_id);
	/* with if_tsresol 9 the 64-bit timestamp counts nanoseconds; it is
	 * stored as two 32-bit words, the high one first */
	p = put32(p, (uint32_t)(ts_ns >> 32));
	p = put32(p, (uint32_t)ts_ns);
	p = put32(p, caplen);
	p = put32(p, origlen < caplen ? caplen : origlen);
	p = put_padded(p, data, caplen);
	block_end(b, p, size);
}
