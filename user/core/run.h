/* SPDX-License-Identifier: GPL-2.0 */
/* Running a command-line tool the daemon drives (ovs-vsctl, ovs-ofctl,
 * nft): no shell, a bounded wait. */
#ifndef VTAP_CORE_RUN_H
#define VTAP_CORE_RUN_H

#include <stddef.h>

/* Run argv (no shell), stdin from `in` (may be NULL), stdout into out
 * (may be NULL), stderr's first line into err (may be NULL). The exit
 * status (128 when killed), or -errno when it could not run. A tool that
 * says nothing for 15 s is killed. */
int vtap_run_tool(char *const argv[], const char *in, char *out, size_t outlen, char *err,
		  size_t errlen);

#endif
