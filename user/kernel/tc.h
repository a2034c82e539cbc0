/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching vtap's programs to clsact hooks, and taking them off again,
 * without disturbing anybody else's qdisc or filters. */
#ifndef VTAP_USER_TC_H
#define VTAP_USER_TC_H

#include <stdbool.h>

/* vtap's filters: one handle and priority, so they can be found again
 * (after a restart, or by `vtapctl teardown` without the daemon). */
#define VTAP_TC_HANDLE 0x7a70
#define VTAP_TC_PRIO 1

/* A port's hooks. XDP is not clsact's: kernel/attach.c serves all three. */
enum vtap_hook { VTAP_HOOK_INGRESS, VTAP_HOOK_EGRESS, VTAP_HOOK_XDP };

/* Attach (or atomically replace) prog_fd on the hook. *created is set when
 * this call created the clsact qdisc. Returns 0 or a negative errno. */
int vtap_tc_attach(int ifindex, enum vtap_hook hook, int prog_fd, bool *created);
/* Remove vtap's filter from the hook (absent is fine). */
int vtap_tc_detach(int ifindex, enum vtap_hook hook);
/* Remove the clsact qdisc (only call when vtap created it). */
int vtap_tc_destroy_qdisc(int ifindex);
/* How many filters (anybody's) a clsact hook holds; <0: no clsact. */
int vtap_tc_count_filters(int ifindex, enum vtap_hook hook);
/* Is vtap's filter on that hook? 1 yes, 0 no, <0 error. */
int vtap_tc_query(int ifindex, enum vtap_hook hook, __u32 *prog_id);

#endif
