/* SPDX-License-Identifier: GPL-2.0 */
/* The sink veth of a capture or ovs monitor written without `port`: vtapd
 * names it itself (docs/policy.md, "Sink names").
 *
 * The name is "vt" + the monitor's name cut to 7 characters + "-" + 4 hex
 * digits of a hash of the whole name (FNV-1a, with a salt): "vtrecorder-3fa2"
 * for monitor "recorder-east". At most 14 characters, so its peer, the name
 * + "p", fits the kernel's 15; it ends in a hex digit, so it is never the
 * "p"-ended peer of another sink. The same monitor name gives the same sink
 * name on every reload and restart (vtapd finds its veth again); names that
 * would clash (the same first 7 characters and the same hash, or a name
 * already in use) take the next salt. */
#ifndef VTAP_CORE_SINK_NAME_H
#define VTAP_CORE_SINK_NAME_H

#include <net/if.h>
#include <stdbool.h>
#include "policy.h"

#define VTAP_SINK_NAME_TRIES 64 /* salts tried before a monitor gets an error */

/* The candidate name for monitor with salt (0 first), into out. */
void vtap_sink_name(const char *monitor, unsigned int salt, char out[IF_NAMESIZE]);

/* Who has a host interface of that name (vtapd asks the kernel) */
enum vtap_ifname_owner {
	VTAP_IFNAME_FREE,  /* no such interface */
	VTAP_IFNAME_OURS,  /* a sink veth this vtapd made (its peer is ours too) */
	VTAP_IFNAME_TAKEN, /* the host's, or another daemon's */
};
typedef enum vtap_ifname_owner (*vtap_ifname_owner_fn)(void *arg, const char *ifname);

/* Give every capture and ovs monitor of set that has no port its sink's
 * name, in the order of the monitors' names (so the result does not depend
 * on the files' order): the first salt whose name and peer are no other
 * monitor's port or peer, no name given before, and no interface that is
 * not ours (owner NULL: none is asked). 0, or -1 with an error per monitor
 * left without a name. */
int vtap_sink_names_assign(struct vtap_policy_set *set, vtap_ifname_owner_fn owner, void *arg,
			   struct vtap_errors *errs);

#endif
