/* SPDX-License-Identifier: GPL-2.0 */
/* Temporary directories and files for the unit tests that load policies
 * from the file system. Failures are cmocka assertions. */
#ifndef VTAP_TEST_TMPDIR_H
#define VTAP_TEST_TMPDIR_H

#include <stddef.h>

/* A new directory under /tmp (mode 0700); free with remove_tmpdir. */
char *make_tmpdir(void);
/* Remove d and everything in it, and free d. */
void remove_tmpdir(char *d);
/* Write len bytes of text to DIR/NAME; returns the path (malloc'ed). */
char *write_file(const char *dir, const char *name, const char *text, size_t len);

#endif
