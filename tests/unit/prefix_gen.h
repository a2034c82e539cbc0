/* SPDX-License-Identifier: GPL-2.0 */
/* Rule sets whose CIDRs are prefixes of every length of both families,
 * nested deeply, and addresses near them (prefix_gen.c): test_classify
 * checks the native classifier on them against the reference matcher,
 * test_bpf the BPF taps against the native classifier. */
#ifndef VTAP_TEST_PREFIX_GEN_H
#define VTAP_TEST_PREFIX_GEN_H

#include <stdint.h>

/* The next pseudo-random number below n (a fixed sequence per process). */
uint32_t pg_rand(uint32_t n);
/* A random address near one of a few bases (bits flipped after a random
 * position), IPv4 as IPv4-mapped IPv6. */
void pg_addr(int v6, uint8_t a[16]);
/* A policy document of n rules x0000... on port vm1, direction out, each
 * with a source prefix, a destination prefix or both (one family per
 * rule), longer prefixes mostly ranked first; every rule ends with the
 * line `last` (e.g. "monitor: mon" or "action: skip"). Free it. */
char *pg_yaml(int n, const char *last);

#endif
