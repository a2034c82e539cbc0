/* SPDX-License-Identifier: GPL-2.0 */
/* Which of vtap's programs a port needs under a policy set, and with which
 * hook the frames a VM sends are tapped: XDP or TC, from the attach mode,
 * the policies' own choice and what their monitors can take. */
#ifndef VTAP_VTAPD_HOOK_CHOICE_H
#define VTAP_VTAPD_HOOK_CHOICE_H

#include "config.h"
#include "ports.h"
#include "sinks.h"
#include "core/image.h"

/* The VTAPD_ATT_* bits port p wants under set, compiled as img. Out frames
 * are wanted with XDP where the attach mode and the monitors allow it
 * (p->hook_note says why not, when there is a reason). */
unsigned int vtapd_hooks_wanted(const struct vtapd_config *cfg, const struct vtapd_sinks *sinks,
				const struct vtap_image *img, const struct vtap_policy_set *set,
				struct vtapd_port *p);
/* Does monitor m of set (its port p) go without a sink program, behind the
 * nftables guard (--sink-hook nft)? A local monitor whose copies are never
 * cut, on a port nft could guard. */
bool vtapd_monitor_bare(const struct vtapd_config *cfg, const struct vtap_policy_set *set, size_t m,
			const struct vtapd_port *p);

#endif
