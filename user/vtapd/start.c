// SPDX-License-Identifier: GPL-2.0
/* What vtapd takes over at start: the pinned maps, the owners of their
 * counters (vtap_names), and the hooks a previous vtapd left attached —
 * kept untouched, so a restart leaves no gap in tapping. */
#include <stdlib.h>
#include <string.h>
#include "vtapd.h"
#include "hooks.h"
#include "core/log.h"
#include "kernel/link.h"
#include "kernel/nft_guard.h"
#include "kernel/xsk_pins.h"

/* Counters survive a restart: their owners are in the pinned vtap_names
 * map, and the generation in effect (a kept one) counts into them. */
static void load_ids(struct vtapd *d)
{
	char name[VTAP_NAME_MAX];
	size_t n = 0;

	vtap_policy_ids_init(&d->ids);
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		if (vtap_loader_get_name(&d->ld, id, name, sizeof(name)) || !name[0])
			continue;
		if (!vtap_policy_ids_adopt(&d->ids, id, name))
			n++;
	}
	if (n)
		log_info("found counters of %zu policies pinned under %s", n, d->cfg.pin_root);
}

int vtapd_init(struct vtapd *d)
{
	int ret;

	vtap_link_set_owner(d->cfg.pin_root);
	vtap_xsk_pins_set_root(d->cfg.pin_root);
	ret = vtap_loader_open_ring(&d->ld, d->cfg.pin_root, d->cfg.ring_size);
	if (ret)
		return ret;
	load_ids(d);
	ret = vtap_loader_set_flow_cache(&d->ld, d->cfg.no_flow_cache ? VTAP_FLOW_CACHE_OFF
								      : VTAP_FLOW_CACHE_ON);
	if (ret) {
		log_err("cannot set the flow cache mode in %s: %s", d->cfg.pin_root,
			strerror(-ret));
		vtap_loader_close(&d->ld, 0);
	}
	return ret;
}

/* The nftables guards a previous vtapd left (--sink-hook nft): its ports'
 * become this one's; a guard on a port that is gone is removed. */
static void adopt_guards(struct vtapd *d)
{
	char table[VTAP_NFT_TABLE_MAX];
	/* NULL: nft cannot say, nothing to adopt */
	struct vtap_nft_guards *g = vtap_nft_guards_of(d->ld.pin_root);

	vtap_nft_guard_table(d->ld.pin_root, table, sizeof(table));
	for (int i = 0; g && i < g->n; i++) {
		struct vtapd_port *p = vtapd_port_by_name(&d->ports, g->dev[i]);

		if (!p) {
			vtap_nft_guard_del(table, g->dev[i]);
			continue;
		}
		/* its slot, and the counters in it, go on */
		int mtu = vtap_link_mtu(p->name);
		int slot =
		    vtap_loader_bare_take(&d->ld, (__u32)p->ifindex, mtu > 0 ? (__u32)mtu + 18 : 0);

		if (slot < 0) {
			vtap_nft_guard_del(table, g->dev[i]);
			continue;
		}
		p->guard_slot = slot;
		memcpy(p->guard_dev, g->dev[i], sizeof(p->guard_dev));
		p->attached |= VTAPD_ATT_GUARD;
		d->rec.adopted++;
		log_info("adopted the nftables guard on %s", p->name);
	}
	free(g);
	/* the slots of guards that are gone (a killed vtapd's port removed
	 * since) are free again */
	for (__u32 k = 0; k < VTAP_BARE_SLOTS; k++) {
		__u32 ifindex = vtap_loader_bare_port(&d->ld, k);
		struct vtapd_port *p =
		    ifindex ? vtapd_port_by_index(&d->ports, (int)ifindex) : NULL;

		if (ifindex && !(p && (p->attached & VTAPD_ATT_GUARD) && p->guard_slot == (int)k))
			vtap_loader_bare_give(&d->ld, ifindex);
	}
}

void vtapd_adopt_port(struct vtapd *d, struct vtapd_port *p)
{
	unsigned int bits = vtapd_hooks_adopt(&d->ld, &d->cfg, p);

	if (!bits)
		return;
	p->attached |= bits;
	/* a clsact that held vtap's filters is vtap's to remove with them
	 * (not for an XDP tap or a TCX sink alone) */
	p->adopted = (bits & (VTAPD_ATT_OUT | VTAPD_ATT_IN | VTAPD_ATT_RX)) ||
		     ((bits & VTAPD_ATT_SINK) && !p->sink.id);
	d->rec.adopted++;
	log_info("adopted vtap's filters on %s: they stay attached", p->name);
}

void vtapd_adopt(struct vtapd *d)
{
	adopt_guards(d);
	for (size_t i = 0; i < d->ports.n; i++)
		vtapd_adopt_port(d, &d->ports.v[i]);
}
