// SPDX-License-Identifier: GPL-2.0
/* vtapd's XDP taps: which hook taps the frames a VM sends (attach mode,
 * per-policy override, the monitors' kinds), and putting vtap_xdp_out on a
 * port — never over another program, and taking off only vtap's own. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "core/log.h"
#include "kernel/xdp.h"

#define XDP_PROG "vtap_xdp_out"

static bool names_port(const struct vtap_policy *pol, const char *name)
{
	for (size_t k = 0; k < pol->n_ports; k++)
		if (!fnmatch(pol->ports[k], name, 0))
			return true;
	return false;
}

/* A new reason (or none): logged once, not at every reconcile. */
static void set_note(struct vtapd_port *p, bool warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_note(struct vtapd_port *p, bool warn, const char *fmt, ...)
{
	char note[sizeof(p->hook_note)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (!strcmp(note, p->hook_note))
		return;
	snprintf(p->hook_note, sizeof(p->hook_note), "%s", note);
	if (!note[0])
		return;
	if (warn)
		log_warn("%s: out frames tapped with TC: %s", p->name, note);
	else
		log_info("%s: out frames tapped with TC: %s", p->name, note);
}

bool vtapd_out_wants_xdp(struct vtapd *d, const struct vtap_policy_set *set, struct vtapd_port *p)
{
	const struct vtap_policy *tc_by = NULL, *needs_tc = NULL;
	bool xdp_asked = false, any = false;

	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *pol = &set->policies[i];
		enum vtap_hook_mode mode = pol->hook ? pol->hook : d->attach_mode;

		if (!(pol->direction & VTAP_DIR_OUT) || !names_port(pol, p->name))
			continue;
		if (mode == VTAP_HOOK_MODE_TC) {
			tc_by = pol;
			continue;
		}
		any = true;
		xdp_asked |= mode == VTAP_HOOK_MODE_XDP;
		/* XDP cannot clone a frame to a device: its copies reach
		 * the sinks vtapd feeds from user space (captures, ovs
		 * monitors through AF_XDP) */
		if (pol->action == VTAP_ACTION_MIRROR && pol->monitor_idx >= 0 &&
		    !vtapd_sink_takes_ring(d, &set->monitors[pol->monitor_idx]))
			needs_tc = pol;
	}
	if (tc_by && any) {
		set_note(p, xdp_asked, "policy %s asks for hook tc (one hook per port)",
			 tc_by->name);
		return false;
	}
	if (!any) {
		set_note(p, false, "%s", "");
		return false;
	}
	if (needs_tc) {
		const struct vtap_monitor *m = &set->monitors[needs_tc->monitor_idx];

		set_note(p, xdp_asked,
			 "policy %s: monitor %s (type %s) is fed by TC only (XDP cannot clone a "
			 "frame to a device, and vtapd has no user-space path to it)",
			 needs_tc->name, m->name, vtap_monitor_type_name(m->type));
		return false;
	}
	return true;
}

/* fd of the program on the port if it is vtap's XDP tap on our pins (a
 * previous vtapd's, kept), else -1. Needs the capabilities vtapd has until
 * it drops them (a program's fd by its id): at adoption only. */
static int ours_fd(struct vtapd *d, int ifindex, __u32 *id)
{
	struct bpf_prog_info have = {0}, mine = {0};
	__u32 len = sizeof(have);
	int fd;

	if (vtap_xdp_query(ifindex, id) || !*id)
		return -1;
	fd = bpf_prog_get_fd_by_id(*id);
	if (fd < 0)
		return -1;
	if (!bpf_obj_get_info_by_fd(fd, &have, &len)) {
		len = sizeof(mine);
		if (!bpf_obj_get_info_by_fd(vtap_loader_prog_fd(&d->ld, XDP_PROG), &mine, &len) &&
		    !memcmp(have.tag, mine.tag, sizeof(have.tag)) &&
		    vtap_prog_uses_pins(fd, d->pin_root) == 1)
			return fd;
	}
	close(fd);
	return -1;
}

bool vtapd_xdp_adopt(struct vtapd *d, struct vtapd_port *p)
{
	__u32 id = 0;
	int fd = ours_fd(d, p->ifindex, &id);

	if (fd < 0)
		return false;
	/* kept open: it is what the detach names as the program to remove */
	p->xdp_fd = fd;
	p->xdp_id = id;
	return true;
}

bool vtapd_xdp_present(struct vtapd *d, const struct vtapd_port *p)
{
	__u32 id = 0;

	(void)d;
	return p->xdp_id && !vtap_xdp_query(p->ifindex, &id) && id == p->xdp_id;
}

int vtapd_xdp_attach(struct vtapd *d, struct vtapd_port *p)
{
	struct bpf_prog_info info = {0};
	__u32 len = sizeof(info), other = 0;
	int fd = vtap_loader_prog_fd(&d->ld, XDP_PROG);
	int ret = vtap_xdp_attach(p->ifindex, fd, &other);
	char who[128];

	if (!ret) {
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || (p->xdp_fd = dup(fd)) < 0) {
			/* cannot know it again: off, and TC it is */
			vtap_xdp_detach(p->ifindex, fd);
			set_note(p, true, "cannot keep track of the XDP program: %s",
				 strerror(errno));
			return -errno;
		}
		p->xdp_id = info.id;
		p->attached |= VTAPD_ATT_XDP;
		p->foreign_id = 0;
		set_note(p, false, "%s", "");
		log_info("attached %s to %s (native XDP)", XDP_PROG, p->name);
		return 0;
	}
	if (ret == -EBUSY) {
		/* libxdp's dispatcher would share the port, but it does not
		 * load on every kernel (freplace refused under lockdown). The
		 * note names the program once: its name needs a capability
		 * vtapd drops after starting */
		if (other != p->foreign_id || !p->hook_note[0]) {
			vtap_xdp_describe(other, who, sizeof(who));
			set_note(p, true, "%s is on the port already; vtap does not replace it",
				 who);
			p->foreign_id = other;
		}
	} else {
		set_note(p, true, "native XDP refused: %s", strerror(-ret));
	}
	return ret;
}

void vtapd_xdp_forget(struct vtapd_port *p)
{
	if (p->xdp_id)
		close(p->xdp_fd);
	p->xdp_id = 0;
	p->xdp_fd = -1;
	p->attached &= ~VTAPD_ATT_XDP;
}

void vtapd_xdp_detach(struct vtapd *d, struct vtapd_port *p)
{
	int ret = 0;

	/* only while it is still the program vtap put there */
	if (vtapd_xdp_present(d, p))
		ret = vtap_xdp_detach(p->ifindex, p->xdp_fd);
	if (ret)
		log_warn("cannot take %s off %s: %s", XDP_PROG, p->name, strerror(-ret));
	else
		log_info("detached %s from %s", XDP_PROG, p->name);
	vtapd_xdp_forget(p);
}
