/* SPDX-License-Identifier: GPL-2.0 */
/* What every vtap fuzz target needs: a CHECK that aborts with the target's
 * name (so libFuzzer keeps the input), and the input as a file for the
 * policy loader, which reads files only. Define FUZZ_NAME before including. */
#ifndef VTAP_FUZZ_COMMON_H
#define VTAP_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, FUZZ_NAME ": check failed: %s: ", #cond);          \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			abort();                                                           \
		}                                                                          \
	} while (0)

static char fuzz_tmp_path[64];

static inline void fuzz_remove_tmp(void)
{
	if (fuzz_tmp_path[0])
		unlink(fuzz_tmp_path);
}

/* Write the input to this process's temp file (removed at exit); returns
 * its path. */
static inline const char *fuzz_write_input(const uint8_t *data, size_t size)
{
	int fd;

	if (!fuzz_tmp_path[0]) {
		snprintf(fuzz_tmp_path, sizeof(fuzz_tmp_path), "/tmp/vtap-" FUZZ_NAME ".%d.yaml",
			 (int)getpid());
		atexit(fuzz_remove_tmp);
	}
	fd = open(fuzz_tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "cannot create %s", fuzz_tmp_path);
	while (size) {
		ssize_t w = write(fd, data, size);

		CHECK(w > 0, "cannot write %s", fuzz_tmp_path);
		data += w;
		size -= (size_t)w;
	}
	close(fd);
	return fuzz_tmp_path;
}

#endif
