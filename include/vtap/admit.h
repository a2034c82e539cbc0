/* SPDX-License-Identifier: GPL-2.0 */
/* The copy step's admission (copy_plan.h): one copy per frame (dedup.h)
 * and the rate cap (rate.h), in that order, for the BPF taps and the
 * native tap alike. */
#ifndef VTAP_ADMIT_H
#define VTAP_ADMIT_H

#include "compat.h"
#include "map_types.h"
#include "rate.h"
#include "dedup.h"

/* vtap_admit's answers */
#define VTAP_ADMIT_COPY	 0
#define VTAP_ADMIT_DEDUP 1 /* the monitor has this frame (dedup.h) */
#define VTAP_ADMIT_RATE	 2 /* over the policy's rate cap (rate.h) */

/* Whether a copy (key: its dedup key, where: vtap_dedup_where) of len
 * bytes goes out now, as far as the table of copies (db: the key's bucket,
 * NULL when the rule asks for no dedup; t: vtap_dedup_time of now) and the
 * rate state (rt, NULL: no cap; now_ns) say. Two clocks because the BPF
 * taps read two: the dedup window (50 ms) is served by the kernel's coarse
 * clock (one tick), which costs a copy a few ns where the precise one costs
 * ~25 (a TSC read in this VM); the rate cap needs the precise one. A frame
 * sent already costs no token, and a copy over the cap leaves no
 * fingerprint, so the frame's other tap may still copy it. The backends
 * call it (vtap_tap_be_admit): the BPF one as a global function, which the
 * verifier checks once instead of once per path that reaches the copy
 * step. */
static __always_inline int vtap_admit(struct vtap_dedup_bucket *db, struct vtap_rate *rt, __u64 key,
				      __u32 where, __u32 t, __u64 now_ns, __u32 len)
{
	int way = 0;

	if (db && vtap_dedup_seen(db, key, t, where, &way))
		return VTAP_ADMIT_DEDUP;
	if (rt && !vtap_rate_admit(rt, now_ns, len))
		return VTAP_ADMIT_RATE;
	if (db)
		vtap_dedup_note(db, way, key, t, where);
	return VTAP_ADMIT_COPY;
}

#endif
