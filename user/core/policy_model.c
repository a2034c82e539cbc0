// SPDX-License-Identifier: GPL-2.0
/* The policy model's small helpers: names of enum values, the evaluation
 * order, and freeing a set. */
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

const char *vtap_monitor_type_name(enum vtap_monitor_type t)
{
	switch (t) {
	case VTAP_MONITOR_LOCAL:
		return "local";
	case VTAP_MONITOR_VXLAN:
		return "vxlan";
	case VTAP_MONITOR_OVS:
		return "ovs";
	case VTAP_MONITOR_CAPTURE:
		return "capture";
	case VTAP_MONITOR_GROUP:
		return "group";
	}
	return "?";
}

bool vtap_monitor_reads_port(const struct vtap_monitor *m)
{
	return m->type == VTAP_MONITOR_CAPTURE || m->type == VTAP_MONITOR_OVS;
}

const char *vtap_hook_mode_name(enum vtap_hook_mode m)
{
	switch (m) {
	case VTAP_HOOK_MODE_AUTO:
		return "auto";
	case VTAP_HOOK_MODE_XDP:
		return "xdp";
	case VTAP_HOOK_MODE_TC:
		return "tc";
	case VTAP_HOOK_MODE_UNSET:
		break;
	}
	return "default";
}

int vtap_hook_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return VTAP_HOOK_MODE_AUTO;
	if (!strcmp(s, "xdp"))
		return VTAP_HOOK_MODE_XDP;
	if (!strcmp(s, "tc"))
		return VTAP_HOOK_MODE_TC;
	return -1;
}

const char *vtap_direction_name(enum vtap_direction d)
{
	switch (d) {
	case VTAP_DIR_IN:
		return "in";
	case VTAP_DIR_OUT:
		return "out";
	case VTAP_DIR_BOTH:
		return "both";
	}
	return "?";
}

const char *vtap_action_name(enum vtap_action a)
{
	switch (a) {
	case VTAP_ACTION_MIRROR:
		return "mirror";
	case VTAP_ACTION_SKIP:
		return "skip";
	}
	return "?";
}

const char *vtap_ovs_datapath_name(enum vtap_ovs_datapath d)
{
	switch (d) {
	case VTAP_OVS_DP_UNSET:
		return "";
	case VTAP_OVS_DP_AFXDP:
		return "afxdp";
	case VTAP_OVS_DP_DPDK:
		return "dpdk";
	}
	return "?";
}

int vtap_policy_order_cmp(const void *a, const void *b)
{
	const struct vtap_policy *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return strcmp(x->name, y->name);
}

void vtap_policy_free_one(struct vtap_policy *p)
{
	for (size_t i = 0; i < p->n_ports; i++)
		free(p->ports[i]);
	free(p->ports);
	free(p->port_locs);
	free(p->src_cidrs);
	free(p->dst_cidrs);
	free(p->src_ports);
	free(p->dst_ports);
	free(p->vlans);
	memset(p, 0, sizeof(*p));
}

void vtap_policy_set_free(struct vtap_policy_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_policies; i++)
		vtap_policy_free_one(&set->policies[i]);
	free(set->policies);
	free(set->monitors);
	free(set->receives);
	for (size_t i = 0; i < set->n_files; i++)
		free(set->files[i]);
	free(set->files);
	memset(set, 0, sizeof(*set));
}
