/* SPDX-License-Identifier: GPL-2.0 */
/* Monitor ports that carry the host's own traffic are refused: an address,
 * a route, lo, a bridge, a member of one (kernel/host_use.h says what is
 * looked at). The verdict is kept per port and asked again when rtnetlink
 * names the port (or its veth peer) in a link, address, route or nexthop
 * event; a change makes vtapd reconcile, so a port that becomes the host's
 * is refused at once, and accepted again once it is clean. A refused
 * monitor gets no sink program and no sink: its policies' copies are
 * counted as copy failures (copy_fail); everything else is applied. */
#ifndef VTAP_VTAPD_GUARD_H
#define VTAP_VTAPD_GUARD_H

#include <stdbool.h>
#include "core/policy.h"

struct vtapd;
struct vtapd_port;

/* Follow rtnetlink's news (watched by epfd). */
int vtapd_guard_open(struct vtapd *d, int epfd);
/* fd is the guard's: the news read, the ports it names checked again;
 * d->dirty when a monitor port's verdict changed. True when it was. */
bool vtapd_guard_event(struct vtapd *d, int fd);
/* Before set goes in: every port its monitors name checked, where the
 * verdict is not known yet; changes logged. */
void vtapd_guard_check(struct vtapd *d, const struct vtap_policy_set *set);
/* Why m's port is refused; NULL when it is not (or is not present). */
const char *vtapd_guard_refused(struct vtapd *d, const struct vtap_monitor *m);
/* Is p the veth peer, in this namespace, of one of set's local monitor
 * ports? Such a peer is never tapped: its frames are the copies. */
bool vtapd_guard_is_peer(struct vtapd *d, const struct vtap_policy_set *set,
			 const struct vtapd_port *p);
void vtapd_guard_close(struct vtapd *d);

#endif
