// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "daemon.h"
#include "kernel/link.h"
#include "core/image.h"
#include "core/log.h"
#include "kernel/tc.h"
#include <vtap/limits.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_id_name(const void *a, const void *b)
{
	return strcmp(((const struct vtapd_policy_id *)a)->name,
		      ((const struct vtapd_policy_id *)b)->name);
}

/* Counter slots survive a restart: their owners are in the pinned
 * vtap_names map. */
static void load_ids(struct vtapd *d)
{
	char name[VTAP_NAME_MAX];

	for (__u32 id = 0; id < VTAP_MAX_RULES; id++) {
		struct vtapd_policy_id *n;

		if (vtap_loader_get_name(&d->ld, id, name, sizeof(name)) || !name[0])
			continue;
		n = realloc(d->ids, (d->n_ids + 1) * sizeof(*n));
		if (!n)
			return;
		d->ids = n;
		snprintf(d->ids[d->n_ids].name, VTAP_NAME_MAX, "%s", name);
		d->ids[d->n_ids++].id = id;
		d->id_used[id] = true;
	}
	if (d->n_ids) {
		qsort(d->ids, d->n_ids, sizeof(*d->ids), cmp_id_name);
		log_info("found counters of %zu policies pinned under %s", d->n_ids, d->pin_root);
	}
}

int vtapd_init(struct vtapd *d)
{
	vtap_link_set_owner(d->pin_root);
	int ret = vtap_loader_open_ring(&d->ld, d->pin_root, d->ring_size);

	if (ret)
		return ret;
	load_ids(d);
	ret = vtap_loader_set_flow_cache(&d->ld,
					 d->no_flow_cache ? VTAP_FLOW_CACHE_OFF : VTAP_FLOW_CACHE_ON);
	if (ret) {
		log_err("cannot set the flow cache mode in %s: %s", d->pin_root, strerror(-ret));
		vtap_loader_close(&d->ld, 0);
	}
	return ret;
}

static int prog_tag(int fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

/* Which of our programs (VTAPD_ATT_*) is attached on the hook, by tag;
 * 0 when none of vtap's, or an older build's (it will be replaced). */
static unsigned int attached_prog(struct vtapd *d, int ifindex, enum vtap_hook hook)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} progs[] = { { "vtap_tc_out", VTAPD_ATT_OUT },
		      { "vtap_tc_in", VTAPD_ATT_IN },
		      { "vtap_sink", VTAPD_ATT_SINK },
		      { "vtap_rx", VTAPD_ATT_RX } };
	__u8 have[BPF_TAG_SIZE], ours[BPF_TAG_SIZE];
	__u32 id = 0;
	unsigned int bit = 0;
	int fd;

	if (vtap_tc_query(ifindex, hook, &id) != 1)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	/* vtap's handle, but maps pinned elsewhere: another vtapd's filter */
	if (vtap_prog_uses_pins(fd, d->pin_root) != 1) {
		log_warn("the vtap filter on ifindex %d belongs to another vtapd (other pin "
			 "root); it will be replaced if a policy here names the port",
			 ifindex);
		close(fd);
		return 0;
	}
	if (!prog_tag(fd, have)) {
		for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			if ((hook == VTAP_HOOK_INGRESS) != (progs[i].bit == VTAPD_ATT_OUT))
				continue;
			if (!prog_tag(vtap_loader_prog_fd(&d->ld, progs[i].name), ours) &&
			    !memcmp(have, ours, BPF_TAG_SIZE))
				bit = progs[i].bit;
		}
	}
	close(fd);
	return bit;
}

void vtapd_adopt(struct vtapd *d)
{
	for (size_t i = 0; i < d->n_ports; i++) {
		struct vtapd_port *p = &d->ports[i];
		unsigned int bits = attached_prog(d, p->ifindex, VTAP_HOOK_INGRESS) |
				    attached_prog(d, p->ifindex, VTAP_HOOK_EGRESS) |
				    (vtapd_xdp_adopt(d, p) ? VTAPD_ATT_XDP : 0);

		if (!bits)
			continue;
		p->attached = bits;
		p->adopted = true;
		d->adopted++;
		log_info("adopted vtap's filters on %s: they stay attached", p->name);
	}
}

/* ---- ports ---- */

static struct vtapd_port *port_by_index(struct vtapd *d, int ifindex)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (d->ports[i].ifindex == ifindex)
			return &d->ports[i];
	return NULL;
}

static struct vtapd_port *port_by_name(struct vtapd *d, const char *name)
{
	for (size_t i = 0; i < d->n_ports; i++)
		if (!strcmp(d->ports[i].name, name))
			return &d->ports[i];
	return NULL;
}

/* Does any policy or monitor name this port? Ports nobody names (most of
 * a host's) change nothing, so their events cost no recompile. */
static bool port_named(const struct vtapd *d, const char *name)
{
	for (size_t i = 0; i < d->set.n_monitors; i++)
		if (!strcmp(d->set.monitors[i].port, name))
			return true;
	for (size_t i = 0; i < d->set.n_receives; i++)
		if (!strcmp(d->set.receives[i].port, name))
			return true;
	if (!strcmp(name, d->vxlan_dev))
		return true;
	for (size_t i = 0; i < d->set.n_policies; i++)
		for (size_t k = 0; k < d->set.policies[i].n_ports; k++)
			if (!fnmatch(d->set.policies[i].ports[k], name, 0))
				return true;
	return false;
}

void vtapd_link_event(void *arg, int ifindex, const char *name, int up, int deleted)
{
	struct vtapd *d = arg;
	struct vtapd_port *p = port_by_index(d, ifindex);

	if (deleted) {
		if (p) {
			log_info("port %s (ifindex %d) is gone%s", p->name, ifindex,
				 p->attached ? "; forgetting its taps" : "");
			if (p->attached || port_named(d, p->name))
				d->dirty = true;
			/* the device took its filters and qdisc along; its sink
			 * counters are vtap's to remove */
			if (p->attached & VTAPD_ATT_SINK)
				vtap_loader_del_sink(&d->ld, (__u32)p->ifindex);
			vtapd_sinks_port_gone(d, p->name);
			vtapd_xdp_forget(p);
			*p = d->ports[--d->n_ports];
		}
		return;
	}
	if (!p) {
		if (d->n_ports == d->cap_ports) {
			size_t cap = d->cap_ports ? 2 * d->cap_ports : 64;
			struct vtapd_port *np = realloc(d->ports, cap * sizeof(*np));

			if (!np) {
				log_err("out of memory tracking port %s", name);
				return;
			}
			d->ports = np;
			d->cap_ports = cap;
		}
		p = &d->ports[d->n_ports++];
		memset(p, 0, sizeof(*p));
		p->ifindex = ifindex;
		log_debug("port %s (ifindex %d) appeared", name, ifindex);
	}
	if (strcmp(p->name, name)) {
		if (p->name[0])
			log_info("port %s (ifindex %d) renamed to %s", p->name, ifindex, name);
		if (p->attached || port_named(d, p->name) || port_named(d, name))
			d->dirty = true;
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	p->up = up;
	p->seen = true;
}

void vtapd_resync_begin(struct vtapd *d)
{
	for (size_t i = 0; i < d->n_ports; i++)
		d->ports[i].seen = false;
	d->resync = true;
}

void vtapd_resync_end(struct vtapd *d)
{
	size_t i = 0;

	d->resync = false;
	while (i < d->n_ports) {
		struct vtapd_port *p = &d->ports[i];

		if (p->seen) {
			i++;
			continue;
		}
		/* gone while events were lost: as if RTM_DELLINK had come */
		vtapd_link_event(d, p->ifindex, p->name, 0, 1);
	}
}

/* ---- policy ids: stable per policy name, so counters survive reloads ---- */

/* d->ids is kept sorted by name, so 4096 policies cost n log n lookups */
static int assign_ids(struct vtapd *d, const struct vtap_policy_set *set, __u32 *ids)
{
	size_t n_old = d->n_ids;
	__u32 next = 0;
	int ret = 0;

	for (size_t i = 0; i < set->n_policies; i++) {
		const char *name = set->policies[i].name;
		struct vtapd_policy_id key, *hit, *n;

		snprintf(key.name, sizeof(key.name), "%s", name);
		hit = n_old ? bsearch(&key, d->ids, n_old, sizeof(*d->ids), cmp_id_name) : NULL;
		if (hit) {
			ids[i] = hit->id;
			continue;
		}
		while (next < VTAP_MAX_RULES && d->id_used[next])
			next++;
		if (next == VTAP_MAX_RULES) {
			ret = -ENOSPC;
			break;
		}
		n = realloc(d->ids, (d->n_ids + 1) * sizeof(*n));
		if (!n) {
			ret = -ENOMEM;
			break;
		}
		d->ids = n;
		d->ids[d->n_ids] = key;
		d->ids[d->n_ids++].id = next;
		d->id_used[next] = true;
		vtap_loader_zero_stats(&d->ld, next);
		vtap_loader_set_name(&d->ld, next, name);
		ids[i] = next;
	}
	if (d->n_ids)
		qsort(d->ids, d->n_ids, sizeof(*d->ids), cmp_id_name);
	return ret;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Forget ids of policies no longer in the set (after the flip, so no frame
 * classified by the new generation can still count into them). */
static void release_ids(struct vtapd *d)
{
	const char **names = calloc(d->set.n_policies + 1, sizeof(*names));
	size_t k = 0;

	if (!names)
		return; /* keep them all: a leak of slots, not of counts */
	for (size_t i = 0; i < d->set.n_policies; i++)
		names[i] = d->set.policies[i].name;
	qsort(names, d->set.n_policies, sizeof(*names), cmp_str_ptr);
	for (size_t i = 0; i < d->n_ids; i++) {
		const char *name = d->ids[i].name;

		if (bsearch(&name, names, d->set.n_policies, sizeof(*names), cmp_str_ptr)) {
			d->ids[k++] = d->ids[i];
			continue;
		}
		d->id_used[d->ids[i].id] = false;
		vtap_loader_set_name(&d->ld, d->ids[i].id, "");
	}
	d->n_ids = k; /* still sorted */
	free(names);
}

/* ---- attachments ---- */

/* out taps and the receiving side on ingress; in taps and sinks on egress */
static enum vtap_hook hook_of(unsigned int what)
{
	return what == VTAPD_ATT_OUT || what == VTAPD_ATT_RX ? VTAP_HOOK_INGRESS
							    : VTAP_HOOK_EGRESS;
}

static const char *prog_of(unsigned int what)
{
	return what == VTAPD_ATT_OUT  ? "vtap_tc_out"
	       : what == VTAPD_ATT_IN ? "vtap_tc_in"
	       : what == VTAPD_ATT_RX ? "vtap_rx"
	       : what == VTAPD_ATT_XDP ? "vtap_xdp_out"
				      : "vtap_sink";
}

static int attach_one(struct vtapd *d, struct vtapd_port *p, unsigned int what)
{
	const char *prog = prog_of(what);
	enum vtap_hook hook = hook_of(what);
	bool created = false;
	int ret;

	if (what == VTAPD_ATT_XDP)
		return vtapd_xdp_attach(d, p);
	ret = vtap_tc_attach(p->ifindex, hook, vtap_loader_prog_fd(&d->ld, prog), &created);
	if (ret) {
		log_err("cannot attach %s to %s %s: %s", prog, p->name,
			hook == VTAP_HOOK_INGRESS ? "ingress" : "egress", strerror(-ret));
		return ret;
	}
	if (created)
		p->created_qdisc = true;
	p->attached |= what;
	if (what == VTAPD_ATT_SINK && (ret = vtap_loader_add_sink(&d->ld, (__u32)p->ifindex)))
		log_warn("no counters for sink %s: %s", p->name, strerror(-ret));
	log_info("attached %s to %s (%s)", prog, p->name,
		 hook == VTAP_HOOK_INGRESS ? "ingress" : "egress");
	return 0;
}

static void detach_one(struct vtapd *d, struct vtapd_port *p, unsigned int what)
{
	int ret = 0;

	if (what == VTAPD_ATT_XDP)
		vtapd_xdp_detach(d, p);
	else
		ret = vtap_tc_detach(p->ifindex, hook_of(what));
	if (ret)
		log_warn("cannot detach from %s: %s", p->name, strerror(-ret));
	p->attached &= ~what;
	if (what == VTAPD_ATT_SINK)
		vtap_loader_del_sink(&d->ld, (__u32)p->ifindex);
	/* the qdisc goes if vtap made it (or adopted it from a previous vtapd,
	 * which may have), and only if nobody has put a filter of their own
	 * on it since */
	if (!p->attached && (p->created_qdisc || p->adopted) &&
	    vtap_tc_count_filters(p->ifindex, VTAP_HOOK_INGRESS) == 0 &&
	    vtap_tc_count_filters(p->ifindex, VTAP_HOOK_EGRESS) == 0) {
		vtap_tc_destroy_qdisc(p->ifindex);
		p->created_qdisc = false;
	}
	if (what != VTAPD_ATT_XDP)
		log_info("detached %s from %s", prog_of(what), p->name);
}

int vtapd_engine_parse(const char *s, enum vtapd_engine *e)
{
	static const char *const names[] = { "auto", "ebpf", "dpdk" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*e = (enum vtapd_engine)i;
			return 0;
		}
	return -1;
}

static bool dpdk_port_named(const struct vtapd *d, const char *name)
{
	char globs[512], *save = NULL;

	if (!d->dpdk_ports)
		return false;
	snprintf(globs, sizeof(globs), "%s", d->dpdk_ports);
	for (char *g = strtok_r(globs, ",", &save); g; g = strtok_r(NULL, ",", &save))
		if (!fnmatch(g, name, 0))
			return true;
	return false;
}

/* The port's taps go to the DPDK engine: said once, with the reason, and
 * anything eBPF attached there comes off (one engine per port, or frames
 * would be copied twice). */
static void give_to_dpdk(struct vtapd *d, struct vtapd_port *p, const char *why)
{
	p->dpdk = true;
	snprintf(p->engine_why, sizeof(p->engine_why), "%s", why);
	log_warn("port %s: engine dpdk: %s; vtap-dpdk must serve it (vtapd does not start it)",
		 p->name, why);
	static const unsigned int taps[] = { VTAPD_ATT_OUT, VTAPD_ATT_IN, VTAPD_ATT_XDP };

	for (size_t k = 0; k < sizeof(taps) / sizeof(taps[0]); k++)
		if (p->attached & taps[k])
			detach_one(d, p, taps[k]);
}

/* Attach the tap `bit` of a VM port with the engine vtapd chooses for it:
 * configured DPDK, else eBPF, else (auto, eBPF cannot attach) DPDK. */
static void attach_tap(struct vtapd *d, struct vtapd_port *p, unsigned int bit)
{
	char why[160];
	int ret;

	if (p->dpdk)
		return;
	if (d->engine == VTAPD_ENGINE_DPDK || dpdk_port_named(d, p->name)) {
		give_to_dpdk(d, p,
			     d->engine == VTAPD_ENGINE_DPDK ? "configured (--engine dpdk)"
							    : "configured (--dpdk-ports)");
		return;
	}
	ret = attach_one(d, p, bit);
	if (!ret || d->engine == VTAPD_ENGINE_EBPF)
		return;
	snprintf(why, sizeof(why), "eBPF cannot attach to %s: %s",
		 bit == VTAPD_ATT_OUT ? "clsact ingress" : "clsact egress", strerror(-ret));
	give_to_dpdk(d, p, why);
}

static unsigned int wanted(struct vtapd *d, const struct vtap_image *img,
			   const struct vtap_policy_set *set, struct vtapd_port *p)
{
	const char *d_vxlan_dev = d->vxlan_dev;

	unsigned int w = 0;

	for (size_t i = 0; i < img->n_ports; i++)
		if ((int)img->ports[i].ifindex == p->ifindex)
			w |= img->ports[i].dir == VTAP_DIR_OUT ? VTAPD_ATT_OUT : VTAPD_ATT_IN;
	/* out frames: XDP where the attach mode and the monitors allow */
	if ((w & VTAPD_ATT_OUT) && vtapd_out_wants_xdp(d, set, p))
		w = (w & ~VTAPD_ATT_OUT) | VTAPD_ATT_XDP;
	else if (!(w & VTAPD_ATT_OUT))
		p->hook_note[0] = 0; /* no out tap: no reason to give */
	for (size_t m = 0; m < set->n_monitors; m++) {
		const struct vtap_monitor *mon = &set->monitors[m];

		if (strcmp(mon->type == VTAP_MONITOR_VXLAN ? d_vxlan_dev : mon->port, p->name))
			continue;
		/* a capture/ovs port vtap could not set up (not a veth, ...)
		 * is left alone: the sink program would drop its traffic */
		if ((mon->type == VTAP_MONITOR_CAPTURE || mon->type == VTAP_MONITOR_OVS) &&
		    !vtapd_sink_usable(d, mon))
			continue;
		w |= VTAPD_ATT_SINK;
	}
	if (set->n_receives && !strcmp(d_vxlan_dev, p->name))
		w |= VTAPD_ATT_RX;
	return w;
}

/* assign: give the set's policies their counter slots (a new set); a port
 * event recompiles the running set, whose slots are already in ids */
static int reconcile_set(struct vtapd *d, const struct vtap_policy_set *set, __u32 *ids,
			 bool assign)
{
	struct vtap_host_port *hp;
	__u32 *sinks;
	unsigned int *want;
	struct vtap_errors errs = { 0 };
	struct vtap_compile_env env;
	struct vtap_image img;
	double t0 = now_ms();
	size_t n_hp = 0;
	int ret = -ENOMEM;

	/* copies made under the running set go where it sends them, before
	 * its sinks change */
	vtapd_ring_drain(d);
	/* first: it may add the links it makes to d->ports */
	vtapd_sinks_prepare(d, set);
	hp = calloc(d->n_ports + 1, sizeof(*hp));
	sinks = calloc(set->n_monitors + 1, sizeof(*sinks));
	want = calloc(d->n_ports + 1, sizeof(*want));
	if (!hp || !sinks || !want)
		goto out_free;
	for (size_t i = 0, k = 0; i < d->n_ports; i++) {
		/* vtap's own devices are never tapped, whatever glob a
		 * policy has: a tap there would replace their program */
		if (vtapd_is_sink_dev(d, set, d->ports[i].name))
			continue;
		snprintf(hp[k].name, sizeof(hp[k].name), "%s", d->ports[i].name);
		hp[k].ifindex = (__u32)d->ports[i].ifindex;
		k++;
		n_hp = k;
	}
	for (size_t m = 0; m < set->n_monitors; m++) {
		struct vtapd_port *p = port_by_name(d, set->monitors[m].port);

		/* vxlan: vtapd's VXLAN device; capture and ovs: the sink's
		 * reader must be there */
		if (set->monitors[m].type == VTAP_MONITOR_VXLAN)
			p = port_by_name(d, d->vxlan_dev);
		else if (set->monitors[m].type != VTAP_MONITOR_LOCAL &&
			 !vtapd_sink_usable(d, &set->monitors[m]))
			continue;
		sinks[m] = p ? (__u32)p->ifindex : 0;
		if (!p)
			log_warn("monitor %s: port %s is not present; copies for it are "
				 "counted as copy failures until it appears",
				 set->monitors[m].name,
				 set->monitors[m].type == VTAP_MONITOR_VXLAN ? d->vxlan_dev
									     : set->monitors[m].port);
		/* the sink program before any rule points at the port: without
		 * it copies would leave unmarked and uncut, so a port it cannot
		 * be put on gets no copies (they count as copy failures) */
		else if (!(p->attached & VTAPD_ATT_SINK) && attach_one(d, p, VTAPD_ATT_SINK))
			sinks[m] = 0;
	}
	if (assign && (ret = assign_ids(d, set, ids))) {
		log_err("no free policy counter slot (limit %d)", VTAP_MAX_RULES);
		snprintf(d->last_error, sizeof(d->last_error), "no free policy counter slot");
		goto out_free;
	}
	env = (struct vtap_compile_env){ .ports = hp,
					 .n_ports = n_hp,
					 .sink_ifindex = sinks,
					 .policy_id = ids };
	ret = vtap_compile(set, &env, &img, &errs);
	if (ret) {
		for (size_t i = 0; i < errs.n; i++)
			log_err("%s", errs.msgs[i]);
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 errs.n ? errs.msgs[0] : "compile failed");
		vtap_errors_free(&errs);
		goto out_free;
	}
	/* what vtap attached may have been taken off behind its back (tc
	 * filter del, another tool's teardown): check, and attach again */
	for (size_t i = 0; i < d->n_ports; i++) {
		struct vtapd_port *p = &d->ports[i];

		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1) {
			bool gone = bit == VTAPD_ATT_XDP
					    ? !vtapd_xdp_present(d, p)
					    : vtap_tc_query(p->ifindex, hook_of(bit), NULL) == 0;

			if ((p->attached & bit) && gone) {
				log_warn("vtap's filter on %s was removed by someone else; "
					 "attaching it again",
					 p->name);
				p->attached &= ~bit;
			}
		}
	}
	/* attach first: a tap without rules for its port copies nothing */
	for (size_t i = 0; i < d->n_ports; i++) {
		struct vtapd_port *p = &d->ports[i];

		want[i] = wanted(d, &img, set, p);
		/* a port no policy taps any more has no engine either */
		if (!(want[i] & (VTAPD_ATT_OUT | VTAPD_ATT_IN | VTAPD_ATT_XDP)))
			p->dpdk = false;
		/* XDP first: where it cannot go (another program is there, no
		 * native XDP) the port's out frames are tapped with TC; a port
		 * the DPDK engine serves gets no XDP either */
		if (want[i] & VTAPD_ATT_XDP) {
			if (p->dpdk || d->engine == VTAPD_ENGINE_DPDK || dpdk_port_named(d, p->name))
				want[i] = (want[i] & ~VTAPD_ATT_XDP) | VTAPD_ATT_OUT;
			else if (!(p->attached & VTAPD_ATT_XDP) && attach_one(d, p, VTAPD_ATT_XDP))
				want[i] = (want[i] & ~VTAPD_ATT_XDP) | VTAPD_ATT_OUT;
		}
		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1) {
			if (bit == VTAPD_ATT_XDP || !(want[i] & bit) || (p->attached & bit))
				continue;
			if (bit == VTAPD_ATT_OUT || bit == VTAPD_ATT_IN)
				attach_tap(d, p, bit);
			else
				attach_one(d, p, bit);
		}
	}
	/* vxlan tunnels of the new set before it is in effect: an id a
	 * removed policy had must not send a copy to that policy's remote */
	vtapd_tunnels_write(d, set, ids);
	ret = vtap_loader_apply(&d->ld, &img);
	if (ret) {
		snprintf(d->last_error, sizeof(d->last_error),
			 "cannot write the rule set into the maps: %s", strerror(-ret));
	} else {
		for (size_t i = 0; i < d->n_ports; i++) {
			struct vtapd_port *p = &d->ports[i];

			for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1)
				if (!(want[i] & bit) && (p->attached & bit))
					detach_one(d, p, bit);
		}
		vtapd_sinks_applied(d, set, ids);
		d->applies++;
		d->last_apply_ms = now_ms() - t0;
		log_debug("rule set of %zu policies in effect (generation %d, %.2f ms)",
			  set->n_policies, vtap_loader_active_gen(&d->ld), d->last_apply_ms);
	}
	vtap_image_free(&img);
out_free:
	/* the ring's copies go to the sinks of the set in effect (the sinks
	 * may have moved in d->sinks) */
	if (ret)
		vtapd_ring_route(d, &d->set, d->set_ids);
	else
		vtapd_ring_route(d, set, ids);
	free(hp);
	free(sinks);
	free(want);
	return ret;
}

int vtapd_reconcile(struct vtapd *d)
{
	d->dirty = false;
	return reconcile_set(d, &d->set, d->set_ids, false);
}

int vtapd_reload(struct vtapd *d, struct sbuf *out)
{
	struct vtap_policy_set set = { 0 };
	struct vtap_errors errs = { 0 };
	__u32 *ids;
	int ret;

	ret = vtap_policy_load_dir(d->policy_dir, &set, &errs);
	if (ret) {
		for (size_t i = 0; i < errs.n; i++) {
			log_err("%s", errs.msgs[i]);
			if (out)
				sbuf_printf(out, "%s\n", errs.msgs[i]);
		}
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 errs.n ? errs.msgs[0] : "policy load failed");
		log_err("policy reload rejected; the running policy set is unchanged");
		vtap_errors_free(&errs);
		d->reloads_failed++;
		return -1;
	}
	ids = calloc(set.n_policies + 1, sizeof(*ids));
	if (!ids) {
		vtap_policy_set_free(&set);
		return -ENOMEM;
	}
	ret = reconcile_set(d, &set, ids, true);
	if (ret) {
		if (out)
			sbuf_printf(out, "%s\n", d->last_error);
		log_err("policy reload rejected; the running policy set is unchanged");
		vtap_policy_set_free(&set);
		free(ids);
		d->reloads_failed++;
		release_ids(d); /* ids handed out to the rejected set */
		return -1;
	}
	vtap_policy_set_free(&d->set);
	free(d->set_ids);
	d->set = set;
	d->set_ids = ids;
	release_ids(d);
	d->reloads_ok++;
	d->last_error[0] = 0;
	log_info("loaded %zu policies and %zu monitors from %s", set.n_policies, set.n_monitors,
		 d->policy_dir);
	return 0;
}

void vtapd_teardown(struct vtapd *d, bool unpin)
{
	/* taps off first, so no copy is on its way to a sink being closed */
	for (size_t i = 0; i < d->n_ports; i++) {
		struct vtapd_port *p = &d->ports[i];

		for (unsigned int bit = 1; bit <= VTAPD_ATT_LAST; bit <<= 1)
			if (p->attached & bit)
				detach_one(d, p, bit);
	}
	vtapd_ring_close(d);
	vtapd_sinks_close(d, unpin);
	if (d->ld.tc)
		vtap_loader_close(&d->ld, unpin);
	if (unpin)
		log_info("removed the pins under %s", d->pin_root);
}
