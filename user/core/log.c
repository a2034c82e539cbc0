// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdbool.h>
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

void vtap_log_init(const char *ident, enum vtap_log_level level, int use_syslog)
{
	log_ident = ident;
	cur_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

bool vtap_log_enabled(enum vtap_log_level level)
{
	return level <= cur_level;
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
