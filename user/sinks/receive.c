// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "receive.h"
#include "core/log.h"

void vtap_receive_apply(struct vtap_loader *ld, const struct vtap_policy_set *set,
			vtap_ifindex_fn ifindex_of, void *arg)
{
	__u32 *vnis = calloc(set->n_receives + 1, sizeof(*vnis));
	size_t n = 0;

	if (!vnis)
		return;
	for (size_t i = 0; i < set->n_receives; i++) {
		const struct vtap_receive *r = &set->receives[i];
		int ifindex = ifindex_of(arg, r->port);
		int ret;

		if (!ifindex) {
			log_warn("receive vni %u: port %s is not present; its copies are dropped "
				 "(counted) until it appears",
				 r->vni, r->port);
			vtap_loader_set_recv(ld, r->vni, 0);
			continue;
		}
		ret = vtap_loader_set_recv(ld, r->vni, (__u32)ifindex);
		if (ret)
			log_err("receive vni %u: %s", r->vni, strerror(-ret));
		vnis[n++] = r->vni;
	}
	/* VNIs no longer received, this vtapd's or an earlier one's */
	if (vtap_loader_prune_recv(ld, vnis, n))
		log_warn("cannot remove the VNIs no longer received");
	free(vnis);
}
