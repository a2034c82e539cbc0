// SPDX-License-Identifier: GPL-2.0
/* The compiler's bitmap pool: every distinct rule bitmap stored once (an
 * open-addressing table finds an equal one), each with its per-shape-slot
 * summary (include/vtap/classify.h). */
#include <stdint.h>
#include <string.h>

#include "compile_internal.h"

static void bm_summarise(const struct bm_builder *bb, struct vtap_bitmap *b)
{
	b->slots = 0;
	for (int k = 0; k < VTAP_SHAPE_SLOTS; k++) {
		b->slot_words[k] = 0;
		for (int i = 0; i < VTAP_BITMAP_WORDS; i++)
			if (b->words[i] & bb->slot_rules[k][i])
				b->slot_words[k] |= 1ULL << i;
		if (b->slot_words[k])
			b->slots |= 1ULL << k;
	}
}

static uint64_t bm_hash(const struct vtap_bitmap *b)
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < VTAP_BITMAP_WORDS; i++) {
		h ^= b->words[i];
		h *= 1099511628211ULL;
		h ^= h >> 29;
	}
	return h;
}

__u32 bm_intern(struct bm_builder *bb, struct vtap_bitmap *b)
{
	struct vtap_image *img = bb->img;
	size_t mask = bb->n_slots - 1;
	size_t s;

	bm_summarise(bb, b);
	for (s = bm_hash(b) & mask;; s = (s + 1) & mask) {
		__u32 v = bb->slots[s];

		if (v == UINT32_MAX)
			break;
		if (!memcmp(&img->pool[v], b, sizeof(*b)))
			return v;
	}
	if (img->n_pool >= VTAP_POOL_PER_GEN) {
		if (!bb->overflow)
			vtap_errors_add(bb->errs, NULL,
					"policies need more than %d distinct rule bitmaps (the per-"
					"generation limit); use fewer distinct ports, prefixes or "
					"port ranges",
					VTAP_POOL_PER_GEN);
		bb->overflow = 1;
		return VTAP_POOL_ALL;
	}
	img->pool[img->n_pool] = *b;
	bb->slots[s] = img->n_pool;
	return img->n_pool++;
}
