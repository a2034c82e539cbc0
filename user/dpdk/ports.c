// SPDX-License-Identifier: GPL-2.0
/* vtap-dpdk's ports: a device from its devargs (hot-plugged after EAL
 * init, so a wrong one is named in the error), one rx and one tx queue,
 * its own mbuf pool, and the host port name/ifindex the policies see. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include "core/log.h"
#include "kernel/host_use.h"
#include "vdp.h"

/* value of key=... in a devargs string, or "" */
static void devarg(const char *devargs, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	const char *p = strchr(devargs, ',');

	out[0] = 0;
	while (p) {
		p++;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t l = strcspn(p + kl + 1, ",");

			snprintf(out, n, "%.*s", (int)(l < n ? l : n - 1), p + kl + 1);
			return;
		}
		p = strchr(p, ',');
	}
}

/* The kernel interface a port's devargs name (iface=, or net_tap's
 * remote=), "" for none */
static void kernel_iface(const char *devargs, char *iface, size_t n)
{
	devarg(devargs, "iface", iface, n);
	if (!iface[0])
		devarg(devargs, "remote", iface, n); /* net_tap */
}

/* Which host port policies call it: a kernel-backed device (net_af_xdp,
 * net_tap, af_packet) by its interface, so the policy files of the kernel
 * path work unchanged; any other (vhost-user...) by its DPDK name, with an
 * ifindex above what the kernel hands out so it cannot collide. */
static void port_identity(struct vdp_port *p)
{
	char iface[IF_NAMESIZE + 8];

	kernel_iface(p->devargs, iface, sizeof(iface));
	if (iface[0] && strlen(iface) < IF_NAMESIZE) {
		snprintf(p->name, sizeof(p->name), "%s", iface);
		p->ifindex = if_nametoindex(iface);
		return;
	}
	snprintf(p->name, sizeof(p->name), "%.*s", IF_NAMESIZE - 1, p->dev);
	p->ifindex = 0x40000000u + p->id;
}

int vdp_port_refused(const struct vdp_port *p, const char *role)
{
	char iface[IF_NAMESIZE + 8];
	struct vtap_host_use u;
	int ifindex;

	kernel_iface(p->devargs, iface, sizeof(iface));
	ifindex = iface[0] && strlen(iface) < IF_NAMESIZE ? (int)if_nametoindex(iface) : 0;
	/* a query that fails refuses too: the port would be taken unchecked */
	if (!ifindex || vtap_host_use(ifindex, 0, &u) == 0 || !u.why[0])
		return 0;
	log_err("%s %s: refusing interface %s: it carries the host's own traffic (%s); the PMD "
		"would take every frame it receives",
		role, p->devargs, iface, u.why);
	return -1;
}

int vdp_port_open(struct vdp_port *p, const char *role)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	char pool[RTE_MEMPOOL_NAMESIZE];
	size_t dl = strcspn(p->devargs, ",");
	int ret;

	snprintf(p->dev, sizeof(p->dev), "%.*s",
		 (int)(dl < sizeof(p->dev) ? dl : sizeof(p->dev) - 1), p->devargs);
	ret = rte_dev_probe(p->devargs);
	if (ret) {
		log_err("%s %s: cannot open the device: %s (unknown driver, or its interface "
			"is missing?)",
			role, p->devargs, rte_strerror(-ret));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(p->dev, &p->id)) {
		log_err("%s %s: no ethdev named %s after probing", role, p->devargs, p->dev);
		return -1;
	}
	p->open = true;
	port_identity(p);
	if (p->ifindex == 0) {
		log_err("%s %s: interface %s: %s", role, p->devargs, p->name, strerror(errno));
		return -1;
	}
	snprintf(pool, sizeof(pool), "vdp_p%u", p->id);
	p->pool = rte_pktmbuf_pool_create(pool, VDP_PORT_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!p->pool) {
		log_err("%s %s: no memory for its mbufs: %s (more -m?)", role, p->devargs,
			rte_strerror(rte_errno));
		return -1;
	}
	if ((ret = rte_eth_dev_info_get(p->id, &info)) ||
	    (ret = rte_eth_dev_configure(p->id, 1, 1, &conf)) ||
	    (ret = rte_eth_rx_queue_setup(p->id, 0, VDP_RING, (unsigned int)rte_socket_id(), NULL,
					  p->pool)) ||
	    (ret =
		 rte_eth_tx_queue_setup(p->id, 0, VDP_RING, (unsigned int)rte_socket_id(), NULL)) ||
	    (ret = rte_eth_dev_start(p->id))) {
		log_err("%s %s: cannot start the port: %s", role, p->devargs, rte_strerror(-ret));
		return -1;
	}
	/* a bump in the wire forwards every frame, whoever it is for; some
	 * PMDs (af_xdp) receive everything anyway and refuse the call */
	rte_eth_promiscuous_enable(p->id);
	log_info("%s %s: port %u, host port %s (ifindex %u)", role, p->devargs, p->id, p->name,
		 p->ifindex);
	return 0;
}

void vdp_port_close(struct vdp_port *p)
{
	struct rte_eth_dev_info info;

	if (!p->open)
		return;
	if (rte_eth_dev_info_get(p->id, &info))
		info.device = NULL;
	rte_eth_dev_stop(p->id);
	rte_eth_dev_close(p->id);
	/* the device goes too: af_xdp takes its XDP program off the interface */
	if (info.device)
		rte_dev_remove(info.device);
	p->open = false;
}

struct rte_mempool *vdp_copy_pool(void)
{
	return rte_pktmbuf_pool_create("vdp_copy", VDP_COPY_MBUFS, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}
