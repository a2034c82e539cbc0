/* SPDX-License-Identifier: GPL-2.0 */
/* The control server vtapd and vtap-dpdk run (protocol: ctl.h). It never
 * blocks its caller: every client is a non-blocking connection with its own
 * bounded request buffer, bounded reply queue and deadline, served a piece
 * at a time as epoll reports it ready. A client that says nothing, or that
 * stops reading its reply, is dropped at its deadline; it never delays the
 * daemon's other work. Only root's connections are served (SO_PEERCRED).
 *
 * The server is one fd (an epoll set of its own: the listening socket, the
 * clients, a timer for the deadlines). The daemon watches it (EPOLLIN, or
 * poll) and calls vtap_ctl_server_run when it is readable. */
#ifndef VTAP_USER_CTL_SERVER_H
#define VTAP_USER_CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include "command.h"

/* The bounds (docs/limits.md, "Control socket") */
#define VTAP_CTL_CLIENTS    64		/* connections served at once */
#define VTAP_CTL_REQUEST_MS 2000	/* from connect to the end of the request line */
#define VTAP_CTL_REPLY_MS   5000	/* from the request to the reply's last byte read */
#define VTAP_CTL_REPLY_MAX  (4u << 20)	/* bytes of one reply */
#define VTAP_CTL_QUEUED_MAX (16u << 20) /* bytes of replies not yet read, all clients */

struct vtap_ctl_limits {
	unsigned int clients, request_ms, reply_ms;
	size_t reply_max, queued_max;
};

struct vtap_ctl_server_conf {
	const char *path;
	const char *name; /* the daemon, in answers and logs: "vtapd", "vtap-dpdk" */
	const struct vtap_ctl_table *table;
	void *srv;			      /* the handlers' first argument */
	const struct vtap_ctl_limits *limits; /* NULL: the VTAP_CTL_* bounds */
};

struct vtap_ctl_server;

/* Listen on conf->path (socket.h: refused when a server answers there).
 * NULL with the reason logged. conf's strings and table must outlive it. */
struct vtap_ctl_server *vtap_ctl_server_open(const struct vtap_ctl_server_conf *conf);
int vtap_ctl_server_fd(const struct vtap_ctl_server *s);
/* Serve what is ready (accept, read, answer, write, expire), without
 * blocking; a bounded amount of work per call. */
void vtap_ctl_server_run(struct vtap_ctl_server *s);
/* A VTAP_CTL_QUIT command was answered: the daemon should stop. */
bool vtap_ctl_server_quit(const struct vtap_ctl_server *s);
/* Connections being served now */
size_t vtap_ctl_server_clients(const struct vtap_ctl_server *s);
/* Close every connection and the socket; remove the socket file if it is
 * still this server's. */
void vtap_ctl_server_close(struct vtap_ctl_server *s);

/* Line framing of a request (exposed for the unit tests): buf holds len
 * bytes of a buffer of cap. Returns the length of the line before its
 * newline, VTAP_CTL_FRAME_MORE when more bytes are needed,
 * VTAP_CTL_FRAME_LONG when cap - 1 bytes hold no newline, or
 * VTAP_CTL_FRAME_BINARY when the line holds a NUL byte. */
#define VTAP_CTL_FRAME_MORE   (-1)
#define VTAP_CTL_FRAME_LONG   (-2)
#define VTAP_CTL_FRAME_BINARY (-3)
long vtap_ctl_frame(const char *buf, size_t len, size_t cap);

#endif
