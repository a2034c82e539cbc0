/* SPDX-License-Identifier: GPL-2.0 */
/* vtap's programs on one port (VTAPD_ATT_*), through kernel/attach.h: put
 * on, taken off, found again at start, and the engine that taps a VM port
 * (eBPF, or the DPDK engine where eBPF cannot attach). */
#ifndef VTAP_VTAPD_HOOKS_H
#define VTAP_VTAPD_HOOKS_H

#include "config.h"
#include "ports.h"
#include "kernel/loader.h"

struct vtap_nft_guards;

/* Put one of vtap's programs (a VTAPD_ATT_* bit) on the port. XDP goes
 * on only where no other program is (p->hook_note says why not); a sink
 * goes on TCX egress where the kernel has it (cfg->sink_hook) and gets its
 * counters. 0 or a negative errno. */
int vtapd_hook_attach(struct vtap_loader *ld, const struct vtapd_config *cfg, struct vtapd_port *p,
		      unsigned int what);
/* Take it off. With the last of vtap's hooks goes the port's clsact, when
 * vtap made it (or adopted it) and nobody has put a filter on it since. */
void vtapd_hook_detach(struct vtap_loader *ld, struct vtapd_port *p, unsigned int what);
/* The hooks in bits are gone without vtapd (the device with them, or
 * someone's detach): their bits cleared, the program fds vtapd held to
 * detach them (XDP tap, TCX sink) let go. */
void vtapd_hook_forget(struct vtapd_port *p, unsigned int bits);
/* A guarded port changed (its MTU, maybe): the tap's idea of the longest
 * copy it carries follows. */
void vtapd_hook_guard_refresh(struct vtap_loader *ld, struct vtapd_port *p);
/* Was it taken off behind vtap's back (tc filter del, another tool)?
 * guards: this vtapd's nft guards as read for the whole apply (NULL when
 * nft could not say). */
bool vtapd_hook_gone(const struct vtapd_port *p, unsigned int what,
		     const struct vtap_nft_guards *guards);
/* At start: vtap's programs a previous vtapd left on the port (same
 * program by tag, on this pin root's maps) become ours, untouched; a
 * sink on the other hook than cfg->sink_hook asks for is moved. */
unsigned int vtapd_hooks_adopt(struct vtap_loader *ld, const struct vtapd_config *cfg,
			       struct vtapd_port *p);

/* "auto", "ebpf", "dpdk" -> engine; -1 when unknown */
int vtapd_engine_parse(const char *s, enum vtapd_engine *e);
/* "auto", "tcx", "clsact", "nft" -> enum vtapd_sink_hook; -1 when unknown */
int vtapd_sink_hook_parse(const char *s);
/* Is the port the DPDK engine's (configured so, or given to it)? */
bool vtapd_engine_is_dpdk(const struct vtapd_config *cfg, const struct vtapd_port *p);
/* Attach the tap `bit` (OUT or IN) of a VM port with the engine vtapd
 * chooses for it: configured DPDK, else eBPF, else (auto, eBPF cannot
 * attach) DPDK — and then anything eBPF has on the port comes off. */
void vtapd_hook_attach_tap(struct vtap_loader *ld, const struct vtapd_config *cfg,
			   struct vtapd_port *p, unsigned int bit);

#endif
