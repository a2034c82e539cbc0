// SPDX-License-Identifier: GPL-2.0
/* `vtapctl status`'s cluster part (cluster.h): the node, the store and the
 * endpoint followed, connected or not, the revision in effect and where
 * it came from (the store, or the persisted set while the store is away). */
#include <inttypes.h>
#include <stdio.h>
#include "cluster_internal.h"
#include "vtapd.h"

static void json(const struct vtapd_cluster *c, struct sbuf *o)
{
	sbuf_printf(o, "{\"node\":");
	sbuf_json_str(o, c->node);
	sbuf_printf(o, ",\"prefix\":");
	sbuf_json_str(o, c->prefix);
	sbuf_printf(o, ",\"endpoints\":");
	sbuf_json_str(o, c->cfg->endpoints);
	sbuf_printf(o, ",\"endpoint\":");
	sbuf_json_str(o, c->endpoint);
	sbuf_printf(o,
		    ",\"connected\":%s,\"source\":\"%s\",\"revision\":%" PRId64
		    ",\"digest\":\"%016" PRIx64 "\",\"seen_revision\":%" PRId64
		    ",\"store_revision\":%" PRId64 ",\"persisted\":%s,\"state_file\":",
		    cl_connected(c) ? "true" : "false", cl_source_name(c->applied.src),
		    vtapd_cluster_revision(c->d), cl_set_digest(&c->applied),
		    c->offer.src == CL_NONE ? 0 : c->offer.g.rev,
		    c->view_g.rev > c->view_n.rev ? c->view_g.rev : c->view_n.rev,
		    c->persisted ? "true" : "false");
	sbuf_json_str(o, c->state_path);
	sbuf_printf(o, ",\"store_error\":");
	sbuf_json_str(o, c->store_error);
	sbuf_printf(o, ",\"errors\":[");
	for (size_t i = 0; i < c->n_errors; i++) {
		sbuf_printf(o, "%s", i ? "," : "");
		sbuf_json_str(o, c->errors[i]);
	}
	sbuf_printf(o, "],\"rejected_revision\":%" PRId64 ",\"status_key\":", c->rejected_rev);
	sbuf_json_str(o, c->key_status);
	sbuf_printf(o,
		    ",\"lease\":\"%" PRIx64 "\",\"status_puts\":%lu,\"status_put_fails\":%lu,"
		    "\"status_bytes\":%llu}",
		    c->lease_id, c->puts, c->put_fails, c->put_bytes);
}

static void text(const struct vtapd_cluster *c, struct sbuf *o)
{
	sbuf_printf(o, "cluster:     node %s, etcd %s, prefix %s\n", c->node,
		    c->endpoint[0] ? c->endpoint : c->cfg->endpoints, c->prefix);
	sbuf_printf(o, "store:       %s; revision %" PRId64 " seen",
		    cl_connected(c) ? "connected" : "NOT CONNECTED",
		    c->view_g.rev > c->view_n.rev ? c->view_g.rev : c->view_n.rev);
	if (c->store_error[0] && !cl_connected(c))
		sbuf_printf(o, " (%s)", c->store_error);
	sbuf_printf(o, "\nstore set:   ");
	if (c->applied.src == CL_NONE)
		sbuf_printf(o, "none applied");
	else
		sbuf_printf(o, "revision %" PRId64 " applied (%s%s)", c->applied.g.rev,
			    c->applied.src == CL_LIVE ? "live from the store"
						      : "persisted: the store did not answer",
			    c->persisted ? "; on disk" : "");
	if (c->n_errors && c->rejected_rev)
		sbuf_printf(o, "; the store's revision %" PRId64 " REJECTED here: %s",
			    c->rejected_rev, c->errors[0]);
	else if (c->n_errors)
		sbuf_printf(o, "; REJECTED: %s", c->errors[0]);
	sbuf_printf(o, "\nstatus:      %s, %lu puts (%lu failed), lease %" PRIx64 "\n",
		    c->key_status, c->puts, c->put_fails, c->lease_id);
}

void vtapd_cluster_view(const struct vtapd *d, struct sbuf *o, bool as_json)
{
	const struct vtapd_cluster *c = d->cluster;

	if (!c) {
		if (as_json)
			sbuf_printf(o, "null");
		return;
	}
	if (as_json)
		json(c, o);
	else
		text(c, o);
}
