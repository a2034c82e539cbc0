/* SPDX-License-Identifier: GPL-2.0 */
/* What the policy unit tests share: temporary directories and files to
 * load policies from, and looking into an error list. Failures are cmocka
 * assertions. */
#ifndef VTAP_TEST_POLICY_HELPERS_H
#define VTAP_TEST_POLICY_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

struct vtap_errors;

/* A new directory under /tmp (mode 0700); free with remove_tmpdir. */
char *make_tmpdir(void);
/* Remove d and everything in it, and free d. */
void remove_tmpdir(char *d);
/* Write len bytes of text to DIR/NAME; returns the path (malloc'ed). */
char *write_file(const char *dir, const char *name, const char *text, size_t len);

/* Every error, one per line (cmocka's print_message). */
void print_errors(const struct vtap_errors *e);
/* Whether an error contains sub. */
bool has_error(const struct vtap_errors *e, const char *sub);

#endif
