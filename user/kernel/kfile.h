/* SPDX-License-Identifier: GPL-2.0 */
/* One value in a kernel file: a sysctl under /proc/sys, a device's
 * attribute under /sys. Such a file holds one short line; a write stores
 * the whole value at once, and the kernel refuses a value it does not take
 * at that write (its errno is the answer, e.g. EOPNOTSUPP). */
#ifndef VTAP_USER_KFILE_H
#define VTAP_USER_KFILE_H

#include <stddef.h>

/* Opens the file whose path fmt makes, printf-style, with flags (O_RDONLY
 * or O_WRONLY; close-on-exec is added): an fd, or -errno. */
int vtap_kfile_open(int flags, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads the value into val (its newline cut; "" when there is none) and
 * closes fd: 0, -EIO for an empty or unreadable file, or fd itself when
 * it is an -errno of vtap_kfile_open. */
int vtap_kfile_get(int fd, char *val, size_t len);
/* Writes val and closes fd: 0, -errno of the store, or fd itself when it
 * is an -errno of vtap_kfile_open. */
int vtap_kfile_put(int fd, const char *val);

#endif
