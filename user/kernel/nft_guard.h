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
/* Is dev's guard there (false only when nft says it is not)? */
bool vtap_nft_guard_present(const char *table, const char *dev);
/* Take dev's guard off (none there: 0). */
int vtap_nft_guard_del(const char *table, const char *dev);
/* The frames dev's guard dropped; 0 or a negative errno. */
int vtap_nft_guard_dropped(const char *table, const char *dev, uint64_t *pkts);
/* The devices with a guard in table (a previous vtapd's, at start): up to
 * max names; the number found, or a negative errno (no table: 0). */
int vtap_nft_guard_list(const char *table, char (*devs)[IF_NAMESIZE], int max);
/* The table and every guard in it: 1, or 0 when there was none (or no
 * nft), or a negative errno. */
int vtap_nft_guard_drop_table(const char *table);

#endif
