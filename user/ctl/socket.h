/* SPDX-License-Identifier: GPL-2.0 */
/* The control socket's file: one server per path. A path where a server
 * answers is never taken over (whichever daemon it is: vtapd, vtap-dpdk);
 * only a dead server's socket is replaced, and never a file that is not a
 * socket. The socket is born 0600 (bound under umask 0177), in a directory
 * made 0755 when missing. */
#ifndef VTAP_USER_CTL_SOCKET_H
#define VTAP_USER_CTL_SOCKET_H

#include <stddef.h>
#include <sys/types.h>

/* Which file a server bound, so it removes its own socket only. */
struct vtap_ctl_sock_id {
	dev_t dev;
	ino_t ino;
};

/* What is at path: 0 = nothing, or a dead socket (may be replaced);
 * 1 = a server answers there (who: its program and pid, e.g.
 * "vtapd (pid 42)"); -errno otherwise (-ENOTSOCK: a file that is not a
 * socket; -ENAMETOOLONG). */
int vtap_ctl_socket_probe(const char *path, char *who, size_t who_len);
/* Before a daemon touches anything: 0 when it may serve on path, else -1
 * with the reason logged, naming the server that answers there. */
int vtap_ctl_socket_check(const char *path);
/* A listening socket (non-blocking) on path, or -errno with the reason
 * logged; id receives the file's identity. */
int vtap_ctl_socket_listen(const char *path, int backlog, struct vtap_ctl_sock_id *id);
/* Remove path if it still is the socket id names (not a successor's). */
void vtap_ctl_socket_remove(const char *path, const struct vtap_ctl_sock_id *id);

#endif
