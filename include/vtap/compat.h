/* SPDX-License-Identifier: GPL-2.0 */
/* What header code needs to compile both as BPF (clang -target bpf, after
 * vmlinux.h and bpf_helpers.h) and natively (gcc, user space). */
#ifndef VTAP_COMPAT_H
#define VTAP_COMPAT_H

#ifdef __bpf__
#include <bpf/bpf_helpers.h>
#else
#include <linux/types.h>
#include <string.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#ifndef VTAP_UNROLL
#ifdef __bpf__
#define VTAP_UNROLL _Pragma("unroll")
#else
#define VTAP_UNROLL
#endif
#endif

/* Hide a value from the compiler's range analysis, so that a bounds mask
 * written after a check it makes redundant survives for the verifier
 * (clang otherwise folds the mask into the check's sign test, which the
 * verifier does not follow). Nothing natively. */
#ifdef __bpf__
#define VTAP_OPAQUE(v) asm volatile("" : "+r"(v))
#else
#define VTAP_OPAQUE(v) ((void)0)
#endif

/* Count trailing zeros of a non-zero word. BPF has no ctz instruction, so
 * both builds use the same branch-light binary search. */
static __always_inline __u32 vtap_ctz64(__u64 x)
{
	__u32 n = 0;

	if (!(x & 0xffffffffULL)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

#endif
