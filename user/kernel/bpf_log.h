/* SPDX-License-Identifier: GPL-2.0 */
/* libbpf's messages through vtap's logger (core/log.h), the way xdp-tools
 * does it: libbpf's chatter at debug level, its warnings as warnings, and
 * the expected answers to vtap's probes silenced. */
#ifndef VTAP_USER_BPF_LOG_H
#define VTAP_USER_BPF_LOG_H

/* After vtap_log_init(): route libbpf_set_print() into the logger. */
void vtap_bpf_log_init(void);

#endif
