// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "bpf_log.h"
#include "core/log.h"

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	enum vtap_log_level level = l == LIBBPF_WARN ? VTAP_LOG_WARN : VTAP_LOG_DEBUG;
	char buf[1024];
	size_t n;

	if (!vtap_log_enabled(level))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	/* expected answers to probes: creating a clsact that exists, querying
	 * a hook that has no filter of ours */
	if (strstr(buf, "Exclusivity flag on") || strstr(buf, "Parent Qdisc doesn't exists") ||
	    strstr(buf, "Cannot find specified filter chain"))
		level = VTAP_LOG_DEBUG;
	if (vtap_log_enabled(level))
		vtap_log(level, "%s", buf);
	return 0;
}

void vtap_bpf_log_init(void)
{
	libbpf_set_print(libbpf_print);
}
