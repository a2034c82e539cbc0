// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "kfile.h"

int vtap_kfile_open(int flags, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	int n, fd;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int vtap_kfile_get(int fd, char *val, size_t len)
{
	ssize_t n;

	if (len)
		val[0] = 0;
	if (fd < 0)
		return fd;
	n = len ? read(fd, val, len - 1) : -1;
	close(fd);
	if (n <= 0)
		return -EIO;
	val[n] = 0;
	val[strcspn(val, "\n")] = 0;
	return 0;
}

int vtap_kfile_put(int fd, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return fd;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}
