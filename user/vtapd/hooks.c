// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include "hooks.h"
#include "core/log.h"
#include "kernel/link.h"
#include "kernel/nft_guard.h"

/* out taps and the receiving side on ingress; in taps and sinks on
 * egress; the XDP tap on XDP */
static enum vtap_hook hook_of(unsigned int what)
{
	return what == VTAPD_ATT_XDP			       ? VTAP_HOOK_XDP
	       : what == VTAPD_ATT_OUT || what == VTAPD_ATT_RX ? VTAP_HOOK_INGRESS
							       : VTAP_HOOK_EGRESS;
}

static enum vtap_prog prog_of(unsigned int what)
{
	return what == VTAPD_ATT_OUT   ? VTAP_PROG_TC_OUT
	       : what == VTAPD_ATT_IN  ? VTAP_PROG_TC_IN
	       : what == VTAPD_ATT_RX  ? VTAP_PROG_RX
	       : what == VTAPD_ATT_XDP ? VTAP_PROG_XDP_OUT
				       : VTAP_PROG_SINK;
}

static const char *hook_name(enum vtap_hook hook)
{
	return hook == VTAP_HOOK_XDP	   ? "native XDP"
	       : hook == VTAP_HOOK_INGRESS ? "ingress"
					   : "egress";
}

static int attach_xdp(struct vtap_loader *ld, struct vtapd_port *p)
{
	__u32 other = 0;
	char who[128];
	int ret = vtap_hook_attach_xdp(&p->xdp, p->ifindex, vtap_loader_prog(ld, VTAP_PROG_XDP_OUT),
				       0, &other);

	if (!ret) {
		p->foreign_id = 0;
		vtapd_port_note(p, false, "%s", "");
		return 0;
	}
	if (ret == -EBUSY) {
		/* libxdp's dispatcher would share the port, but it does not
		 * load on every kernel (freplace refused under lockdown). The
		 * note names the program once: its name needs a capability
		 * vtapd drops after starting */
		if (other != p->foreign_id || !p->hook_note[0]) {
			vtap_xdp_describe(other, who, sizeof(who));
			vtapd_port_note(p, true,
					"%s is on the port already; vtap does not replace it", who);
			p->foreign_id = other;
		}
	} else {
		vtapd_port_note(p, true, "native XDP refused: %s", strerror(-ret));
	}
	return ret;
}

/* The sink program on TCX egress where the kernel has TCX (and the
 * operator did not ask for clsact): its dispatch costs a copy next to
 * nothing, clsact's ~5-10 % (docs/benchmarks.md). A kernel without TCX
 * refuses the attach type: clsact then, said once. 1 on TCX, 0 for
 * clsact, or a negative errno. */
static int attach_sink_tcx(struct vtap_loader *ld, const struct vtapd_config *cfg,
			   struct vtapd_port *p)
{
	static bool said;
	int ret;

	if (cfg->sink_hook == VTAPD_SINK_HOOK_CLSACT)
		return 0;
	ret = vtap_hook_attach_tcx(&p->sink, p->ifindex, vtap_loader_prog(ld, VTAP_PROG_SINK));
	if (!ret)
		return 1;
	if ((ret == -EINVAL || ret == -EOPNOTSUPP) && cfg->sink_hook != VTAPD_SINK_HOOK_TCX) {
		if (!said)
			log_info("this kernel has no TCX: sink programs go on clsact egress");
		said = true;
		return 0;
	}
	log_err("cannot attach %s to %s (TCX egress): %s", vtap_prog_name(VTAP_PROG_SINK), p->name,
		strerror(-ret));
	return ret;
}

/* The longest copy port p carries (room of struct vtap_bare_port): its
 * MTU, an Ethernet header and a VLAN tag, as a veth forwards; 0 when its
 * MTU cannot be read (every copy is then checked by the tap). */
static __u32 port_room(const struct vtapd_port *p)
{
	int mtu = vtap_link_mtu(p->name);

	return mtu > 0 ? (__u32)mtu + 18 : 0;
}

void vtapd_hook_guard_refresh(struct vtap_loader *ld, struct vtapd_port *p)
{
	if (p->attached & VTAPD_ATT_GUARD)
		vtap_loader_bare_take(ld, (__u32)p->ifindex, port_room(p));
}

/* The nft guard instead of a sink program (--sink-hook nft). A port nft
 * cannot guard (no nft, a kernel without netfilter's egress hook, a name
 * nft does not take) gets the sink program from the next apply on. */
static int attach_guard(struct vtap_loader *ld, struct vtapd_port *p)
{
	char table[VTAP_NFT_TABLE_MAX], err[256] = "";
	int ret;

	vtap_nft_guard_table(ld->pin_root, table, sizeof(table));
	ret = vtap_nft_guard_add(table, p->name, err, sizeof(err));
	if (ret) {
		p->guard_failed = true;
		log_warn("cannot guard %s with nftables (%s%s%s): it gets the sink program",
			 p->name, ret == -ENOENT ? "no nft on this host" : strerror(-ret),
			 err[0] ? ": " : "", err);
		return ret;
	}
	/* the tap counts the copies there, in the port's slot */
	ret = vtap_loader_bare_take(ld, (__u32)p->ifindex, port_room(p));
	if (ret < 0) {
		p->guard_failed = true;
		vtap_nft_guard_del(table, p->name);
		log_warn("no counters for %s without a sink program (%s): it gets the sink program",
			 p->name, ret == -ENOSPC ? "all slots taken" : strerror(-ret));
		return ret;
	}
	p->guard_slot = ret;
	/* the chain is bound to the name: a renamed port's goes by it */
	snprintf(p->guard_dev, sizeof(p->guard_dev), "%s", p->name);
	p->attached |= VTAPD_ATT_GUARD;
	log_info("guarded %s with nftables egress table %s (no sink program)", p->name, table);
	return 0;
}

static void detach_guard(struct vtap_loader *ld, struct vtapd_port *p)
{
	char table[VTAP_NFT_TABLE_MAX];
	int ret;

	vtap_nft_guard_table(ld->pin_root, table, sizeof(table));
	ret = vtap_nft_guard_del(table, p->guard_dev);
	if (ret)
		log_warn("cannot take the nftables guard off %s: %s", p->guard_dev, strerror(-ret));
	else
		log_info("took the nftables guard off %s", p->guard_dev);
	vtap_loader_bare_give(ld, (__u32)p->ifindex);
	p->attached &= ~VTAPD_ATT_GUARD;
}

/* clsact egress has one vtap filter slot, the in tap's or the sink's (a
 * port is never both in one set): the one just attached for the new set
 * replaced the other, which is no longer there to detach after the flip
 * (its detach would take the new one off). */
static void slot_taken(struct vtap_loader *ld, struct vtapd_port *p, unsigned int what)
{
	unsigned int other = what == VTAPD_ATT_IN ? VTAPD_ATT_SINK : VTAPD_ATT_IN;

	if (hook_of(what) != VTAP_HOOK_EGRESS || !(p->attached & other) ||
	    (other == VTAPD_ATT_SINK && p->sink.id)) /* that sink is on TCX */
		return;
	p->attached &= ~other;
	if (other == VTAPD_ATT_SINK)
		vtap_loader_del_sink(ld, (__u32)p->ifindex);
	log_info("%s replaced %s on %s's clsact egress", vtap_prog_name(prog_of(what)),
		 vtap_prog_name(prog_of(other)), p->name);
}

void vtapd_hook_forget(struct vtapd_port *p, unsigned int bits)
{
	p->attached &= ~bits;
	if (bits & VTAPD_ATT_XDP)
		vtap_hook_forget(&p->xdp);
	if (bits & VTAPD_ATT_SINK)
		vtap_hook_forget(&p->sink);
}

int vtapd_hook_attach(struct vtap_loader *ld, const struct vtapd_config *cfg, struct vtapd_port *p,
		      unsigned int what)
{
	enum vtap_hook hook = hook_of(what);
	const char *prog = vtap_prog_name(prog_of(what));
	bool created = false;
	int ret = 0;

	if (what == VTAPD_ATT_GUARD)
		return attach_guard(ld, p);
	if (what == VTAPD_ATT_SINK && (ret = attach_sink_tcx(ld, cfg, p)) != 0) {
		if (ret < 0)
			return ret;
		ret = 0;
	} else if (what == VTAPD_ATT_XDP) {
		ret = attach_xdp(ld, p);
	} else {
		ret = vtap_hook_attach_tc(p->ifindex, hook, vtap_loader_prog(ld, prog_of(what)),
					  &created);
		if (!ret)
			slot_taken(ld, p, what);
	}
	if (ret) {
		if (what != VTAPD_ATT_XDP)
			log_err("cannot attach %s to %s %s: %s", prog, p->name, hook_name(hook),
				strerror(-ret));
		return ret;
	}
	if (created)
		p->created_qdisc = true;
	p->attached |= what;
	if (what == VTAPD_ATT_SINK && (ret = vtap_loader_add_sink(ld, (__u32)p->ifindex)))
		log_warn("no counters for sink %s: %s", p->name, strerror(-ret));
	log_info("attached %s to %s (%s)", prog, p->name,
		 what == VTAPD_ATT_SINK && p->sink.id ? "TCX egress" : hook_name(hook));
	return 0;
}

void vtapd_hook_detach(struct vtap_loader *ld, struct vtapd_port *p, unsigned int what)
{
	const char *prog = vtap_prog_name(prog_of(what));
	int ret;

	if (what == VTAPD_ATT_GUARD) {
		detach_guard(ld, p);
		goto qdisc;
	}
	/* XDP: only while it is still the program vtap put there */
	ret = what == VTAPD_ATT_XDP ? vtap_hook_detach_xdp(&p->xdp)
	      : what == VTAPD_ATT_SINK && p->sink.id
		  ? vtap_hook_detach_tcx(&p->sink)
		  : vtap_hook_detach_tc(p->ifindex, hook_of(what));

	if (ret && what == VTAPD_ATT_XDP)
		log_warn("cannot take %s off %s: %s", prog, p->name, strerror(-ret));
	else if (ret)
		log_warn("cannot detach from %s: %s", p->name, strerror(-ret));
	p->attached &= ~what;
	if (!ret || what != VTAPD_ATT_XDP)
		log_info("detached %s from %s", prog, p->name);
	if (what == VTAPD_ATT_SINK)
		vtap_loader_del_sink(ld, (__u32)p->ifindex);
qdisc:
	/* the qdisc goes if vtap made it (or adopted it from a previous vtapd,
	 * which may have), and only if nobody has put a filter of their own
	 * on it since (the guard is nftables', not the qdisc's) */
	if (!(p->attached & ~VTAPD_ATT_GUARD) && (p->created_qdisc || p->adopted) &&
	    vtap_hook_release_clsact(p->ifindex) == 1)
		p->created_qdisc = false;
}

bool vtapd_hook_gone(const struct vtapd_port *p, unsigned int what,
		     const struct vtap_nft_guards *guards)
{
	if (!(p->attached & what))
		return false;
	/* someone flushed the ruleset (systemctl reload nftables); nft
	 * could not say (guards NULL): taken as there, or every apply would
	 * put it on again */
	if (what == VTAPD_ATT_GUARD)
		return guards && vtap_nft_guards_find(guards, p->guard_dev) < 0;
	if (what == VTAPD_ATT_SINK && p->sink.id)
		return !vtap_hook_tcx_present(&p->sink);
	return what == VTAPD_ATT_XDP ? !vtap_hook_xdp_present(&p->xdp)
				     : !vtap_hook_tc_present(p->ifindex, hook_of(what));
}

/* An adopted sink goes where --sink-hook wants it now (a kept run may
 * have had another choice, or a kernel or build without TCX): the new place
 * first, then the old one off, so no copy meets neither. */
static void sink_move(struct vtap_loader *ld, const struct vtapd_config *cfg, struct vtapd_port *p,
		      unsigned int bits)
{
	int fd = vtap_loader_prog(ld, VTAP_PROG_SINK);
	bool created = false;

	if (p->sink.id && cfg->sink_hook == VTAPD_SINK_HOOK_CLSACT) {
		if (vtap_hook_attach_tc(p->ifindex, VTAP_HOOK_EGRESS, fd, &created))
			return; /* stays on TCX: a sink there is better than none */
		p->created_qdisc |= created;
		vtap_hook_detach_tcx(&p->sink);
		log_info("moved %s on %s to clsact egress (--sink-hook clsact)",
			 vtap_prog_name(VTAP_PROG_SINK), p->name);
	} else if (!p->sink.id && cfg->sink_hook != VTAPD_SINK_HOOK_CLSACT) {
		if (vtap_hook_attach_tcx(&p->sink, p->ifindex, fd))
			return; /* no TCX here: it stays on clsact */
		vtap_hook_detach_tc(p->ifindex, VTAP_HOOK_EGRESS);
		/* the clsact held vtap's filter: it goes with the last of them */
		if (!(bits & (VTAPD_ATT_OUT | VTAPD_ATT_IN | VTAPD_ATT_RX)))
			vtap_hook_release_clsact(p->ifindex);
		log_info("moved %s on %s to TCX egress", vtap_prog_name(VTAP_PROG_SINK), p->name);
	}
}

unsigned int vtapd_hooks_adopt(struct vtap_loader *ld, const struct vtapd_config *cfg,
			       struct vtapd_port *p)
{
	static const unsigned int on[2][2] = {[VTAP_HOOK_INGRESS] = {VTAPD_ATT_OUT, VTAPD_ATT_RX},
					      [VTAP_HOOK_EGRESS] = {VTAPD_ATT_IN, VTAPD_ATT_SINK}};
	unsigned int bits = 0;
	bool replaced;

	for (int h = VTAP_HOOK_INGRESS; h <= VTAP_HOOK_EGRESS; h++) {
		int fds[2] = {vtap_loader_prog(ld, prog_of(on[h][0])),
			      vtap_loader_prog(ld, prog_of(on[h][1]))};
		int k = vtap_hook_match(p->ifindex, (enum vtap_hook)h, fds, 2, ld->pin_root, NULL);

		/* 0 for another build's filter: it is replaced in place */
		if (k >= 0)
			bits |= on[h][k];
		else if (k == VTAP_HOOK_OTHER_PINS)
			log_warn("the vtap filter on %s belongs to another vtapd (other pin root); "
				 "it will be replaced if a policy here names the port",
				 p->name);
	}
	/* the sink on TCX egress (a kept run's; another build's is replaced
	 * by this one's in place), held like the XDP tap */
	if (vtap_hook_adopt_tcx(&p->sink, p->ifindex, vtap_loader_prog(ld, VTAP_PROG_SINK),
				ld->pin_root, &replaced)) {
		bits |= VTAPD_ATT_SINK;
		if (replaced)
			log_info("replaced another build's %s on %s (TCX egress)",
				 vtap_prog_name(VTAP_PROG_SINK), p->name);
	} else if (vtap_hook_tcx_other_pins(p->ifindex, vtap_prog_name(VTAP_PROG_SINK),
					    ld->pin_root)) {
		/* TCX runs both; the first one's verdict ends the list */
		log_warn("another vtapd's %s (other pin root) is on %s's TCX egress: copies "
			 "through it are counted by that vtapd",
			 vtap_prog_name(VTAP_PROG_SINK), p->name);
	}
	if (bits & VTAPD_ATT_SINK)
		sink_move(ld, cfg, p, bits);
	/* kept open: it is what the detach names as the program to remove */
	if (vtap_hook_adopt_xdp(&p->xdp, p->ifindex, vtap_loader_prog(ld, VTAP_PROG_XDP_OUT),
				ld->pin_root))
		bits |= VTAPD_ATT_XDP;
	return bits;
}

int vtapd_engine_parse(const char *s, enum vtapd_engine *e)
{
	static const char *const names[] = {"auto", "ebpf", "dpdk"};

	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*e = (enum vtapd_engine)i;
			return 0;
		}
	return -1;
}

int vtapd_sink_hook_parse(const char *s)
{
	static const char *const names[] = {"auto", "tcx", "clsact", "nft"};

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static bool dpdk_port_named(const struct vtapd_config *cfg, const char *name)
{
	char globs[512], *save = NULL;

	if (!cfg->dpdk_ports)
		return false;
	snprintf(globs, sizeof(globs), "%s", cfg->dpdk_ports);
	for (char *g = strtok_r(globs, ",", &save); g; g = strtok_r(NULL, ",", &save))
		if (!fnmatch(g, name, 0))
			return true;
	return false;
}

bool vtapd_engine_is_dpdk(const struct vtapd_config *cfg, const struct vtapd_port *p)
{
	return p->dpdk || cfg->engine == VTAPD_ENGINE_DPDK || dpdk_port_named(cfg, p->name);
}

/* The port's taps go to the DPDK engine: said once, with the reason, and
 * anything eBPF attached there comes off (one engine per port, or frames
 * would be copied twice). */
static void give_to_dpdk(struct vtap_loader *ld, struct vtapd_port *p, const char *why)
{
	static const unsigned int taps[] = {VTAPD_ATT_OUT, VTAPD_ATT_IN, VTAPD_ATT_XDP};

	p->dpdk = true;
	snprintf(p->engine_why, sizeof(p->engine_why), "%s", why);
	log_warn("port %s: engine dpdk: %s; vtap-dpdk must serve it (vtapd does not start it)",
		 p->name, why);
	for (size_t k = 0; k < sizeof(taps) / sizeof(taps[0]); k++)
		if (p->attached & taps[k])
			vtapd_hook_detach(ld, p, taps[k]);
}

void vtapd_hook_attach_tap(struct vtap_loader *ld, const struct vtapd_config *cfg,
			   struct vtapd_port *p, unsigned int bit)
{
	char why[160];
	int ret;

	if (p->dpdk)
		return;
	if (cfg->engine == VTAPD_ENGINE_DPDK || dpdk_port_named(cfg, p->name)) {
		give_to_dpdk(ld, p,
			     cfg->engine == VTAPD_ENGINE_DPDK ? "configured (--engine dpdk)"
							      : "configured (--dpdk-ports)");
		return;
	}
	ret = vtapd_hook_attach(ld, cfg, p, bit);
	if (!ret || cfg->engine == VTAPD_ENGINE_EBPF)
		return;
	snprintf(why, sizeof(why), "eBPF cannot attach to %s: %s",
		 bit == VTAPD_ATT_OUT ? "clsact ingress" : "clsact egress", strerror(-ret));
	give_to_dpdk(ld, p, why);
}
