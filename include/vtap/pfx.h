/* SPDX-License-Identifier: GPL-2.0 */
/* The keys of the address tables (struct vtap_pfx_slot): how an address is
 * masked to a length and where it is placed. Shared by the classifier
 * (include/vtap/classify.h, BPF and native) and the compiler that fills the
 * tables (user/core/compile_pfx.c), so both agree by construction. */
#ifndef VTAP_PFX_H
#define VTAP_PFX_H

#include "compat.h"
#include "limits.h"

/* An address's host-order word of its big-endian bytes p[0..7]. */
static __always_inline __u64 vtap_be64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The first 1..128 bits of (hi, lo), the rest zero. */
static __always_inline void vtap_pfx_mask(__u64 hi, __u64 lo, __u32 len, __u64 *mh, __u64 *ml)
{
	if (len <= 64) {
		*mh = hi & (~0ULL << ((64 - len) & 63)) & (len ? ~0ULL : 0);
		*ml = 0;
	} else {
		*mh = hi;
		*ml = lo & (~0ULL << ((128 - len) & 63));
	}
}

/* The home slot of a masked address in an address table (the compiler,
 * user/core/compile_pfx.c, places entries with the same function). A bit of
 * a product depends only on the factors' bits at or below it, so the slot
 * is taken from the top bits of the second product, which depend on every
 * bit of the key. */
static __always_inline __u32 vtap_pfx_hash(__u64 seed, __u64 mh, __u64 ml, __u32 len_fam)
{
	__u64 h = (mh ^ seed) * 0x9e3779b97f4a7c15ULL;

	h = (h ^ ml ^ len_fam) * 0xff51afd7ed558ccdULL;
	return (__u32)(h >> (64 - VTAP_PFX_BITS));
}

#endif
