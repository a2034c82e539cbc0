/* SPDX-License-Identifier: GPL-2.0 */
/* The commands a control server answers: one table of {name, handler,
 * flags} per daemon, looked up by the request line's first word. A handler
 * writes the body of the answer (the server adds the "ok"/"error" line);
 * a VTAP_CTL_STREAM handler may instead take the connection over (vtapd's
 * `capture`: the connection becomes a pcapng stream). */
#ifndef VTAP_USER_CTL_COMMAND_H
#define VTAP_USER_CTL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include "core/policy.h"
#include "core/sbuf.h"

#define VTAP_CTL_MAX_ARGS 8

struct vtap_metrics;

struct vtap_ctl_req {
	char *argv[VTAP_CTL_MAX_ARGS]; /* argv[0]: the command */
	int argc;
	bool json;	  /* --json was given */
	const char *name; /* the last other argument, or NULL */
	int fd;		  /* the connection (VTAP_CTL_STREAM handlers), else -1 */
	bool taken;	  /* set by a handler that keeps fd: it answers on it itself */
	/* not from the socket: a metrics scrape (metrics.h) runs `stats`
	 * with this set, and the stats walk fills it instead of out */
	struct vtap_metrics *metrics;
};

/* Returns 0 (answer "ok") or -1 ("error"); out gets the body. */
typedef int (*vtap_ctl_handler)(void *srv, struct vtap_ctl_req *r, struct sbuf *out);

#define VTAP_CTL_QUIT	0x1 /* the server stops once this answer is sent (teardown) */
#define VTAP_CTL_STREAM 0x2 /* the handler gets the connection and may keep it */

struct vtap_ctl_command {
	const char *name;
	vtap_ctl_handler fn;
	unsigned int flags;
};

struct vtap_ctl_table {
	const struct vtap_ctl_command *cmds;
	size_t n;
};

/* Split line (modified) into words. Returns 0, or -1 with the reason in out
 * when it holds none. */
int vtap_ctl_parse(char *line, struct vtap_ctl_req *r, struct sbuf *out);
const struct vtap_ctl_command *vtap_ctl_find(const struct vtap_ctl_table *t, const char *name);
/* Parse line (modified), find its command and run it on srv. fd: the
 * connection. Returns the handler's result, or -1 for an empty or unknown
 * command (out names the commands there are); *cmd: the command run
 * (NULL: none). r->taken says whether the handler kept fd. */
int vtap_ctl_dispatch(const struct vtap_ctl_table *t, void *srv, char *line, int fd,
		      struct vtap_ctl_req *r, struct sbuf *out,
		      const struct vtap_ctl_command **cmd);

/* `reload`'s answer: ret is the reload's result (its errors are in out
 * already); when it succeeded, the sizes of the set now running. */
int vtap_ctl_reloaded(struct sbuf *out, int ret, const struct vtap_policy_set *set);

#endif
