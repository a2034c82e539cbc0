/* SPDX-License-Identifier: GPL-2.0 */
/* One logger for vtapd, vtapctl and vtap-dpdk: stderr or syslog, with levels.
 * libbpf's messages are routed through it by kernel/bpf_log.h. */
#ifndef VTAP_USER_LOG_H
#define VTAP_USER_LOG_H

#include <stdbool.h>

enum vtap_log_level { VTAP_LOG_ERR = 0, VTAP_LOG_WARN, VTAP_LOG_INFO, VTAP_LOG_DEBUG };

void vtap_log_init(const char *ident, enum vtap_log_level level, int use_syslog);
/* Would a message of this level be written? */
bool vtap_log_enabled(enum vtap_log_level level);
void vtap_log_set_level(enum vtap_log_level level);
int vtap_log_parse_level(const char *s, enum vtap_log_level *out);
void vtap_log(enum vtap_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) vtap_log(VTAP_LOG_ERR, __VA_ARGS__)
#define log_warn(...) vtap_log(VTAP_LOG_WARN, __VA_ARGS__)
#define log_info(...) vtap_log(VTAP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) vtap_log(VTAP_LOG_DEBUG, __VA_ARGS__)

#endif
