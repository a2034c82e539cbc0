// SPDX-License-Identifier: GPL-2.0
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include "log.h"

static enum vtap_log_level cur_level = VTAP_LOG_INFO;
static int to_syslog;
static const char *log_ident = "vtap";
static const char *const level_names[] = { "error", "warning", "info", "debug" };

static void vlog(enum vtap_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (level > cur_level)
		return;
	if (to_syslog) {
		vsyslog(prio[level], fmt, ap);
		return;
	}
	/* the length first: testing *fmt after vfprintf() makes gcc's
	 * -fsanitize=undefined build see a null format (-Wformat-overflow) */
	size_t len = strlen(fmt);

	fprintf(stderr, "%s: %s: ", log_ident, level_names[level]);
	vfprintf(stderr, fmt, ap);
	if (!len || fmt[len - 1] != '\n')
		fputc('\n', stderr);
}

void vtap_log(enum vtap_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* libbpf's own chatter is debug; its warnings stay warnings. */
static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	enum vtap_log_level level = l == LIBBPF_WARN ? VTAP_LOG_WARN : VTAP_LOG_DEBUG;
	char buf[1024];
	size_t n;

	if (level > cur_level)
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
	if (level <= cur_level)
		vtap_log(level, "%s", buf);
	return 0;
}

void vtap_log_init(const char *ident, enum vtap_log_level level, int use_syslog)
{
	log_ident = ident;
	cur_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
	libbpf_set_print(libbpf_print);
}

void vtap_log_set_level(enum vtap_log_level level)
{
	cur_level = level;
}

int vtap_log_parse_level(const char *s, enum vtap_log_level *out)
{
	for (int i = 0; i <= VTAP_LOG_DEBUG; i++) {
		if (!strcmp(s, level_names[i]) || (i == 1 && !strcmp(s, "warn")) ||
		    (i == 0 && !strcmp(s, "err"))) {
			*out = (enum vtap_log_level)i;
			return 0;
		}
	}
	return -1;
}
