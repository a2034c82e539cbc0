/* SPDX-License-Identifier: GPL-2.0 */
/* The control protocol of vtapd and vtap-dpdk (vtapctl speaks it): the
 * client writes one line, "COMMAND [ARG...]\n" (words separated by spaces),
 * at most VTAP_CTL_MAX_LINE - 1 bytes; the daemon answers "ok\n" or
 * "error\n" followed by the body, and closes. One request per connection.
 * `capture` (vtapd) answers "ok\n" and then the connection is a pcapng
 * stream. The server: server.h; the commands: command.h. */
#ifndef VTAP_USER_CTL_H
#define VTAP_USER_CTL_H

#define VTAP_DEFAULT_SOCKET	"/run/vtap/vtapd.sock"
#define VTAP_DEFAULT_PIN_ROOT	"/sys/fs/bpf/vtap"
#define VTAP_DEFAULT_POLICY_DIR "/etc/vtap/policies"
#define VTAP_CTL_MAX_LINE	4096

#endif
