/* SPDX-License-Identifier: GPL-2.0 */
/* Reading back a pcapng file the writer (pcapng.h) is to continue: where
 * its whole blocks end, and the interfaces and packets of its last
 * section, so the writer goes on in that section with the same interface
 * ids (a second section would do for the format, but Wireshark 4.0 names
 * a later section's packets by the first section's interfaces). */
#ifndef VTAP_USER_PCAPNG_SCAN_H
#define VTAP_USER_PCAPNG_SCAN_H

#include <stdint.h>
#include <sys/types.h>

struct vtap_pcapng_scan {
	off_t end;	   /* after the last whole block */
	char **names;	   /* the last section's interfaces, in id order ("" unnamed) */
	uint32_t *snaplen; /* theirs */
	uint32_t n;
	uint64_t packets; /* packet blocks in the last section */
};

/* 0 and *s; -EINVAL when the file (size bytes) does not start with an SHB
 * in this host's byte order, or a section in another byte order follows;
 * -ENOMEM, or -errno of a read. A block cut short, or anything that does
 * not read as a block, ends the whole blocks there. */
int vtap_pcapng_scan(int fd, off_t size, struct vtap_pcapng_scan *s);
void vtap_pcapng_scan_free(struct vtap_pcapng_scan *s);

#endif
