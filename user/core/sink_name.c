// SPDX-License-Identifier: GPL-2.0
/* See sink_name.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sink_name.h"

#define STEM_MAX 7 /* characters of the monitor's name kept */

void vtap_sink_name(const char *monitor, unsigned int salt, char out[IF_NAMESIZE])
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits, folded to 16 */

	for (const unsigned char *c = (const unsigned char *)monitor; *c; c++)
		h = (h ^ *c) * 16777619u;
	for (unsigned int i = 0; i < 4; i++)
		h = (h ^ ((salt >> (8 * i)) & 0xff)) * 16777619u;
	snprintf(out, IF_NAMESIZE, "vt%.*s-%04x", STEM_MAX, monitor,
		 (unsigned int)((h >> 16) ^ (h & 0xffff)));
}

static bool needs_name(const struct vtap_monitor *m)
{
	return vtap_monitor_reads_port(m) && !m->port[0];
}

/* Is name, or name's peer, a port or peer of another monitor of set? */
static bool clashes(const struct vtap_policy_set *set, const struct vtap_monitor *self,
		    const char *name)
{
	char peer[IF_NAMESIZE], other_peer[IF_NAMESIZE];

	snprintf(peer, sizeof(peer), "%.*sp", IF_NAMESIZE - 2, name);
	for (size_t i = 0; i < set->n_monitors; i++) {
		const struct vtap_monitor *m = &set->monitors[i];

		if (m == self || !m->port[0])
			continue;
		snprintf(other_peer, sizeof(other_peer), "%.*sp", IF_NAMESIZE - 2, m->port);
		if (!strcmp(m->port, name) || !strcmp(m->port, peer) || !strcmp(other_peer, name))
			return true;
	}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct vtap_monitor *const *)a)->name,
		      (*(const struct vtap_monitor *const *)b)->name);
}

/* Can the veth pair name/peer be ours? A name that is ours brings its peer
 * (vtapd made both); a free one needs a free peer. */
static bool can_take(vtap_ifname_owner_fn owner, void *arg, const char *name, const char *peer)
{
	enum vtap_ifname_owner o;

	if (!owner)
		return true;
	o = owner(arg, name);
	return o == VTAP_IFNAME_OURS ||
	       (o == VTAP_IFNAME_FREE && owner(arg, peer) == VTAP_IFNAME_FREE);
}

int vtap_sink_names_assign(struct vtap_policy_set *set, vtap_ifname_owner_fn owner, void *arg,
			   struct vtap_errors *errs)
{
	struct vtap_monitor **todo = calloc(set->n_monitors + 1, sizeof(*todo));
	size_t n = 0;
	int ret = 0;

	if (!todo) {
		vtap_errors_add(errs, NULL, "out of memory naming the sinks");
		return -1;
	}
	for (size_t i = 0; i < set->n_monitors; i++)
		if (needs_name(&set->monitors[i]))
			todo[n++] = &set->monitors[i];
	qsort(todo, n, sizeof(*todo), by_name);
	for (size_t k = 0; k < n; k++) {
		struct vtap_monitor *m = todo[k];
		char name[IF_NAMESIZE], peer[IF_NAMESIZE];
		unsigned int salt;

		for (salt = 0; salt < VTAP_SINK_NAME_TRIES; salt++) {
			vtap_sink_name(m->name, salt, name);
			snprintf(peer, sizeof(peer), "%.*sp", IF_NAMESIZE - 2, name);
			/* the monitors named before have their port set now */
			if (clashes(set, m, name))
				continue;
			if (can_take(owner, arg, name, peer))
				break;
		}
		if (salt == VTAP_SINK_NAME_TRIES) {
			vtap_errors_add(errs, &m->loc,
					"monitor %s: no free name for its sink veth after %d tries "
					"(give it a port)",
					m->name, VTAP_SINK_NAME_TRIES);
			ret = -1;
			continue;
		}
		snprintf(m->port, sizeof(m->port), "%s", name);
	}
	free(todo);
	return ret;
}
