/* SPDX-License-Identifier: GPL-2.0 */
/* A capture monitor's XDP program (bpf/vtap_xsk.bpf.c) outlives vtapd:
 * after `vtapd --keep` or a crash it stays on the sink veth's peer,
 * counting what it cannot hand to a socket (no_socket), so a restart loses
 * no copy uncounted. Its maps are pinned under the pin root, one
 * directory per peer (PIN_ROOT/capture-PEER/vtap_xsks, vtap_xsk_stats):
 * the next vtapd loads its program on them and replaces the old one in
 * place, so the counting goes on. Teardown removes program and pins. */
#ifndef VTAP_USER_XSK_PINS_H
#define VTAP_USER_XSK_PINS_H

#include <stdbool.h>

struct bpf_map;

/* The pin root vtapd runs with (NULL/"" until set: nothing is pinned). */
void vtap_xsk_pins_set_root(const char *pin_root);
/* Before the program loads: its maps reuse the pins of peer, or are
 * pinned there once made. 0, or -ENOENT without a pin root. */
int vtap_xsk_pin_maps(struct bpf_map *xsks, struct bpf_map *stats, const char *peer);
/* The pins of peer go (its program is off the peer). */
void vtap_xsk_unpin(const char *peer);
/* Kept captures under pin_root (NULL: the one set above) whose peer keep(arg, peer) does not keep
 * (keep NULL: all of them): the program off the peer, if it still uses
 * those maps, and the pins removed. said(arg, line) for each (may be
 * NULL). Returns how many were removed. */
int vtap_xsk_remove_kept(const char *pin_root, bool (*keep)(void *arg, const char *peer),
			 void (*said)(void *arg, const char *what), void *arg);

#endif
