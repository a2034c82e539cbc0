/* SPDX-License-Identifier: GPL-2.0 */
/* The control socket between vtapctl and vtapd: the client writes one line,
 * "COMMAND [ARG...]\n" (arguments separated by single spaces); the daemon
 * answers "ok\n" or "error\n" followed by the body, and closes. */
#ifndef VTAP_USER_CTL_H
#define VTAP_USER_CTL_H

#define VTAP_DEFAULT_SOCKET "/run/vtap/vtapd.sock"
#define VTAP_DEFAULT_PIN_ROOT "/sys/fs/bpf/vtap"
#define VTAP_DEFAULT_POLICY_DIR "/etc/vtap/policies"
#define VTAP_CTL_MAX_LINE 4096

#endif
