// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/log.h"
#include "core/run.h"
#include "kernel/kfile.h"
#include "kernel/sink_queue.h"
#include "ovs.h"

#define OVS_TIMEOUT "--timeout=10"
/* OpenFlow rules vtapd installs carry this cookie (high 32 bits) and a
 * hash of the monitor's name and its sink's peer (low 32), so it finds and
 * removes one sink's own: a monitor moved to another port has two sinks
 * for a while (the set in effect and the staged one), and removing one,
 * at a rollback or once the other is in effect, must leave the other's. */
#define VTAP_OVS_COOKIE 0x7a700000ull

struct vtap_ovs {
	char monitor[VTAP_NAME_MAX];
	char bridge[VTAP_NAME_MAX], mon_port[VTAP_NAME_MAX], peer[IF_NAMESIZE];
	enum vtap_ovs_datapath dp;
	uint64_t cookie;
	long in_port, out_port;
	__u32 *vids; /* sessions with a rule now: VID = policy id + 1 */
	size_t n_vids;
	struct vtap_sink_queue queue; /* the peer's receive work off the taps' CPUs */
};

/* ovs-vsctl get Interface NAME COLUMN */
static int iface_get(const char *name, const char *column, char *out, size_t outlen)
{
	char *argv[] = { "ovs-vsctl", OVS_TIMEOUT, "get", "Interface", (char *)name, (char *)column, NULL };
	char err[256];
	int ret = vtap_run_tool(argv, NULL, out, outlen, err, sizeof(err));

	out[strcspn(out, "\n")] = 0;
	return ret;
}

static long ofport_of(const char *name)
{
	char buf[64];

	if (iface_get(name, "ofport", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static uint64_t cookie_of(const char *monitor, const char *peer)
{
	uint32_t h = 2166136261u; /* FNV-1a over monitor, a 0 byte, peer */

	for (const char *c = monitor; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h *= 16777619u;
	for (const char *c = peer; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return (VTAP_OVS_COOKIE << 32) | h;
}

static int ofctl(struct vtap_ovs *o, const char *verb, const char *arg, const char *in, char *errbuf,
		 size_t errlen);

/* The peer's receive work (OVS's XDP program and AF_XDP copy) off the
 * tapped ports' CPUs (kernel/sink_queue.h). Its NAPI exists once OVS has
 * attached its XDP program, which ovs-vswitchd may still be doing after
 * the port got its number: a few tries. Without it copies still flow. */
static void offload(struct vtap_ovs *o, const char *sink)
{
	int ret = -EOPNOTSUPP;

	for (int i = 0; i < 25 && ret == -EOPNOTSUPP; i++) {
		if (i)
			usleep(20000);
		vtap_sink_queue_undo(&o->queue);
		ret = vtap_sink_queue_setup(&o->queue, sink, o->peer);
	}
	if (ret)
		log_warn("monitor %s: %s receives on the tapped ports' CPUs: %s", o->monitor,
			 o->peer, strerror(-ret));
}

int vtap_ovs_open(struct vtap_ovs **out, const struct vtap_monitor *m, const char *peer,
		  char *errbuf, size_t errlen)
{
	struct vtap_ovs *o;
	char type[96], rxq[32] = "options:n_rxq=1", mode[160], ext[128], err[512], buf[256];
	int ret;

	*out = NULL;
	if (!m->bridge[0] || !m->ovs_port[0]) {
		snprintf(errbuf, errlen, "an ovs monitor needs bridge and ovs_port (the monitor's "
					 "OVS port)");
		return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(o->monitor, sizeof(o->monitor), "%s", m->name);
	snprintf(o->bridge, sizeof(o->bridge), "%s", m->bridge);
	snprintf(o->mon_port, sizeof(o->mon_port), "%s", m->ovs_port);
	snprintf(o->peer, sizeof(o->peer), "%s", peer);
	o->dp = m->datapath == VTAP_OVS_DP_UNSET ? VTAP_OVS_DP_AFXDP : m->datapath;
	o->cookie = cookie_of(m->name, peer);
	if (o->dp == VTAP_OVS_DP_DPDK) {
		snprintf(type, sizeof(type), "type=dpdk");
		/* a vdev name is unique per port: net_af_xdp_<peer> */
		snprintf(mode, sizeof(mode), "options:dpdk-devargs=net_af_xdp_%s,iface=%s,start_queue=0,queue_count=1",
			 peer, peer);
	} else {
		snprintf(type, sizeof(type), "type=afxdp");
		snprintf(mode, sizeof(mode), "options:xdp-mode=native");
	}
	snprintf(ext, sizeof(ext), "external_ids:vtap-monitor=%s", m->name);
	{
		char *argv[] = { "ovs-vsctl", OVS_TIMEOUT, "--may-exist", "add-port", o->bridge,
				 o->peer, "--", "set", "Interface", o->peer, type, mode, rxq,
				 "--", "set", "Port", o->peer, ext, NULL };

		ret = vtap_run_tool(argv, NULL, NULL, 0, err, sizeof(err));
	}
	if (ret) {
		snprintf(errbuf, errlen, "ovs-vsctl add-port %s %s failed (%d): %s", o->bridge,
			 o->peer, ret, err[0] ? err : "no message");
		goto fail;
	}
	/* ovs-vsctl succeeds even when ovs-vswitchd could not open the port:
	 * its ofport and error column say */
	o->in_port = ofport_of(o->peer);
	if (o->in_port <= 0) {
		if (iface_get(o->peer, "error", buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "no error recorded");
		snprintf(errbuf, errlen, "Open vSwitch could not open %s as a %s port: %s", o->peer,
			 o->dp == VTAP_OVS_DP_DPDK ? "dpdk net_af_xdp" : "afxdp", buf);
		ret = -EIO;
		goto fail_port;
	}
	o->out_port = ofport_of(o->mon_port);
	if (o->out_port <= 0) {
		snprintf(errbuf, errlen, "no OVS port %s (ovs_port) with an OpenFlow port number",
			 o->mon_port);
		ret = -ENOENT;
		goto fail_port;
	}
	/* the port's default before any copy can arrive: on a bridge in
	 * standalone mode a copy would otherwise be switched (NORMAL) and
	 * flooded, with its session tag, to other ports */
	snprintf(buf, sizeof(buf), "cookie=0x%llx,priority=100,in_port=%ld,actions=drop\n",
		 (unsigned long long)o->cookie, o->in_port);
	if ((ret = ofctl(o, "add-flows", "-", buf, errbuf, errlen)))
		goto fail_port;
	offload(o, m->port);
	log_info("monitor %s: %s is OVS port %ld of %s (%s); copies go to %s (port %ld)", o->monitor,
		 o->peer, o->in_port, o->bridge, vtap_ovs_datapath_name(o->dp), o->mon_port,
		 o->out_port);
	*out = o;
	return 0;
fail_port:
	vtap_ovs_close(o, true);
	return ret;
fail:
	free(o);
	return ret ? ret : -EIO;
}

static int ofctl(struct vtap_ovs *o, const char *verb, const char *arg, const char *in, char *errbuf,
		 size_t errlen)
{
	char *argv[] = { "ovs-ofctl", "--timeout=10", (char *)verb, o->bridge, (char *)arg, NULL };
	char err[512];
	int ret = vtap_run_tool(argv, in, NULL, 0, err, sizeof(err));

	if (ret && errbuf)
		snprintf(errbuf, errlen, "ovs-ofctl %s %s failed (%d): %s", verb, o->bridge, ret,
			 err[0] ? err : "no message");
	return ret ? -EIO : 0;
}

int vtap_ovs_set_sessions(struct vtap_ovs *o, const __u32 *ids, size_t n, char *errbuf,
			  size_t errlen)
{
	size_t cap = 256 + n * 160, len = 0;
	char *flows = malloc(cap), match[160];
	__u32 *vids = calloc(n + 1, sizeof(*vids));
	int ret = -ENOMEM;

	if (!flows || !vids)
		goto out;
	/* the default for this port first: frames without a session of
	 * this monitor go nowhere */
	len += (size_t)snprintf(flows + len, cap - len,
				"cookie=0x%llx,priority=100,in_port=%ld,actions=drop\n",
				(unsigned long long)o->cookie, o->in_port);
	for (size_t i = 0; i < n; i++) {
		if (ids[i] > VTAP_SESSION_VLAN_MAX) {
			log_warn("monitor %s: policy id %u is beyond what a VLAN session tag "
				 "carries; its copies are counted as encap failures",
				 o->monitor, ids[i]);
			continue;
		}
		vids[i] = ids[i] + 1;
		len += (size_t)snprintf(flows + len, cap - len,
					"cookie=0x%llx,priority=200,in_port=%ld,dl_vlan=%u,"
					"actions=strip_vlan,output:%ld\n",
					(unsigned long long)o->cookie, o->in_port, vids[i], o->out_port);
	}
	ret = ofctl(o, "add-flows", "-", flows, errbuf, errlen);
	if (ret)
		goto out;
	/* then the sessions that went away: no gap for those that stay */
	for (size_t i = 0; i < o->n_vids; i++) {
		bool keep = false;

		for (size_t j = 0; j < n && !keep; j++)
			keep = vids[j] == o->vids[i];
		if (keep)
			continue;
		snprintf(match, sizeof(match), "cookie=0x%llx/-1,priority=200,in_port=%ld,dl_vlan=%u",
			 (unsigned long long)o->cookie, o->in_port, o->vids[i]);
		{
			char *argv[] = { "ovs-ofctl", "--timeout=10", "--strict", "del-flows",
					 o->bridge, match, NULL };

			if (vtap_run_tool(argv, NULL, NULL, 0, NULL, 0))
				log_warn("monitor %s: cannot remove the rule of VLAN %u", o->monitor,
					 o->vids[i]);
		}
	}
	free(o->vids);
	o->vids = vids;
	o->n_vids = n;
	vids = NULL;
	log_info("monitor %s: %zu session rule%s on %s", o->monitor, n, n == 1 ? "" : "s",
		 o->bridge);
out:
	free(flows);
	free(vids);
	return ret;
}

bool vtap_ovs_same(const struct vtap_ovs *o, const struct vtap_monitor *m)
{
	enum vtap_ovs_datapath dp = m->datapath == VTAP_OVS_DP_UNSET ? VTAP_OVS_DP_AFXDP : m->datapath;

	return !strcmp(o->bridge, m->bridge) && !strcmp(o->mon_port, m->ovs_port) && o->dp == dp;
}

void vtap_ovs_close(struct vtap_ovs *o, bool remove)
{
	char match[64];

	if (!o)
		return;
	/* kept (remove false): the port goes on receiving, as before; else
	 * undone while OVS's XDP program is on (the veth's NAPI goes with it) */
	if (remove)
		vtap_sink_queue_undo(&o->queue);
	if (remove) {
		char *argv[] = { "ovs-vsctl", OVS_TIMEOUT, "--if-exists", "del-port",
				 o->bridge, o->peer, NULL };
		char err[256];

		/* the port first: with it gone no copy reaches the bridge, so
		 * none can meet the bridge without vtap's rules */
		if (vtap_run_tool(argv, NULL, NULL, 0, err, sizeof(err)))
			log_warn("monitor %s: cannot remove OVS port %s: %s", o->monitor, o->peer,
				 err);
		snprintf(match, sizeof(match), "cookie=0x%llx/-1", (unsigned long long)o->cookie);
		if (ofctl(o, "del-flows", match, NULL, NULL, 0))
			log_warn("monitor %s: cannot remove its OpenFlow rules from %s", o->monitor,
				 o->bridge);
		else
			log_info("monitor %s: removed its OVS port %s and rules from %s", o->monitor,
				 o->peer, o->bridge);
	}
	free(o->vids);
	free(o);
}

uint64_t vtap_ovs_sink_dropped(const struct vtap_ovs *o)
{
	return vtap_sink_queue_dropped(&o->queue);
}

uint64_t vtap_ovs_peer_dropped(const struct vtap_ovs *o)
{
	char v[32] = "";

	if (vtap_kfile_get(vtap_kfile_open(O_RDONLY, "/sys/class/net/%s/statistics/rx_dropped",
					   o->peer),
			   v, sizeof(v)) < 0)
		return 0;
	return strtoull(v, NULL, 10);
}
