/* SPDX-License-Identifier: GPL-2.0 */
/* vtapd's control commands (views.c): the table its control server
 * (ctl/server.h) answers from; the server's srv is the struct vtapd. */
#ifndef VTAP_USER_VTAPD_VIEWS_H
#define VTAP_USER_VTAPD_VIEWS_H

#include "ctl/command.h"
#include "vtapd.h"

extern const struct vtap_ctl_table vtapd_ctl_table;

/* What the answers read of struct vtapd, gathered in this one place (the
 * ports' and sinks' own structs aside), so a change of its layout is a
 * change here only. */
struct vtapd_view {
	const char *policy_dir, *pin_root;
	enum vtapd_engine engine;
	enum vtap_hook_mode attach;
	bool flow_cache;
	struct vtap_loader *ld;
	const struct vtap_policy_set *set;
	const __u32 *ids; /* policy id of set->policies[i] */
	const struct vtapd_port *ports;
	size_t n_ports;
	const struct vtapd_sink *sinks;
	size_t n_sinks;
	unsigned long reloads_ok, reloads_failed;
	double last_apply_ms;
	const char *last_error;
	unsigned long long ring_records, ring_unrouted, ring_bad, ring_cut;
	struct vtapd_groups *groups;
	const struct vtapd *d; /* for the cluster part (cluster.h) */
};

struct vtapd_view vtapd_view_of(struct vtapd *d);

/* The hook that taps a port's out (frames the VM sends) and in frames:
 * "xdp", "tc", or NULL (not tapped by vtapd) */
const char *vtapd_port_out_hook(const struct vtapd_port *p);
const char *vtapd_port_in_hook(const struct vtapd_port *p);

#endif
