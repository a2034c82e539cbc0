/* SPDX-License-Identifier: GPL-2.0 */
/* pcapng's blocks as vtap writes them (pcapng.c encodes, pcapng_file.c
 * writes files, pcapng_scan.c reads them back): block types, options, and
 * the size each block takes. Every block is: type, total length, body
 * padded to 32 bits, total length again. Options are code, length, value
 * padded to 32 bits, and the list ends with opt_endofopt. */
#ifndef VTAP_USER_PCAPNG_BLOCKS_H
#define VTAP_USER_PCAPNG_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "pcapng.h"

#define BT_SHB		  0x0A0D0D0Au
#define BT_IDB		  0x00000001u
#define BT_PB		  0x00000002u /* obsolete Packet Block: read back only */
#define BT_SPB		  0x00000003u /* Simple Packet Block: read back only */
#define BT_EPB		  0x00000006u
#define BYTE_ORDER_MAGIC  0x1A2B3C4Du
#define OPT_ENDOFOPT	  0
#define OPT_SHB_USERAPPL  4
#define OPT_IF_NAME	  2
#define OPT_IF_TSRESOL	  9
#define LINKTYPE_ETHERNET 1
#define TSRESOL_NS	  9 /* 10^-9 s */
#define USERAPPL	  "vtap"

static inline size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* An option with a value of n bytes, as stored. */
static inline size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

static inline size_t shb_size(void)
{
	/* type, length, magic, version 1.0, section length; userappl, endofopt; length */
	return 24 + opt_size(sizeof(USERAPPL) - 1) + 4 + 4;
}

static inline size_t idb_name_len(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > UINT16_MAX ? UINT16_MAX : n; /* an option's length is 16 bits */
}

static inline size_t idb_size(const char *name)
{
	size_t n = idb_name_len(name);

	/* type, length, linktype, reserved, snaplen; [if_name], if_tsresol, endofopt; length */
	return 16 + (n ? opt_size(n) : 0) + opt_size(1) + 4 + 4;
}

static inline size_t epb_size(uint32_t caplen)
{
	/* type, length, if_id, ts high, ts low, caplen, origlen; data; length */
	return 28 + pad4(caplen) + 4;
}

/* Room for n more bytes in b (false: out of memory, b->oom set). */
bool vtap_pcapng_buf_grow(struct vtap_pcapng_buf *b, size_t n);

#endif
