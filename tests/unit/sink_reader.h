/* SPDX-License-Identifier: GPL-2.0 */
/* The frames a sink delivers, as its peer receives them: a packet socket on
 * the peer of a sink veth, the VLAN tag the stack took out of the frame put
 * back in (PACKET_AUXDATA), frames the peer sends itself left out. For unit
 * tests that check what a copy looks like after the real sink program. */
#ifndef VTAP_TEST_SINK_READER_H
#define VTAP_TEST_SINK_READER_H

#include <stddef.h>
#include <stdint.h>

/* A packet socket on interface name; -1 on error (errno set). */
int sink_reader_open(const char *name);
/* Drop whatever is queued. */
void sink_reader_drain(int fd);
/* The next frame into buf (at most cap bytes), waiting up to timeout_ms;
 * returns its length, or -1 when none came. */
int sink_reader_next(int fd, uint8_t *buf, size_t cap, int timeout_ms);

#endif
