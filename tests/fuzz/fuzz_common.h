/* SPDX-License-Identifier: GPL-2.0 */
/* What every vtap fuzz target needs: a CHECK that aborts with the target's
 * name (so libFuzzer keeps the input), and the input loaded as a policy
 * document from memory. Define FUZZ_NAME before including. */
#ifndef VTAP_FUZZ_COMMON_H
#define VTAP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/policy.h"

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, FUZZ_NAME ": check failed: %s: ", #cond);                  \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The origin label of the input in errors ("fuzz-input.yaml:LINE:COLUMN: ...") */
#define FUZZ_ORIGIN "fuzz-input.yaml"

/* Load the input as one policy document from memory (the path a policy
 * store's value takes: vtap_policy_docs_add, then vtap_policy_load_docs).
 * Returns what vtap_policy_load_docs returns; *set is empty on failure. */
static inline int fuzz_load_policy(const uint8_t *data, size_t size, struct vtap_policy_set *set,
				   struct vtap_errors *errs)
{
	struct vtap_policy_docs docs = {0};
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (vtap_policy_docs_add(&docs, FUZZ_ORIGIN, (const char *)data, size, errs) == 0)
		rc = vtap_policy_load_docs(&docs, set, errs);
	vtap_policy_docs_free(&docs);
	return rc;
}

#endif
