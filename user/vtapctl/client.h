/* SPDX-License-Identifier: GPL-2.0 */
/* vtapctl's side of the control protocol (ctl/ctl.h). */
#ifndef VTAP_VTAPCTL_CLIENT_H
#define VTAP_VTAPCTL_CLIENT_H

#include <stddef.h>

/* Send argv as one command line to the daemon on path and read its whole
 * reply: 0 with *reply (the "ok"/"error" line and the body, NUL-ended;
 * the caller frees it) and its length; an exit code (1, 2) after an error
 * said on stderr;
 * -1 when nobody is there (errno: why the connection failed). */
int vtapctl_request(const char *path, int argc, char **argv, char **reply, size_t *reply_len);

/* capture POLICY [-w FILE|-] [-c COUNT]: the daemon's pcapng stream of
 * POLICY's copies into FILE (a fifo too) or standard output, until the
 * daemon ends it, a signal, or the reader goes away. An exit code. */
int vtapctl_capture(const char *path, int argc, char **argv);

/* extcap ...: Wireshark's extcap interface (extcap.c) */
int vtapctl_extcap(const char *path, int argc, char **argv);

#endif
