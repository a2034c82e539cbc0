// SPDX-License-Identifier: GPL-2.0
/* A reload: the policy sources read (the directory, the store's documents
 * in cluster mode: cluster.h) and checked as one set, its policies given
 * their ids (core/policy_ids.h), the kernel brought in line with it
 * (reconcile.c); on any error the running set stays as it is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vtapd.h"
#include "cluster.h"
#include "core/log.h"
#include "core/sink_name.h"
#include "kernel/link.h"

/* Whose is the host interface ifname: a sink vtapd names must not take one
 * that is not its own (core/sink_name.h) */
static enum vtap_ifname_owner ifname_owner(void *arg, const char *ifname)
{
	(void)arg;
	if (!if_nametoindex(ifname))
		return VTAP_IFNAME_FREE;
	return vtap_link_is_vtaps(ifname) ? VTAP_IFNAME_OURS : VTAP_IFNAME_TAKEN;
}

static void reject(struct vtapd *d, struct vtap_errors *errs, struct sbuf *out)
{
	for (size_t i = 0; errs && i < errs->n; i++) {
		log_err("%s", errs->msgs[i]);
		if (out)
			sbuf_printf(out, "%s\n", errs->msgs[i]);
	}
	if (errs && errs->n)
		snprintf(d->rec.last_error, sizeof(d->rec.last_error), "%s", errs->msgs[0]);
	else if (out)
		sbuf_printf(out, "%s\n", d->rec.last_error);
	log_err("policy reload rejected; the running policy set is unchanged");
	d->rec.reloads_failed++;
}

/* The pinned owners as they were: a new set's names off the ids it was
 * given, the running set's back on those it was to give up. */
static void unname_new_ids(struct vtapd *d)
{
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		enum vtap_id_step st = vtap_policy_ids_step(&d->ids, id);
		const char *owner = vtap_policy_ids_owner(&d->ids, id);

		if (st == VTAP_ID_NEW || st == VTAP_ID_REUSED)
			vtap_loader_set_name(&d->ld, id, owner ? owner : "");
	}
}

/* The ids the running set's leaving policies had are nobody's now. */
static void unname_leaving_ids(struct vtapd *d)
{
	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		enum vtap_id_step st = vtap_policy_ids_step(&d->ids, id);

		if (st == VTAP_ID_LEAVING || st == VTAP_ID_DRAIN)
			vtap_loader_set_name(&d->ld, id, "");
	}
}

/* Every source's documents, loaded as one set */
static int load(struct vtapd *d, struct vtap_policy_set *set, struct vtap_errors *errs)
{
	struct vtap_policy_docs docs = {0};
	int rc = 0;

	memset(set, 0, sizeof(*set));
	if (d->cfg.policy_dir)
		rc = vtap_policy_dir_read(d->cfg.policy_dir, &docs, errs);
	if (!rc)
		rc = vtapd_cluster_docs(d, &docs, errs);
	if (!rc)
		rc = vtap_policy_load_docs(&docs, set, errs);
	if (!rc && vtapd_cluster_check(d, set, errs)) {
		vtap_policy_set_free(set);
		rc = -1;
	}
	vtap_policy_docs_free(&docs);
	return rc;
}

int vtapd_reload(struct vtapd *d, struct sbuf *out)
{
	struct vtap_policy_set set = {0};
	struct vtap_errors errs = {0};
	__u32 *ids = NULL;
	int steps;

	vtapd_notify_reloading(d); /* READY=1 again below, whatever the outcome */
	if (load(d, &set, &errs)) {
		if (!errs.n)
			vtap_errors_add(&errs, NULL, "policy load failed");
		goto fail;
	}
	/* capture and ovs monitors without port: vtapd names their sinks */
	if (vtap_sink_names_assign(&set, ifname_owner, NULL, &errs))
		goto fail;
	ids = calloc(set.n_policies + 1, sizeof(*ids));
	if (!ids) {
		vtap_errors_add(&errs, NULL, "out of memory");
		goto fail;
	}
	steps = vtap_policy_ids_assign(&d->ids, &set, ids, &errs);
	if (steps < 0)
		goto fail;
	if (vtapd_apply_set(d, &set, ids, steps)) {
		unname_new_ids(d);
		vtap_policy_ids_abort(&d->ids);
		goto fail;
	}
	unname_leaving_ids(d);
	vtap_policy_ids_commit(&d->ids);
	vtap_policy_set_free(&d->run.set);
	free(d->run.ids);
	d->run.set = set;
	d->run.ids = ids;
	d->rec.reloads_ok++;
	d->rec.last_error[0] = 0;
	log_info("loaded %zu policies and %zu monitors from %s", set.n_policies, set.n_monitors,
		 vtapd_sources(d));
	vtapd_cluster_result(d, true, NULL);
	vtapd_notify_reloaded(d);
	return 0;
fail:
	reject(d, &errs, out);
	vtapd_cluster_result(d, false, &errs);
	vtapd_notify_reloaded(d);
	vtap_errors_free(&errs);
	vtap_policy_set_free(&set);
	free(ids);
	return -1;
}

int vtapd_reload_asked(struct vtapd *d, struct sbuf *errs)
{
	size_t n = d->ports.n;
	int *failed = calloc(n + 1, sizeof(*failed)); /* the ifindex of each that had failed */
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct vtapd_port *p = &d->ports.v[i];

		if (failed && p->guard_failed)
			failed[i] = p->ifindex;
		p->guard_failed = false;
	}
	ret = vtapd_reload(d, errs);
	/* a rejected reload applied nothing: those ports stay as they were */
	for (size_t i = 0; ret && failed && i < n; i++) {
		struct vtapd_port *p = failed[i] ? vtapd_port_by_index(&d->ports, failed[i]) : NULL;

		if (p)
			p->guard_failed = true;
	}
	free(failed);
	return ret;
}
