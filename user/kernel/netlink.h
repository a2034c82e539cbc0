/* SPDX-License-Identifier: GPL-2.0 */
/* Following the host's ports with rtnetlink (libmnl): one dump at start,
 * then RTM_NEWLINK/RTM_DELLINK as VMs boot and go. */
#ifndef VTAP_USER_NETLINK_H
#define VTAP_USER_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

struct vtap_nl;

/* What rtnetlink says of one link: an event, or a dump's answer (dumped:
 * true of the port list as it is now; an event may be older, one read
 * after an overflow was queued before it) */
struct vtap_link_news {
	int ifindex;
	const char *name;
	bool up, deleted, dumped;
	bool moved; /* deleted: moved to another network namespace, not removed */
};

typedef void (*vtap_link_cb)(void *arg, const struct vtap_link_news *n);

/* Subscribe to link events; returns NULL with errno set on failure. */
struct vtap_nl *vtap_nl_open(vtap_link_cb cb, void *arg);
int vtap_nl_fd(struct vtap_nl *nl);
/* Ask for a dump of every link; answers arrive through vtap_nl_read. */
int vtap_nl_dump(struct vtap_nl *nl);
/* Read what is pending and call cb per link. 0, or a negative errno
 * (-ENOBUFS: events were lost; dump again). */
int vtap_nl_read(struct vtap_nl *nl);
/* Was a dump completed since the last call? */
bool vtap_nl_dump_done(struct vtap_nl *nl);
void vtap_nl_close(struct vtap_nl *nl);
/* A dump that links changed under has NLM_F_DUMP_INTR on every message
 * after the change, and libmnl stops at the first of them: the flag is
 * taken off the n bytes of messages in buf; true when one had it. */
bool vtap_nl_take_dump_intr(void *buf, ssize_t n);

#endif
