/* SPDX-License-Identifier: GPL-2.0 */
/* Private to the compiler (compile.c, compile_bitmap.c, compile_fields.c,
 * compile_pfx.c):
 * the bitmap pool being built and the rules in rank order. */
#ifndef VTAP_USER_COMPILE_INTERNAL_H
#define VTAP_USER_COMPILE_INTERNAL_H

#include "image.h"

struct bm_builder {
	struct vtap_image *img;
	/* the rules of each shape slot, word by word: what a bitmap's slot
	 * words are computed from */
	__u64 slot_rules[VTAP_SHAPE_SLOTS][VTAP_BITMAP_WORDS];
	/* open-addressing table of pool indices, for deduplication */
	__u32 *slots;
	size_t n_slots;
	struct vtap_errors *errs;
	int overflow;
};

struct ranked {
	const struct vtap_policy *p;
	int index;
};

static inline void bm_set(struct vtap_bitmap *b, unsigned int bit)
{
	b->words[bit / 64] |= 1ULL << (bit % 64);
}

static inline void bm_or(struct vtap_bitmap *d, const struct vtap_bitmap *s)
{
	for (int i = 0; i < VTAP_BITMAP_WORDS; i++)
		d->words[i] |= s->words[i];
}

/* Store b (summarised here) once in the pool; returns its relative pool
 * index (VTAP_POOL_ALL, with an error, when the pool is full). */
__u32 bm_intern(struct bm_builder *bb, struct vtap_bitmap *b);

/* Each field's table from the ranked rules rk[0..n) (compile_fields.c);
 * wild: the rules that do not constrain the field. side: 0 source, 1
 * destination. */
int compile_ports(struct bm_builder *bb, const struct ranked *rk, size_t n,
		  const struct vtap_compile_env *env);
int compile_prefixes(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
		     const struct vtap_bitmap *wild);
/* The address table of side from img->prefixes[side] (compile_pfx.c). */
int compile_pfx_table(struct bm_builder *bb, int side);
int compile_l4ports(struct bm_builder *bb, const struct ranked *rk, size_t n, int side,
		    const struct vtap_bitmap *wild, __u16 *table);
int compile_values(struct bm_builder *bb, const struct ranked *rk, size_t n, int field,
		   const struct vtap_bitmap *wild, __u16 *table, size_t space);

/* Clears VTAP_RULE_DEDUP from the rules of img (rk[0..n), ports and rules
 * filled) whose monitor no other tap point copies to (compile_dedup.c). */
int compile_dedup(const struct vtap_policy_set *set, const struct ranked *rk, size_t n,
		  struct vtap_image *img);

/* The groups of set into img->groups (compile_groups.c); group_of[m]: the
 * group index of monitor m, -1 for monitors that are not groups. Returns 0,
 * or -1 with an error (too many groups). */
int compile_groups(const struct vtap_policy_set *set, const struct vtap_compile_env *env,
		   struct vtap_image *img, int *group_of, struct vtap_errors *errs);

#endif
