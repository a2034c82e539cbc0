// SPDX-License-Identifier: GPL-2.0
/* See command.h. */
#include <string.h>
#include "command.h"

int vtap_ctl_parse(char *line, struct vtap_ctl_req *r, struct sbuf *out)
{
	char *save = NULL;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	for (char *t = strtok_r(line, " \t\r\n", &save); t && r->argc < VTAP_CTL_MAX_ARGS;
	     t = strtok_r(NULL, " \t\r\n", &save))
		r->argv[r->argc++] = t;
	if (!r->argc) {
		sbuf_printf(out, "empty command\n");
		return -1;
	}
	for (int i = 1; i < r->argc; i++) {
		if (!strcmp(r->argv[i], "--json"))
			r->json = true;
		else
			r->name = r->argv[i];
	}
	return 0;
}

const struct vtap_ctl_command *vtap_ctl_find(const struct vtap_ctl_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->cmds[i].name, name))
			return &t->cmds[i];
	return NULL;
}

int vtap_ctl_dispatch(const struct vtap_ctl_table *t, void *srv, char *line, int fd,
		      struct vtap_ctl_req *r, struct sbuf *out, const struct vtap_ctl_command **cmd)
{
	*cmd = NULL;
	if (vtap_ctl_parse(line, r, out))
		return -1;
	*cmd = vtap_ctl_find(t, r->argv[0]);
	if (!*cmd) {
		sbuf_printf(out, "unknown command %s (", r->argv[0]);
		for (size_t i = 0; i < t->n; i++)
			sbuf_printf(out, "%s%s", i ? ", " : "", t->cmds[i].name);
		sbuf_printf(out, ")\n");
		return -1;
	}
	if ((*cmd)->flags & VTAP_CTL_STREAM)
		r->fd = fd;
	return (*cmd)->fn(srv, r, out);
}

int vtap_ctl_reloaded(struct sbuf *out, int ret, const struct vtap_policy_set *set)
{
	if (ret)
		return -1;
	sbuf_printf(out, "reloaded: %zu policies, %zu monitors\n", set->n_policies,
		    set->n_monitors);
	return 0;
}
