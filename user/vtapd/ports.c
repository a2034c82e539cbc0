// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ports.h"
#include "core/log.h"

struct vtapd_port *vtapd_port_by_index(struct vtapd_ports *ps, int ifindex)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].ifindex == ifindex)
			return &ps->v[i];
	return NULL;
}

struct vtapd_port *vtapd_port_by_name(struct vtapd_ports *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].name, name))
			return &ps->v[i];
	return NULL;
}

struct vtapd_port *vtapd_port_get(struct vtapd_ports *ps, int ifindex, const char *name)
{
	struct vtapd_port *p = vtapd_port_by_index(ps, ifindex);

	if (p)
		return p;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;
		struct vtapd_port *np = realloc(ps->v, cap * sizeof(*np));

		if (!np) {
			log_err("out of memory tracking port %s", name);
			return NULL;
		}
		ps->v = np;
		ps->cap = cap;
	}
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->ifindex = ifindex;
	p->xdp.fd = -1;
	p->sink.fd = -1;
	log_debug("port %s (ifindex %d) appeared", name, ifindex);
	return p;
}

void vtapd_ports_note(struct vtapd_ports *ps, const char *name)
{
	int ifindex = (int)if_nametoindex(name);
	struct vtapd_port *p;

	if (!ifindex || vtapd_port_by_index(ps, ifindex))
		return;
	p = vtapd_port_get(ps, ifindex, name);
	if (!p)
		return;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->up = true;
	p->seen = true;
}

void vtapd_port_remove(struct vtapd_ports *ps, struct vtapd_port *p)
{
	*p = ps->v[--ps->n];
}

void vtapd_ports_free(struct vtapd_ports *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

void vtapd_port_note(struct vtapd_port *p, bool warn, const char *fmt, ...)
{
	char note[sizeof(p->hook_note)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (!strcmp(note, p->hook_note))
		return;
	snprintf(p->hook_note, sizeof(p->hook_note), "%s", note);
	if (!note[0])
		return;
	if (warn)
		log_warn("%s: out frames tapped with TC: %s", p->name, note);
	else
		log_info("%s: out frames tapped with TC: %s", p->name, note);
}
