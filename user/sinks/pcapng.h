/* SPDX-License-Identifier: GPL-2.0 */
/* pcapng output for capture monitors: a block encoder into a growing buffer,
 * and a file writer with logrotate-style rotation built on it. Blocks are in
 * host byte order; the byte-order magic in the SHB tells readers which. */
#ifndef VTAP_USER_PCAPNG_H
#define VTAP_USER_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

/* Wireshark refuses an Ethernet packet with more captured bytes than this
 * (WTAP_MAX_PACKET_SIZE_STANDARD); the file writer truncates to it. */
#define VTAP_PCAPNG_MAX_CAPLEN 262144u

/* ---- block encoder ---- */

/* Blocks are appended whole or not at all: when memory runs out (or a block
 * would be longer than the 32-bit total length can say) nothing of it is
 * appended and oom is set; later appends are then ignored, as in sbuf. */
struct vtap_pcapng_buf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

void vtap_pcapng_buf_free(struct vtap_pcapng_buf *b);
/* Section Header Block, section length unknown, with shb_userappl "vtap". */
void vtap_pcapng_shb(struct vtap_pcapng_buf *b);
/* Interface Description Block: LINKTYPE_ETHERNET, snaplen (0 = no limit),
 * if_name = name (omitted if NULL or empty; at most 65535 bytes kept) and
 * if_tsresol = 9 (timestamps in nanoseconds). */
void vtap_pcapng_idb(struct vtap_pcapng_buf *b, const char *name, uint32_t snaplen);
/* Enhanced Packet Block, no options: caplen bytes of data, origlen the length
 * on the wire (raised to caplen if smaller), ts_ns in nanoseconds. */
void vtap_pcapng_epb(struct vtap_pcapng_buf *b, uint32_t if_id, uint64_t ts_ns, const void *data,
		     uint32_t caplen, uint32_t origlen);

/* ---- file writer ---- */

/* Interfaces are registered by name and numbered in order of registration;
 * every file written (each rotated one too) starts with an SHB and the IDBs
 * of all interfaces registered so far, in id order. */
struct vtap_pcapng_file;

/* Opens path (mode 0600, truncated; a symlink there is refused with -ELOOP,
 * anything but a regular file with -EINVAL). rotate_size: start a new file
 * before the active one would exceed this many bytes (0 = never; a file
 * still gets its headers and at least one packet). rotate_count: files kept,
 * the active one included (0 = unlimited): PATH -> PATH.1 -> PATH.2 ...,
 * PATH.1 the newest rotated file; files beyond the count are removed.
 * Returns 0 or -errno; *f is NULL on failure. */
int vtap_pcapng_file_open(struct vtap_pcapng_file **f, const char *path, uint64_t rotate_size,
			  uint32_t rotate_count);
/* The same, but a pcapng file already at path (one that starts with an SHB
 * in this host's byte order) is continued, not truncated: anything after
 * its last whole block (a write cut short by a crash) is cut off, and the
 * writer goes on in its last section, with the interfaces that section
 * has (a name registered again gets its old id; new ones get IDBs after
 * the last block). A file that is not such pcapng is started over, as by
 * vtap_pcapng_file_open. */
int vtap_pcapng_file_resume(struct vtap_pcapng_file **f, const char *path, uint64_t rotate_size,
			    uint32_t rotate_count);
/* The interface id for name, registering it the first time (its IDB goes
 * into the active file now, or before the next packet if it would make the
 * file rotate). A second registration keeps the first snaplen: an IDB cannot
 * change within a section. -EINVAL for an empty name, -ENOMEM. */
int vtap_pcapng_file_iface(struct vtap_pcapng_file *f, const char *name, uint32_t snaplen);
/* Buffers one packet (rotating first if the file would grow past
 * rotate_size); caplen above VTAP_PCAPNG_MAX_CAPLEN is cut to it. -EINVAL for
 * an unknown if_id or origlen < caplen. An output failure (write, rotation,
 * memory) is counted in errors and returned as -errno: this packet is lost,
 * and so are the packets buffered with it. Never aborts: the next call tries
 * again (reopening PATH if it had to be closed). */
int vtap_pcapng_file_write(struct vtap_pcapng_file *f, uint32_t if_id, uint64_t ts_ns,
			   const void *data, uint32_t caplen, uint32_t origlen);

/* Over the writer's life: packets and bytes (of blocks, headers included)
 * that reached files with write(2), rotations done, output failures. */
struct vtap_pcapng_file_stats {
	uint64_t packets, bytes, rotations, errors;
};

void vtap_pcapng_file_stats(const struct vtap_pcapng_file *f, struct vtap_pcapng_file_stats *s);
/* Writes out the buffered blocks (up to 64 KiB are kept otherwise).
 * 0 or -errno; on failure the file is cut back to its last whole block. */
int vtap_pcapng_file_flush(struct vtap_pcapng_file *f);
/* Flushes, closes and frees; NULL is fine. */
void vtap_pcapng_file_close(struct vtap_pcapng_file *f);

#endif
