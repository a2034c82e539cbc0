/* SPDX-License-Identifier: GPL-2.0 */
/* The nftables guard of a local monitor port that has no sink program
 * (vtapd --sink-hook nft): a netdev egress chain on the port that counts
 * and drops every frame the host itself sends out of it. Copies made in tc
 * (bpf_clone_redirect) never meet it: the kernel skips netfilter's egress
 * hook for a frame tc redirected (skb->nf_skip_egress), so they cost
 * nothing there. Driven with nft(8), one table per pin root. */
#ifndef VTAP_KERNEL_NFT_GUARD_H
#define VTAP_KERNEL_NFT_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#define VTAP_NFT_TABLE_MAX 256 /* nftables' NFT_NAME_MAXLEN */

/* The table of the daemon whose pins are under pin_root: "vtap" and the
 * path, every character other than a letter or digit as _XX (its hex
 * code). 0, or -ENAMETOOLONG when it does not fit len (table is then
 * "vtap", which no vtapd's guards use). */
int vtap_nft_guard_table(const char *pin_root, char *table, size_t len);
/* Can dev have a guard (its name is a valid nft chain name's tail)? */
bool vtap_nft_guard_name_ok(const char *dev);
/* Put the guard on dev (again: its counter restarts), in one transaction.
 * 0, or a negative errno with nft's first line of complaint in err. */
int vtap_nft_guard_add(const char *table, const char *dev, char *err, size_t errlen);
/* Take dev's guard off (none there: 0). */
int vtap_nft_guard_del(const char *table, const char *dev);
/* Every guard in a table and the frames it dropped, read with one nft
 * run (a stats request or an apply asks about all guarded ports at once).
 * As many as the tap has slots for them (VTAP_BARE_SLOTS). */
#define VTAP_NFT_GUARDS_MAX 256
struct vtap_nft_guards {
	int n;
	char dev[VTAP_NFT_GUARDS_MAX][IF_NAMESIZE];
	/* the chain has its rule, "counter drop" (a flushed chain guards
	 * nothing), and the frames it dropped */
	bool guards[VTAP_NFT_GUARDS_MAX];
	uint64_t dropped[VTAP_NFT_GUARDS_MAX];
};
/* 0 (no table: none), or a negative errno when nft could not say. */
int vtap_nft_guards_read(const char *table, struct vtap_nft_guards *g);
/* The same for the table of the vtapd whose pins are under pin_root, into
 * a new snapshot (free() it); NULL when nft could not say. */
struct vtap_nft_guards *vtap_nft_guards_of(const char *pin_root);
/* dev's index in g when its chain guards (has its rule), or -1. */
int vtap_nft_guards_find(const struct vtap_nft_guards *g, const char *dev);
/* The table and every guard in it: 1, or 0 when there was none (or no
 * nft), or a negative errno. */
int vtap_nft_guard_drop_table(const char *table);

#endif
