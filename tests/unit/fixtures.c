// SPDX-License-Identifier: GPL-2.0
/* The classifier fixture table (see fixtures.h), the frame builder and the
 * compile helper shared by test_classify.c and test_bpf.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fixtures.h"

/* ---- host ports ---- */

const char *const fx_port_names[FX_N_PORTS] = { "vm1", "vm2", "tapa0", "tapb0", "idle0" };
const char *const fx_sink_names[FX_N_SINKS] = { "sink0" };

void fx_env_init(struct fx_env *env, uint32_t (*ifindex_of)(const char *name))
{
	memset(env, 0, sizeof(*env));
	for (size_t i = 0; i < FX_N_PORTS; i++) {
		snprintf(env->ports[i].name, sizeof(env->ports[i].name), "%s", fx_port_names[i]);
		env->ports[i].ifindex = ifindex_of ? ifindex_of(fx_port_names[i]) : 101 + (uint32_t)i;
	}
	env->n_ports = FX_N_PORTS;
	for (size_t i = 0; i < FX_N_SINKS; i++) {
		snprintf(env->sinks[i].name, sizeof(env->sinks[i].name), "%s", fx_sink_names[i]);
		env->sinks[i].ifindex = ifindex_of ? ifindex_of(fx_sink_names[i]) : 201 + (uint32_t)i;
	}
	env->n_sinks = FX_N_SINKS;
}

uint32_t fx_env_ifindex(const struct fx_env *env, const char *name)
{
	for (size_t i = 0; i < env->n_ports; i++)
		if (!strcmp(env->ports[i].name, name))
			return env->ports[i].ifindex;
	for (size_t i = 0; i < env->n_sinks; i++)
		if (!strcmp(env->sinks[i].name, name))
			return env->sinks[i].ifindex;
	return 0;
}

const char *fx_level_name(int level)
{
	switch (level) {
	case VTAP_LEVEL_L2:
		return "L2";
	case VTAP_LEVEL_L3:
		return "L3";
	case VTAP_LEVEL_L4:
		return "L4";
	}
	return "?";
}

const char *fx_dir_name(int dir)
{
	return dir == VTAP_DIR_IN ? "in" : dir == VTAP_DIR_OUT ? "out" : "?";
}

/* ---- frame builder ---- */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void addr(int fam, const char *s, const char *def, uint8_t *out)
{
	if (inet_pton(fam, s ? s : def, out) != 1) {
		fprintf(stderr, "fixtures: bad address '%s'\n", s ? s : def);
		abort();
	}
}

/* L4 header bytes for proto (0: no header, only payload) */
static size_t l4_len(uint8_t proto)
{
	switch (proto) {
	case VTAP_IPPROTO_TCP:
		return 20;
	case VTAP_IPPROTO_UDP:
		return 8;
	case VTAP_IPPROTO_SCTP:
		return 12;
	case VTAP_IPPROTO_ICMP:
	case VTAP_IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

static void put_l4(const struct fx_pkt *k, uint8_t *p, size_t payload)
{
	switch (k->proto) {
	case VTAP_IPPROTO_TCP:
		wr16(p, k->sport);
		wr16(p + 2, k->dport);
		wr16(p + 4, 0x1000); /* seq */
		p[12] = (uint8_t)((5 + k->tcp_opts / 4) << 4); /* data offset */
		p[13] = 0x02;       /* SYN */
		wr16(p + 14, 0xffff);
		memset(p + 20, 0x01, k->tcp_opts); /* NOP options */
		break;
	case VTAP_IPPROTO_UDP:
		wr16(p, k->sport);
		wr16(p + 2, k->dport);
		wr16(p + 4, (uint16_t)(8 + payload));
		break;
	case VTAP_IPPROTO_SCTP:
		wr16(p, k->sport);
		wr16(p + 2, k->dport);
		wr16(p + 4, 0xcafe); /* verification tag */
		break;
	case VTAP_IPPROTO_ICMP:
	case VTAP_IPPROTO_ICMPV6:
		p[0] = k->icmp_type;
		p[1] = k->icmp_code;
		wr16(p + 4, 0x4242); /* id */
		wr16(p + 6, 1);      /* seq */
		break;
	}
}

size_t fx_build(const struct fixture *f, uint8_t *buf, size_t cap)
{
	const struct fx_pkt *k = &f->pkt;
	size_t off = 12, l3, ext_off = 0, l4 = 0, end, n_tags = 0, l4h, pay;
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memset(buf, 0, cap);
	if (f->raw || f->raw_set) {
		size_t n = f->raw_len < cap ? f->raw_len : cap;

		if (n)
			memcpy(buf, f->raw, n);
		return n;
	}
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	for (n_tags = 0; n_tags < 3 && k->tpid[n_tags]; n_tags++) {
		wr16(buf + off, k->tpid[n_tags]);
		wr16(buf + off + 2, k->tci[n_tags]);
		off += 4;
	}
	l3 = off + 2;
	l4h = l4_len(k->proto) + (k->proto == VTAP_IPPROTO_TCP ? k->tcp_opts : 0);
	pay = k->payload ? k->payload : (l4h ? 0 : 8);
	switch (k->l3) {
	case FX_NONE:
		wr16(buf + off, k->etype);
		end = l3 + pay;
		memset(buf + l3, 0x5a, pay);
		break;
	case FX_ARP: {
		uint8_t *a = buf + l3;

		wr16(buf + off, VTAP_ETH_P_ARP);
		wr16(a, 1);
		wr16(a + 2, VTAP_ETH_P_IP);
		a[4] = 6;
		a[5] = 4;
		wr16(a + 6, 1); /* request */
		memcpy(a + 8, smac, 6);
		addr(AF_INET, k->src, "10.0.1.5", a + 14);
		addr(AF_INET, k->dst, "10.0.2.7", a + 24);
		end = l3 + 28;
		break;
	}
	case FX_IP4: {
		uint8_t *ip = buf + l3;
		size_t ihl = 20 + k->ip4_opts;

		wr16(buf + off, VTAP_ETH_P_IP);
		ip[0] = (uint8_t)((k->ip_ver ? k->ip_ver : 4) << 4 |
				  (k->ihl ? k->ihl : (ihl / 4)));
		l4 = l3 + ihl;
		end = l4 + l4h + pay;
		wr16(ip + 2, (uint16_t)(end - l3));
		wr16(ip + 4, 0x1234);
		if (k->frag == FX_FRAG_FIRST)
			wr16(ip + 6, 0x2000); /* MF */
		else if (k->frag == FX_FRAG_LATER)
			wr16(ip + 6, 0x2000 | 185); /* MF, offset 1480 */
		else
			wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = k->proto;
		addr(AF_INET, k->src, "10.0.1.5", ip + 12);
		addr(AF_INET, k->dst, "10.0.2.7", ip + 16);
		for (size_t i = 20; i < ihl; i++)
			ip[i] = 0x01; /* NOP options */
		if (ihl > 20)
			ip[ihl - 1] = 0x00; /* end of options */
		wr16(ip + 10, csum16(ip, ihl));
		if (k->frag != FX_FRAG_LATER)
			put_l4(k, buf + l4, pay);
		else
			l4h = 0, end = l4 + 16; /* a later fragment: data only */
		memset(buf + l4 + l4h, 0x5a, end - l4 - l4h);
		break;
	}
	case FX_IP6: {
		uint8_t *ip = buf + l3;
		size_t p = l3 + 40;
		uint8_t first = k->n_ext ? k->ext[0] : k->proto;
		bool later = false;

		wr16(buf + off, VTAP_ETH_P_IPV6);
		ip[0] = (uint8_t)((k->ip_ver ? k->ip_ver : 6) << 4);
		ip[6] = first;
		ip[7] = 64;
		addr(AF_INET6, k->src, "2001:db8:1::5", ip + 8);
		addr(AF_INET6, k->dst, "2001:db8:2::7", ip + 24);
		ext_off = p;
		for (size_t i = 0; i < k->n_ext; i++) {
			uint8_t *h = buf + p;
			uint8_t next = i + 1 < k->n_ext ? k->ext[i + 1] : k->proto;

			h[0] = next;
			switch (k->ext[i]) {
			case 44:
				if (k->frag == FX_FRAG_FIRST)
					wr16(h + 2, 0x0001); /* offset 0, M */
				else if (k->frag == FX_FRAG_LATER) {
					wr16(h + 2, (uint16_t)(185 << 3 | 1));
					later = true;
				}
				wr16(h + 4, 0xbeef);
				p += 8;
				break;
			case 51: /* AH, 24 bytes */
				h[1] = 4;
				wr16(h + 6, 0x0100); /* SPI low */
				p += 24;
				break;
			default: /* HBH, routing, dest opts: 8 bytes */
				h[1] = 0;
				if (k->ext[i] == 43) {
					h[2] = 4; /* segment routing type */
					h[3] = 0; /* segments left */
				} else {
					h[2] = 1; /* PadN */
					h[3] = 4;
				}
				p += 8;
				break;
			}
		}
		l4 = p;
		if (later)
			l4h = 0, pay = 16;
		else
			put_l4(k, buf + l4, pay);
		end = l4 + l4h + pay;
		memset(buf + l4 + l4h, 0x5a, pay);
		wr16(ip + 4, (uint16_t)(end - l3 - 40));
		break;
	}
	default:
		end = l3;
	}
	switch (k->cut) {
	case FX_CUT_TAGS:
		end = 12 + k->cut_keep;
		break;
	case FX_CUT_L3:
		end = l3 + k->cut_keep;
		break;
	case FX_CUT_EXT:
		end = ext_off + k->cut_keep;
		break;
	case FX_CUT_L4:
		end = l4 + k->cut_keep;
		break;
	case FX_CUT_NO:
		break;
	}
	return end < cap ? end : cap;
}

/* ---- compile ---- */

char *fx_write_temp(const char *text)
{
	char *path = strdup("/tmp/vtap-fixture-XXXXXX.yaml");
	size_t len = strlen(text);
	int fd;

	if (!path)
		return NULL;
	fd = mkstemps(path, 5);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

int fx_compile_yaml(const char *yaml, const struct fx_env *env, struct fx_compiled *c)
{
	struct vtap_compile_env ce = { 0 };
	const char *paths[1];
	char *path;
	int ret;

	memset(c, 0, sizeof(*c));
	path = fx_write_temp(yaml);
	if (!path) {
		vtap_errors_add(&c->errs, NULL, "cannot write a temporary policy file");
		return -1;
	}
	paths[0] = path;
	ret = vtap_policy_load_files(paths, 1, &c->set, &c->errs);
	unlink(path);
	free(path);
	if (ret)
		return -1;
	c->have_set = true;
	c->sink_ifindex = calloc(c->set.n_monitors + 1, sizeof(*c->sink_ifindex));
	if (!c->sink_ifindex)
		return -1;
	for (size_t m = 0; m < c->set.n_monitors; m++)
		c->sink_ifindex[m] = c->set.monitors[m].port[0]
					     ? fx_env_ifindex(env, c->set.monitors[m].port)
					     : 0;
	/* Only the sinks: a monitor naming a tapped port would resolve too. */
	for (size_t m = 0; m < c->set.n_monitors; m++) {
		bool sink = false;

		for (size_t s = 0; s < env->n_sinks; s++)
			if (!strcmp(env->sinks[s].name, c->set.monitors[m].port))
				sink = true;
		if (!sink)
			c->sink_ifindex[m] = 0;
	}
	ce.ports = env->ports;
	ce.n_ports = env->n_ports;
	ce.sink_ifindex = c->sink_ifindex;
	ce.policy_id = NULL; /* policy id = policy index */
	if (vtap_compile(&c->set, &ce, &c->img, &c->errs))
		return -1;
	c->have_img = true;
	return 0;
}

int fx_compile(const struct fixture *f, const struct fx_env *env, struct fx_compiled *c)
{
	return fx_compile_yaml(f->yaml, env, c);
}

void fx_compiled_free(struct fx_compiled *c)
{
	if (c->have_img)
		vtap_image_free(&c->img);
	if (c->have_set)
		vtap_policy_set_free(&c->set);
	vtap_errors_free(&c->errs);
	free(c->sink_ifindex);
	memset(c, 0, sizeof(*c));
}

int fx_policy_index(const struct fx_compiled *c, const char *name)
{
	for (size_t i = 0; i < c->set.n_policies; i++)
		if (!strcmp(c->set.policies[i].name, name))
			return (int)i;
	return -1;
}

const char *fx_rank_name(const struct fx_compiled *c, int rank)
{
	int idx;

	if (rank < 0 || (__u32)rank >= c->img.gen.n_rules)
		return NULL;
	idx = c->img.rank_policy[rank];
	if (idx < 0 || (size_t)idx >= c->set.n_policies)
		return NULL;
	return c->set.policies[idx].name;
}

bool fx_policy_mirrors(const struct fx_compiled *c, int index)
{
	return index >= 0 && (size_t)index < c->set.n_policies &&
	       c->set.policies[index].action == VTAP_ACTION_MIRROR;
}

/* ---- policy documents ---- */

#define MONS "monitors: [{name: mon, type: local, port: sink0}]\npolicies:\n"
#define POL(x) "  - {" x "}\n"

/* Header coverage: one policy per protocol, a skip, a catch-all. */
static const char SET_L4[] = MONS
	POL("name: tcp80, priority: 10, source: {ports: [vm1]}, direction: out, "
	    "match: {protocol: tcp, dst_ports: [80]}, monitor: mon")
	POL("name: udp53, priority: 20, source: {ports: [vm1]}, direction: out, "
	    "match: {protocol: udp, dst_ports: [53]}, monitor: mon")
	POL("name: sctp-any, priority: 30, source: {ports: [vm1]}, match: {protocol: sctp}, "
	    "monitor: mon")
	POL("name: icmp-any, priority: 40, source: {ports: [vm1]}, match: {protocol: icmp}, "
	    "monitor: mon")
	POL("name: icmp6-any, priority: 41, source: {ports: [vm1]}, match: {protocol: icmpv6}, "
	    "monitor: mon")
	POL("name: udp-any, priority: 50, source: {ports: [vm1]}, match: {protocol: udp}, "
	    "action: skip")
	POL("name: catch-all, priority: 1000, source: {ports: [vm1]}, monitor: mon");

/* Priorities: lower wins, ties by name (zeta is first in the file). */
static const char SET_PRIO[] = MONS
	POL("name: zeta, priority: 50, source: {ports: [vm1]}, match: {protocol: tcp}, "
	    "monitor: mon")
	POL("name: alpha, priority: 50, source: {ports: [vm1]}, match: {protocol: tcp}, "
	    "monitor: mon")
	POL("name: beta, priority: 10, source: {ports: [vm1]}, "
	    "match: {protocol: udp, dst_ports: [53]}, monitor: mon")
	POL("name: gamma, priority: 100, source: {ports: [vm1]}, monitor: mon")
	POL("name: zero-prio, priority: 0, source: {ports: [vm1]}, "
	    "match: {protocol: tcp, dst_ports: [7]}, action: skip")
	POL("name: max-prio, priority: 65535, source: {ports: [vm2]}, monitor: mon");

/* Skip rules shadow later mirror rules. */
static const char SET_SKIP[] = MONS
	POL("name: ssh-audit, priority: 10, source: {ports: [vm1], cidr: 10.0.1.99/32}, "
	    "match: {protocol: tcp, dst_ports: [22]}, monitor: mon")
	POL("name: skip-ssh, priority: 100, source: {ports: [vm1]}, "
	    "match: {protocol: tcp, dst_ports: [22]}, action: skip")
	POL("name: skip-mgmt, priority: 150, source: {ports: [vm1]}, "
	    "destination: {cidr: 10.9.0.0/16}, action: skip")
	POL("name: all-tcp, priority: 200, source: {ports: [vm1]}, match: {protocol: tcp}, "
	    "monitor: mon")
	POL("name: mgmt-web, priority: 300, source: {ports: [vm1]}, "
	    "destination: {cidr: 10.9.1.0/24}, match: {protocol: tcp, dst_ports: [80]}, "
	    "monitor: mon")
	POL("name: everything, priority: 1000, source: {ports: [\"vm*\"]}, monitor: mon");

/* Nested and overlapping prefixes, IPv4 and IPv6 (direction out: source =
 * packet source). */
static const char SET_CIDR[] = MONS
	POL("name: host32, priority: 50, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 10.1.2.3/32}, monitor: mon")
	POL("name: net24, priority: 200, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 10.1.2.0/24}, monitor: mon")
	POL("name: net16, priority: 250, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 10.1.0.0/16}, monitor: mon")
	POL("name: net8, priority: 400, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 10.0.0.0/8}, monitor: mon")
	POL("name: host-late, priority: 500, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 10.1.2.7}, monitor: mon")
	POL("name: src-net, priority: 5, source: {ports: [vm1], cidr: 192.168.7.0/24}, "
	    "direction: out, destination: {cidr: 10.1.2.0/24}, monitor: mon")
	POL("name: src-list, priority: 6, "
	    "source: {ports: [vm1], cidr: [192.168.9.0/25, 192.168.9.200/32]}, direction: out, "
	    "destination: {cidr: [10.1.2.0/24, 172.16.0.0/12]}, action: skip")
	POL("name: v6-host, priority: 10, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: \"2001:db8:1::5/128\"}, monitor: mon")
	POL("name: v6-48, priority: 30, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: \"2001:db8:1::/48\"}, monitor: mon")
	POL("name: v6-32, priority: 40, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: \"2001:db8::/32\"}, monitor: mon")
	POL("name: v6-src, priority: 7, source: {ports: [vm1], cidr: \"fd00:1::/64\"}, "
	    "direction: out, destination: {cidr: \"2001:db8::/32\"}, monitor: mon")
	POL("name: any-v4, priority: 900, source: {ports: [vm1]}, direction: out, "
	    "destination: {cidr: 0.0.0.0/0}, monitor: mon")
	POL("name: catch-all, priority: 1000, source: {ports: [vm1]}, monitor: mon");

/* An IPv6 CIDR is not an IPv4 one (and the reverse), whatever the internal
 * IPv4-mapped representation. */
static const char SET_FAMILY[] = MONS
	POL("name: v6-all, priority: 10, source: {ports: [vm1]}, "
	    "destination: {cidr: \"::/0\"}, monitor: mon")
	POL("name: v4-net, priority: 20, source: {ports: [vm1]}, "
	    "destination: {cidr: 10.0.0.0/8}, monitor: mon")
	POL("name: catch-all, priority: 1000, source: {ports: [vm1]}, monitor: mon");
static const char SET_FAMILY4[] = MONS
	POL("name: v4-net, priority: 20, source: {ports: [vm1]}, "
	    "destination: {cidr: 10.0.0.0/8}, monitor: mon")
	POL("name: catch-all, priority: 1000, source: {ports: [vm1]}, monitor: mon");

/* Port ranges and lists, src_ports, protocol numbers. No catch-all. */
static const char SET_PORTS[] = MONS
	POL("name: web-ports, priority: 10, source: {ports: [vm1]}, direction: out, "
	    "match: {protocol: tcp, dst_ports: [80, 443, \"8000-8080\"]}, monitor: mon")
	POL("name: hi-src, priority: 20, source: {ports: [vm1]}, direction: out, "
	    "match: {protocol: tcp, src_ports: [\"1024-2047\"], dst_ports: [\"9000-9999\"]}, "
	    "monitor: mon")
	POL("name: udp-edges, priority: 30, source: {ports: [vm1]}, "
	    "match: {protocol: udp, dst_ports: [\"0-3\", \"65530-65535\"]}, monitor: mon")
	POL("name: sctp-diam, priority: 40, source: {ports: [vm1]}, "
	    "match: {protocol: sctp, dst_ports: [3868]}, monitor: mon")
	POL("name: any-l4-7, priority: 45, source: {ports: [vm1]}, destination: {ports: [7]}, "
	    "monitor: mon")
	POL("name: gre, priority: 50, source: {ports: [vm1]}, match: {protocol: 47}, "
	    "monitor: mon")
	POL("name: p253, priority: 51, source: {ports: [vm1]}, match: {protocol: 253}, "
	    "action: skip")
	POL("name: src-list, priority: 60, source: {ports: [vm1]}, "
	    "match: {protocol: udp, src_ports: [5000, 5002, \"6000-6001\"]}, monitor: mon");

/* Directions and the VM-side/peer swap for frames the VM receives. */
static const char SET_DIR[] = MONS
	POL("name: srv-in, priority: 10, source: {ports: [vm1], cidr: 10.0.1.0/24}, "
	    "direction: in, destination: {cidr: 10.0.2.0/24}, "
	    "match: {protocol: tcp, src_ports: [80]}, monitor: mon")
	POL("name: srv-out, priority: 20, source: {ports: [vm1], cidr: 10.0.1.0/24}, "
	    "direction: out, destination: {cidr: 10.0.2.0/24}, "
	    "match: {protocol: tcp, src_ports: [80]}, monitor: mon")
	POL("name: both-dns, priority: 30, source: {ports: [vm1]}, direction: both, "
	    "match: {protocol: udp, dst_ports: [53]}, monitor: mon")
	POL("name: in-only, priority: 40, source: {ports: [vm2]}, direction: in, monitor: mon")
	POL("name: out-only, priority: 41, source: {ports: [vm2]}, direction: out, "
	    "match: {protocol: udp}, monitor: mon");

/* VLANs: 0 = untagged, the outer tag is the one matched. No catch-all. */
static const char SET_VLAN[] = MONS
	POL("name: v10, priority: 10, source: {ports: [vm1]}, match: {vlan: 10}, monitor: mon")
	POL("name: v20-30, priority: 20, source: {ports: [vm1]}, match: {vlan: [20, 30]}, "
	    "monitor: mon")
	POL("name: untagged, priority: 30, source: {ports: [vm1]}, match: {vlan: 0}, "
	    "monitor: mon")
	POL("name: v4095, priority: 40, source: {ports: [vm1]}, match: {vlan: 4095}, "
	    "monitor: mon")
	POL("name: v100-tcp, priority: 5, source: {ports: [vm1]}, "
	    "match: {vlan: 100, protocol: tcp}, monitor: mon");

/* Globs in source.ports. */
static const char SET_GLOB[] = MONS
	POL("name: tapa-udp, priority: 10, source: {ports: [\"tapa*\"]}, "
	    "match: {protocol: udp}, monitor: mon")
	POL("name: tap-q, priority: 20, source: {ports: [\"tap?0\"]}, monitor: mon")
	POL("name: vm-class, priority: 30, source: {ports: [\"vm[2-9]\"]}, monitor: mon")
	POL("name: exact-in, priority: 40, source: {ports: [vm1, tapb0]}, direction: in, "
	    "monitor: mon")
	POL("name: none, priority: 5, source: {ports: [\"nomatch*\"]}, monitor: mon");

/* Non-IP and port-less frames against constrained policies. */
static const char SET_NONIP[] = MONS
	POL("name: need-proto, priority: 1, source: {ports: [vm1]}, match: {protocol: tcp}, "
	    "monitor: mon")
	POL("name: need-cidr, priority: 2, source: {ports: [vm1]}, "
	    "destination: {cidr: 0.0.0.0/0}, monitor: mon")
	POL("name: need-src6, priority: 3, source: {ports: [vm1], cidr: \"2000::/3\"}, "
	    "monitor: mon")
	POL("name: need-ports, priority: 4, source: {ports: [vm1]}, "
	    "destination: {ports: [\"0-65535\"]}, monitor: mon")
	POL("name: need-vlan7, priority: 5, source: {ports: [vm1]}, match: {vlan: 7}, "
	    "monitor: mon")
	POL("name: l2-any, priority: 10, source: {ports: [vm1]}, monitor: mon");

/* snaplen: headers: each copy cut after its headers (include/vtap/headers_len.h). */
static const char SET_HDRS[] = MONS
	POL("name: hdrs, source: {ports: [vm1]}, snaplen: headers, monitor: mon");

/* A monitor whose port is not on this host: the copy fails (counted). */
static const char SET_GHOST[] =
	"monitors: [{name: mon, type: local, port: sink0}, "
	"{name: ghost, type: local, port: ghost0}]\npolicies:\n"
	POL("name: to-ghost, priority: 10, source: {ports: [vm1]}, match: {protocol: udp}, "
	    "monitor: ghost")
	POL("name: to-mon, priority: 20, source: {ports: [vm1]}, monitor: mon");

/* ---- frames ---- */

#define IP4(p, s, d, sp, dp, ...) \
	{ .l3 = FX_IP4, .proto = (p), .src = (s), .dst = (d), .sport = (sp), .dport = (dp), __VA_ARGS__ }
#define IP6(p, s, d, sp, dp, ...) \
	{ .l3 = FX_IP6, .proto = (p), .src = (s), .dst = (d), .sport = (sp), .dport = (dp), __VA_ARGS__ }
#define TCP4(dp, ...) IP4(6, NULL, NULL, 40000, dp, __VA_ARGS__)
#define UDP4(dp, ...) IP4(17, NULL, NULL, 40000, dp, __VA_ARGS__)
#define TCP6(dp, ...) IP6(6, NULL, NULL, 40000, dp, __VA_ARGS__)
#define UDP6(dp, ...) IP6(17, NULL, NULL, 40000, dp, __VA_ARGS__)
#define ICMP4 IP4(1, NULL, NULL, 0, 0, .icmp_type = 8)
#define ICMP6 IP6(58, NULL, NULL, 0, 0, .icmp_type = 128)
#define ARP { .l3 = FX_ARP }
#define ETHT(t) { .l3 = FX_NONE, .etype = (t) }
#define ARPQ(t, v) { .l3 = FX_ARP, .tpid = { t }, .tci = { v } }
#define TRIPLE(a, b, c) \
	{ .l3 = FX_IP4, .proto = 6, .dport = 80, .tpid = { 0x88a8, 0x8100, 0x8100 }, .tci = { a, b, c } }
#define TAG1(t, v) .tpid = { t }, .tci = { v }
#define TAG2(t1, v1, t2, v2) .tpid = { t1, t2 }, .tci = { v1, v2 }
#define Q 0x8100
#define AD 0x88a8

#define FX(d, y, prt, dr, pk, lvl, v, cp) \
	{ .desc = d, .yaml = y, .port = prt, .dir = dr, .pkt = pk, .level = lvl, .verdict = v, .copy = cp }
/* a header-only copy of length n (SET_HDRS) */
#define FXH(d, dr, pk, lvl, n) \
	{ .desc = d, .yaml = SET_HDRS, .port = "vm1", .dir = dr, .pkt = pk, .level = lvl, \
	  .verdict = "hdrs", .copy = true, .copy_len = n }
#define OUT VTAP_DIR_OUT
#define IN VTAP_DIR_IN
#define L2 VTAP_LEVEL_L2
#define L3 VTAP_LEVEL_L3
#define L4 VTAP_LEVEL_L4
#define MIR true
#define SKIP false

static const uint8_t raw_13[13] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08 };


const struct fixture fx_table[] = {
	/* ---- every header combination (SET_L4) ---- */
	FX("ipv4 tcp dport 80", SET_L4, "vm1", OUT, TCP4(80), L4, "tcp80", MIR),
	FX("ipv4 tcp dport 81 falls to catch-all", SET_L4, "vm1", OUT, TCP4(81), L4, "catch-all", MIR),
	FX("ipv4 udp dport 53", SET_L4, "vm1", OUT, UDP4(53), L4, "udp53", MIR),
	FX("ipv4 udp dport 54 hits skip udp-any", SET_L4, "vm1", OUT, UDP4(54), L4, "udp-any", SKIP),
	FX("ipv4 sctp", SET_L4, "vm1", OUT, IP4(132, NULL, NULL, 2905, 2905), L4, "sctp-any", MIR),
	FX("ipv4 icmp echo is L3", SET_L4, "vm1", OUT, ICMP4, L3, "icmp-any", MIR),
	FX("ipv4 icmp received (direction in)", SET_L4, "vm1", IN,
	   IP4(1, "10.0.2.7", "10.0.1.5", 0, 0, .icmp_type = 0), L3, "icmp-any", MIR),
	FX("ipv4 tcp from port 80 received: tcp80 is out only", SET_L4, "vm1", IN,
	   IP4(6, "10.0.2.7", "10.0.1.5", 80, 40000), L4, "catch-all", MIR),
	FX("ipv6 icmpv6 echo is L3", SET_L4, "vm1", OUT, ICMP6, L3, "icmp6-any", MIR),
	FX("ipv6 tcp dport 80", SET_L4, "vm1", OUT, TCP6(80), L4, "tcp80", MIR),
	FX("ipv6 udp dport 53", SET_L4, "vm1", OUT, UDP6(53), L4, "udp53", MIR),
	FX("ipv6 sctp", SET_L4, "vm1", OUT, IP6(132, NULL, NULL, 36412, 36412), L4, "sctp-any", MIR),
	FX("ipv4 options (8 bytes) tcp 80", SET_L4, "vm1", OUT, TCP4(80, .ip4_opts = 8), L4, "tcp80",
	   MIR),
	FX("ipv4 options (40 bytes, IHL 15) udp 53", SET_L4, "vm1", OUT, UDP4(53, .ip4_opts = 40), L4,
	   "udp53", MIR),
	FX("ipv4 first fragment udp 53 has ports", SET_L4, "vm1", OUT, UDP4(53, .frag = FX_FRAG_FIRST),
	   L4, "udp53", MIR),
	FX("ipv4 later fragment udp: no ports, port-less udp-any", SET_L4, "vm1", OUT,
	   UDP4(53, .frag = FX_FRAG_LATER), L3, "udp-any", SKIP),
	FX("ipv4 later fragment tcp: no ports, catch-all", SET_L4, "vm1", OUT,
	   TCP4(80, .frag = FX_FRAG_LATER), L3, "catch-all", MIR),
	FX("ipv6 hop-by-hop + tcp 80", SET_L4, "vm1", OUT, TCP6(80, .ext = { 0 }, .n_ext = 1), L4,
	   "tcp80", MIR),
	FX("ipv6 routing + udp 53", SET_L4, "vm1", OUT, UDP6(53, .ext = { 43 }, .n_ext = 1), L4,
	   "udp53", MIR),
	FX("ipv6 destination options + sctp", SET_L4, "vm1", OUT,
	   IP6(132, NULL, NULL, 1, 2, .ext = { 60 }, .n_ext = 1), L4, "sctp-any", MIR),
	FX("ipv6 hbh + routing + dstopts + tcp 80", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 0, 43, 60 }, .n_ext = 3), L4, "tcp80", MIR),
	FX("ipv6 authentication header + tcp 80", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 51 }, .n_ext = 1), L4, "tcp80", MIR),
	FX("ipv6 first fragment + udp 53 has ports", SET_L4, "vm1", OUT,
	   UDP6(53, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_FIRST), L4, "udp53", MIR),
	FX("ipv6 hbh + later fragment udp: no ports", SET_L4, "vm1", OUT,
	   UDP6(53, .ext = { 0, 44 }, .n_ext = 2, .frag = FX_FRAG_LATER), L3, "udp-any", SKIP),
	FX("ipv6 later fragment tcp: catch-all", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_LATER), L3, "catch-all", MIR),
	FX("ipv6 seven extension headers + tcp 80", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 0, 60, 43, 60, 43, 60, 43 }, .n_ext = 7), L4, "tcp80", MIR),
	FX("ipv6 nine extension headers: L3 only", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 0, 60, 43, 60, 43, 60, 43, 60, 60 }, .n_ext = 9), L3, "catch-all", MIR),
	FX("ipv6 no next header (59)", SET_L4, "vm1", OUT, IP6(59, NULL, NULL, 0, 0), L3, "catch-all",
	   MIR),
	FX("ipv4 gre (47) is L3", SET_L4, "vm1", OUT, IP4(47, NULL, NULL, 0, 0), L3, "catch-all",
	   MIR),
	FX("arp request is L2", SET_L4, "vm1", OUT, ARP, L2, "catch-all", MIR),
	FX("lldp ethertype is L2", SET_L4, "vm1", OUT, ETHT(0x88cc), L2,
	   "catch-all", MIR),
	FX("802.1Q ipv4 tcp 80", SET_L4, "vm1", OUT, TCP4(80, TAG1(Q, 10)), L4, "tcp80", MIR),
	FX("802.1Q ipv6 icmpv6", SET_L4, "vm1", OUT, IP6(58, NULL, NULL, 0, 0, TAG1(Q, 10)), L3,
	   "icmp6-any", MIR),
	FX("802.1ad + 802.1Q ipv6 udp 53", SET_L4, "vm1", OUT, UDP6(53, TAG2(AD, 100, Q, 10)), L4,
	   "udp53", MIR),
	FX("802.1ad + 802.1Q ipv4 sctp", SET_L4, "vm1", OUT,
	   IP4(132, NULL, NULL, 1, 2, TAG2(AD, 100, Q, 10)), L4, "sctp-any", MIR),
	FX("802.1Q arp is L2", SET_L4, "vm1", OUT, ARPQ(Q, 10), L2, "catch-all",
	   MIR),
	FX("three tags: third not parsed, L2", SET_L4, "vm1", OUT,
	   TRIPLE(1, 2, 3), L2,
	   "catch-all", MIR),
	/* truncated and malformed, every layer */
	{ .desc = "empty frame (0 bytes)", .yaml = SET_L4, .port = "vm1", .dir = OUT,
	  .raw = raw_13, .raw_len = 0, .raw_set = true, .level = L2, .verdict = "catch-all",
	  .copy = MIR },
	{ .desc = "13 bytes: no EtherType", .yaml = SET_L4, .port = "vm1", .dir = OUT,
	  .raw = raw_13, .raw_len = sizeof(raw_13), .level = L2, .verdict = "catch-all",
	  .copy = MIR },
	FX("ethertype ipv4, no ip header", SET_L4, "vm1", OUT, TCP4(80, .cut = FX_CUT_L3), L2,
	   "catch-all", MIR),
	FX("ipv4 header cut at 19 bytes", SET_L4, "vm1", OUT,
	   TCP4(80, .cut = FX_CUT_L3, .cut_keep = 19), L2, "catch-all", MIR),
	FX("ipv4 version 5 under ethertype ipv4", SET_L4, "vm1", OUT, TCP4(80, .ip_ver = 5), L2,
	   "catch-all", MIR),
	FX("ipv4 IHL 4 (below 5)", SET_L4, "vm1", OUT, TCP4(80, .ihl = 4), L2, "catch-all", MIR),
	FX("ipv4 IHL 15 beyond the frame", SET_L4, "vm1", OUT, TCP4(80, .ihl = 15), L2, "catch-all",
	   MIR),
	FX("ipv4 options cut (IHL 6, 22 bytes)", SET_L4, "vm1", OUT,
	   TCP4(80, .ip4_opts = 4, .cut = FX_CUT_L3, .cut_keep = 22), L2, "catch-all", MIR),
	FX("tcp header cut at 19 bytes: L3", SET_L4, "vm1", OUT,
	   TCP4(80, .cut = FX_CUT_L4, .cut_keep = 19), L3, "catch-all", MIR),
	FX("tcp header cut at 4 bytes (ports there) still L3", SET_L4, "vm1", OUT,
	   TCP4(80, .cut = FX_CUT_L4, .cut_keep = 4), L3, "catch-all", MIR),
	FX("udp header cut at 7 bytes: L3, port-less udp-any", SET_L4, "vm1", OUT,
	   UDP4(53, .cut = FX_CUT_L4, .cut_keep = 7), L3, "udp-any", SKIP),
	FX("sctp header cut at 11 bytes: L3 sctp-any", SET_L4, "vm1", OUT,
	   IP4(132, NULL, NULL, 1, 2, .cut = FX_CUT_L4, .cut_keep = 11), L3, "sctp-any", MIR),
	FX("icmp cut at 1 byte: L3 icmp-any", SET_L4, "vm1", OUT,
	   IP4(1, NULL, NULL, 0, 0, .icmp_type = 8, .cut = FX_CUT_L4, .cut_keep = 1), L3,
	   "icmp-any", MIR),
	FX("ipv6 header cut at 39 bytes", SET_L4, "vm1", OUT,
	   TCP6(80, .cut = FX_CUT_L3, .cut_keep = 39), L2, "catch-all", MIR),
	FX("802.1Q ipv6 header cut at 39 bytes", SET_L4, "vm1", OUT,
	   TCP6(80, TAG1(Q, 10), .cut = FX_CUT_L3, .cut_keep = 39), L2, "catch-all", MIR),
	FX("ipv6 version 4 under ethertype ipv6", SET_L4, "vm1", OUT, TCP6(80, .ip_ver = 4), L2,
	   "catch-all", MIR),
	FX("ipv6 hop-by-hop cut at 1 byte: L3", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 0 }, .n_ext = 1, .cut = FX_CUT_EXT, .cut_keep = 1), L3, "catch-all",
	   MIR),
	FX("ipv6 fragment header cut at 7 bytes: L3", SET_L4, "vm1", OUT,
	   UDP6(53, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_FIRST, .cut = FX_CUT_EXT,
		.cut_keep = 7),
	   L3, "catch-all", MIR),
	FX("ipv6 AH cut after 2 bytes: L3", SET_L4, "vm1", OUT,
	   TCP6(80, .ext = { 51 }, .n_ext = 1, .cut = FX_CUT_EXT, .cut_keep = 2), L3, "catch-all",
	   MIR),
	FX("ipv6 udp header cut after hbh: L3 udp-any", SET_L4, "vm1", OUT,
	   UDP6(53, .ext = { 0 }, .n_ext = 1, .cut = FX_CUT_L4, .cut_keep = 6), L3, "udp-any",
	   SKIP),
	FX("802.1Q tag cut (16 bytes)", SET_L4, "vm1", OUT,
	   TCP4(80, TAG1(Q, 10), .cut = FX_CUT_TAGS, .cut_keep = 4), L2, "catch-all", MIR),
	FX("802.1ad outer ok, inner tag cut (20 bytes)", SET_L4, "vm1", OUT,
	   TCP4(80, TAG2(AD, 100, Q, 10), .cut = FX_CUT_TAGS, .cut_keep = 8), L2, "catch-all", MIR),
	FX("802.1Q ipv4 header cut at 10 bytes", SET_L4, "vm1", OUT,
	   UDP4(53, TAG1(Q, 10), .cut = FX_CUT_L3, .cut_keep = 10), L2, "catch-all", MIR),

	/* ---- priorities (SET_PRIO) ---- */
	FX("tie at priority 50 goes to the smaller name", SET_PRIO, "vm1", OUT, TCP4(80), L4, "alpha",
	   MIR),
	FX("lower priority number wins (beta 10)", SET_PRIO, "vm1", OUT, UDP4(53), L4, "beta", MIR),
	FX("udp 54 falls to gamma", SET_PRIO, "vm1", OUT, UDP4(54), L4, "gamma", MIR),
	FX("priority 0 beats everything", SET_PRIO, "vm1", OUT, TCP4(7), L4, "zero-prio", SKIP),
	FX("priority 65535 alone on vm2", SET_PRIO, "vm2", IN, UDP4(9), L4, "max-prio", MIR),

	/* ---- skip shadows later mirrors (SET_SKIP) ---- */
	FX("ssh: skip-ssh shadows all-tcp", SET_SKIP, "vm1", OUT, TCP4(22), L4, "skip-ssh", SKIP),
	FX("ssh from audited host: mirror before the skip", SET_SKIP, "vm1", OUT,
	   IP4(6, "10.0.1.99", "10.0.2.7", 40000, 22), L4, "ssh-audit", MIR),
	FX("tcp 80 elsewhere: all-tcp", SET_SKIP, "vm1", OUT, TCP4(80), L4, "all-tcp", MIR),
	FX("tcp 80 to mgmt net: skip-mgmt shadows all-tcp and mgmt-web", SET_SKIP, "vm1", OUT,
	   IP4(6, "10.0.1.5", "10.9.1.5", 40000, 80), L4, "skip-mgmt", SKIP),
	FX("udp to mgmt net: skip-mgmt", SET_SKIP, "vm1", OUT,
	   IP4(17, "10.0.1.5", "10.9.200.1", 40000, 53), L4, "skip-mgmt", SKIP),
	FX("udp elsewhere: everything", SET_SKIP, "vm1", OUT, UDP4(53), L4, "everything", MIR),
	FX("ssh reply received (peer port 22): skip-ssh", SET_SKIP, "vm1", IN,
	   IP4(6, "10.0.2.7", "10.0.1.5", 22, 40000), L4, "skip-ssh", SKIP),
	FX("ssh on vm2: skips are vm1's only", SET_SKIP, "vm2", OUT, TCP4(22), L4, "everything",
	   MIR),

	/* ---- overlapping CIDRs (SET_CIDR) ---- */
	FX("10.1.2.3: host /32 at priority 50", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.1.1", "10.1.2.3", 1234, 80), L4, "host32", MIR),
	FX("10.1.2.4: /24 inside /16 inside /8", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.1.1", "10.1.2.4", 1234, 80), L4, "net24", MIR),
	FX("10.1.2.7: longer prefix with later priority loses", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.1.1", "10.1.2.7", 1234, 80), L4, "net24", MIR),
	FX("10.1.9.9: /16", SET_CIDR, "vm1", OUT, IP4(17, "192.168.1.1", "10.1.9.9", 1234, 53), L4,
	   "net16", MIR),
	FX("10.200.0.1: /8", SET_CIDR, "vm1", OUT, IP4(17, "192.168.1.1", "10.200.0.1", 1, 2), L4,
	   "net8", MIR),
	FX("11.0.0.1: 0.0.0.0/0", SET_CIDR, "vm1", OUT, IP4(1, "192.168.1.1", "11.0.0.1", 0, 0), L3,
	   "any-v4", MIR),
	FX("source 192.168.7.10 to 10.1.2.200: src-net", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.7.10", "10.1.2.200", 1234, 80), L4, "src-net", MIR),
	FX("source 192.168.7.10 to 10.1.3.1: dst outside src-net", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.7.10", "10.1.3.1", 1234, 80), L4, "net16", MIR),
	FX("cidr lists: 192.168.9.100 to 172.20.1.1 skipped", SET_CIDR, "vm1", OUT,
	   IP4(17, "192.168.9.100", "172.20.1.1", 1, 2), L4, "src-list", SKIP),
	FX("cidr lists: 192.168.9.200 to 10.1.2.3 skipped before host32", SET_CIDR, "vm1", OUT,
	   IP4(6, "192.168.9.200", "10.1.2.3", 1234, 80), L4, "src-list", SKIP),
	FX("cidr lists: 192.168.9.201 is in neither source", SET_CIDR, "vm1", OUT,
	   IP4(17, "192.168.9.201", "172.20.1.1", 1, 2), L4, "any-v4", MIR),
	FX("v6 2001:db8:1::5: /128", SET_CIDR, "vm1", OUT,
	   IP6(6, "2001:db8:9::1", "2001:db8:1::5", 1234, 80), L4, "v6-host", MIR),
	FX("v6 2001:db8:1::6: /48 before /32", SET_CIDR, "vm1", OUT,
	   IP6(6, "2001:db8:9::1", "2001:db8:1::6", 1234, 80), L4, "v6-48", MIR),
	FX("v6 2001:db8:2::1: /32", SET_CIDR, "vm1", OUT,
	   IP6(17, "2001:db8:9::1", "2001:db8:2::1", 1, 2), L4, "v6-32", MIR),
	FX("v6 source fd00:1::9 to 2001:db8:1::5: v6-src", SET_CIDR, "vm1", OUT,
	   IP6(6, "fd00:1::9", "2001:db8:1::5", 1234, 80), L4, "v6-src", MIR),
	FX("v6 2001:db9::1: no v6 prefix, 0.0.0.0/0 is v4 only", SET_CIDR, "vm1", OUT,
	   IP6(6, "2001:db8:9::1", "2001:db9::1", 1234, 80), L4, "catch-all", MIR),
	FX("arp: no addresses, only the catch-all", SET_CIDR, "vm1", OUT, ARP, L2, "catch-all", MIR),
	FX("received from 10.1.2.3: prefixes are out only", SET_CIDR, "vm1", IN,
	   IP4(6, "10.1.2.3", "192.168.1.1", 80, 1234), L4, "catch-all", MIR),
	{ .desc = "ipv4 frame vs ipv6 cidr ::/0", .yaml = SET_FAMILY, .port = "vm1", .dir = OUT,
	  .pkt = TCP4(80), .level = L4, .verdict = "v4-net", .copy = MIR },
	FX("ipv6 frame vs ipv6 cidr ::/0", SET_FAMILY, "vm1", OUT, TCP6(80), L4, "v6-all", MIR),
	{ .desc = "ipv6 frame to ::ffff:10.0.2.7 vs ipv4 cidr", .yaml = SET_FAMILY4, .port = "vm1",
	  .dir = OUT, .pkt = IP6(6, NULL, "::ffff:10.0.2.7", 1234, 80), .level = L4,
	  .verdict = "catch-all", .copy = MIR },

	/* ---- port ranges, lists, src_ports, protocol numbers (SET_PORTS) ---- */
	FX("tcp 80 in list", SET_PORTS, "vm1", OUT, TCP4(80), L4, "web-ports", MIR),
	FX("tcp 443 in list", SET_PORTS, "vm1", OUT, TCP4(443), L4, "web-ports", MIR),
	FX("tcp 8000 range start", SET_PORTS, "vm1", OUT, TCP4(8000), L4, "web-ports", MIR),
	FX("tcp 8080 range end", SET_PORTS, "vm1", OUT, TCP4(8080), L4, "web-ports", MIR),
	FX("tcp 8081 past range", SET_PORTS, "vm1", OUT, TCP4(8081), L4, NULL, false),
	FX("tcp 7999 before range", SET_PORTS, "vm1", OUT, TCP4(7999), L4, NULL, false),
	FX("tcp 79 below list", SET_PORTS, "vm1", OUT, TCP4(79), L4, NULL, false),
	FX("ipv6 tcp 443", SET_PORTS, "vm1", OUT, TCP6(443), L4, "web-ports", MIR),
	FX("tcp to 80 received: web-ports is out only", SET_PORTS, "vm1", IN,
	   IP4(6, "10.0.2.7", "10.0.1.5", 1234, 80), L4, NULL, false),
	FX("src 1024 dst 9000: both ranges", SET_PORTS, "vm1", OUT,
	   IP4(6, NULL, NULL, 1024, 9000), L4, "hi-src", MIR),
	FX("src 2047 dst 9999: both range ends", SET_PORTS, "vm1", OUT,
	   IP4(6, NULL, NULL, 2047, 9999), L4, "hi-src", MIR),
	FX("src 2048 dst 9000: src out of range", SET_PORTS, "vm1", OUT,
	   IP4(6, NULL, NULL, 2048, 9000), L4, NULL, false),
	FX("src 1500 dst 10000: dst out of range", SET_PORTS, "vm1", OUT,
	   IP4(6, NULL, NULL, 1500, 10000), L4, NULL, false),
	FX("udp port 0", SET_PORTS, "vm1", OUT, UDP4(0), L4, "udp-edges", MIR),
	FX("udp port 3", SET_PORTS, "vm1", OUT, UDP4(3), L4, "udp-edges", MIR),
	FX("udp port 4", SET_PORTS, "vm1", OUT, UDP4(4), L4, NULL, false),
	FX("udp port 65535", SET_PORTS, "vm1", OUT, UDP4(65535), L4, "udp-edges", MIR),
	FX("udp port 65529", SET_PORTS, "vm1", OUT, UDP4(65529), L4, NULL, false),
	FX("sctp 3868", SET_PORTS, "vm1", OUT, IP4(132, NULL, NULL, 3868, 3868), L4, "sctp-diam", MIR),
	FX("sctp 3869", SET_PORTS, "vm1", OUT, IP4(132, NULL, NULL, 3868, 3869), L4, NULL, false),
	FX("no protocol, port 7: udp", SET_PORTS, "vm1", OUT, UDP4(7), L4, "any-l4-7", MIR),
	FX("no protocol, port 7: sctp over ipv6", SET_PORTS, "vm1", OUT,
	   IP6(132, NULL, NULL, 1, 7), L4, "any-l4-7", MIR),
	FX("no protocol, port 7: tcp", SET_PORTS, "vm1", OUT, TCP4(7), L4, "any-l4-7", MIR),
	FX("icmp has no ports", SET_PORTS, "vm1", OUT, ICMP4, L3, NULL, false),
	FX("protocol 47 ipv4", SET_PORTS, "vm1", OUT, IP4(47, NULL, NULL, 0, 0), L3, "gre", MIR),
	FX("protocol 47 ipv6 next header", SET_PORTS, "vm1", OUT, IP6(47, NULL, NULL, 0, 0), L3,
	   "gre", MIR),
	FX("protocol 253 after routing header", SET_PORTS, "vm1", OUT,
	   IP6(253, NULL, NULL, 0, 0, .ext = { 43 }, .n_ext = 1), L3, "p253", SKIP),
	FX("udp src 5002 in list", SET_PORTS, "vm1", OUT, IP4(17, NULL, NULL, 5002, 9), L4,
	   "src-list", MIR),
	FX("udp src 5001 not in list", SET_PORTS, "vm1", OUT, IP4(17, NULL, NULL, 5001, 9), L4, NULL,
	   false),
	FX("udp src 6001 range in list", SET_PORTS, "vm1", OUT, IP4(17, NULL, NULL, 6001, 9), L4,
	   "src-list", MIR),
	FX("received udp to vm port 5000: src_ports is the VM's", SET_PORTS, "vm1", IN,
	   IP4(17, "10.0.2.7", "10.0.1.5", 9, 5000), L4, "src-list", MIR),
	FX("received udp from port 5000: not the VM's port", SET_PORTS, "vm1", IN,
	   IP4(17, "10.0.2.7", "10.0.1.5", 5000, 9), L4, NULL, false),

	/* ---- directions (SET_DIR) ---- */
	FX("in: request to the VM's web server", SET_DIR, "vm1", IN,
	   IP4(6, "10.0.2.7", "10.0.1.5", 40000, 80), L4, "srv-in", MIR),
	FX("out: the VM's web server replies", SET_DIR, "vm1", OUT,
	   IP4(6, "10.0.1.5", "10.0.2.7", 80, 40000), L4, "srv-out", MIR),
	FX("out: same addresses as the request: VM side not in source", SET_DIR, "vm1", OUT,
	   IP4(6, "10.0.2.7", "10.0.1.5", 40000, 80), L4, NULL, false),
	FX("in: same addresses as the reply: VM side not in source", SET_DIR, "vm1", IN,
	   IP4(6, "10.0.1.5", "10.0.2.7", 80, 40000), L4, NULL, false),
	FX("in: request to port 81", SET_DIR, "vm1", IN, IP4(6, "10.0.2.7", "10.0.1.5", 40000, 81), L4,
	   NULL, false),
	FX("both out: dns query", SET_DIR, "vm1", OUT, IP4(17, "10.0.1.5", "8.8.8.8", 5353, 53), L4,
	   "both-dns", MIR),
	FX("both in: dns reply (peer port 53)", SET_DIR, "vm1", IN,
	   IP4(17, "8.8.8.8", "10.0.1.5", 53, 5353), L4, "both-dns", MIR),
	FX("in: packet to port 53 is the VM's port, not the peer's", SET_DIR, "vm1", IN,
	   IP4(17, "10.0.1.5", "8.8.8.8", 5353, 53), L4, NULL, false),
	FX("in-only on vm2: received", SET_DIR, "vm2", IN, TCP4(80), L4, "in-only", MIR),
	FX("in-only on vm2: arp received", SET_DIR, "vm2", IN, ARP, L2, "in-only", MIR),
	FX("out-only on vm2: udp sent", SET_DIR, "vm2", OUT, UDP4(53), L4, "out-only", MIR),
	FX("out on vm2: tcp sent matches nothing", SET_DIR, "vm2", OUT, TCP4(80), L4, NULL, false),
	FX("port without rules", SET_DIR, "tapa0", OUT, UDP4(53), L4, NULL, false),

	/* ---- VLANs (SET_VLAN) ---- */
	FX("untagged", SET_VLAN, "vm1", OUT, TCP4(80), L4, "untagged", MIR),
	FX("802.1Q vid 10", SET_VLAN, "vm1", OUT, UDP4(53, TAG1(Q, 10)), L4, "v10", MIR),
	FX("802.1Q vid 30 in list", SET_VLAN, "vm1", OUT, UDP4(53, TAG1(Q, 30)), L4, "v20-30", MIR),
	FX("802.1ad 20 outer, 10 inner: outer matched", SET_VLAN, "vm1", OUT,
	   UDP4(53, TAG2(AD, 20, Q, 10)), L4, "v20-30", MIR),
	FX("802.1Q 10 outer, 20 inner: outer matched", SET_VLAN, "vm1", OUT,
	   UDP6(53, TAG2(Q, 10, Q, 20)), L4, "v10", MIR),
	FX("802.1Q vid 11: nothing", SET_VLAN, "vm1", OUT, UDP4(53, TAG1(Q, 11)), L4, NULL, false),
	FX("802.1Q PCP 5 vid 10: PCP ignored", SET_VLAN, "vm1", OUT, UDP4(53, TAG1(Q, 0xa00a)), L4,
	   "v10", MIR),
	FX("priority tag (vid 0) counts as untagged", SET_VLAN, "vm1", OUT, UDP4(53, TAG1(Q, 0x6000)),
	   L4, "untagged", MIR),
	FX("802.1ad vid 4095", SET_VLAN, "vm1", IN, UDP4(53, TAG1(AD, 4095)), L4, "v4095", MIR),
	FX("vid 100 tcp", SET_VLAN, "vm1", OUT, TCP4(80, TAG1(Q, 100)), L4, "v100-tcp", MIR),
	FX("vid 100 udp", SET_VLAN, "vm1", OUT, UDP4(80, TAG1(Q, 100)), L4, NULL, false),
	FX("vid 100 arp: no protocol", SET_VLAN, "vm1", OUT, ARPQ(Q, 100), L2, NULL,
	   false),
	FX("vid 10 arp", SET_VLAN, "vm1", OUT, ARPQ(Q, 10), L2, "v10", MIR),
	FX("untagged arp", SET_VLAN, "vm1", OUT, ARP, L2, "untagged", MIR),
	FX("three tags 10/20/30: L2, outer 10", SET_VLAN, "vm1", OUT,
	   TRIPLE(10, 20, 30),
	   L2, "v10", MIR),

	/* ---- globs (SET_GLOB) ---- */
	FX("tapa0 udp: \"tapa*\"", SET_GLOB, "tapa0", OUT, UDP4(53), L4, "tapa-udp", MIR),
	FX("tapa0 tcp: \"tap?0\"", SET_GLOB, "tapa0", OUT, TCP4(80), L4, "tap-q", MIR),
	FX("tapb0 udp: \"tap?0\"", SET_GLOB, "tapb0", OUT, UDP4(53), L4, "tap-q", MIR),
	FX("tapb0 in: \"tap?0\" before exact name", SET_GLOB, "tapb0", IN, TCP4(80), L4, "tap-q",
	   MIR),
	FX("vm2: \"vm[2-9]\"", SET_GLOB, "vm2", IN, TCP4(80), L4, "vm-class", MIR),
	FX("vm1 in: exact name", SET_GLOB, "vm1", IN, TCP4(80), L4, "exact-in", MIR),
	FX("vm1 out: nothing", SET_GLOB, "vm1", OUT, TCP4(80), L4, NULL, false),
	FX("idle0: no pattern matches", SET_GLOB, "idle0", OUT, TCP4(80), L4, NULL, false),

	/* ---- non-IP and port-less frames (SET_NONIP) ---- */
	FX("arp: only unconstrained", SET_NONIP, "vm1", OUT, ARP, L2, "l2-any", MIR),
	FX("arp on vid 7: vlan still applies", SET_NONIP, "vm1", OUT, ARPQ(Q, 7), L2,
	   "need-vlan7", MIR),
	FX("unknown ethertype 0x9000", SET_NONIP, "vm1", IN, ETHT(0x9000), L2,
	   "l2-any", MIR),
	FX("malformed ipv4 is L2: only unconstrained", SET_NONIP, "vm1", OUT,
	   TCP4(80, .cut = FX_CUT_L3, .cut_keep = 12), L2, "l2-any", MIR),
	FX("malformed ipv4 (IHL 4) is L2: only unconstrained", SET_NONIP, "vm1", OUT,
	   TCP4(80, .ihl = 4), L2, "l2-any", MIR),
	FX("ipv4 tcp: protocol", SET_NONIP, "vm1", OUT, TCP4(80), L4, "need-proto", MIR),
	FX("ipv4 icmp: cidr", SET_NONIP, "vm1", OUT, ICMP4, L3, "need-cidr", MIR),
	FX("ipv4 tcp later fragment: protocol, no ports", SET_NONIP, "vm1", OUT,
	   TCP4(80, .frag = FX_FRAG_LATER), L3, "need-proto", MIR),
	FX("ipv4 udp later fragment: cidr", SET_NONIP, "vm1", OUT, UDP4(53, .frag = FX_FRAG_LATER), L3,
	   "need-cidr", MIR),
	FX("ipv6 udp: source cidr", SET_NONIP, "vm1", OUT, UDP6(53), L4, "need-src6", MIR),
	FX("ipv6 udp later fragment: source cidr", SET_NONIP, "vm1", OUT,
	   UDP6(53, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_LATER), L3, "need-src6", MIR),
	FX("ipv6 from fe80:: icmpv6: ports need L4", SET_NONIP, "vm1", OUT,
	   IP6(58, "fe80::1", "ff02::1", 0, 0, .icmp_type = 135), L3, "l2-any", MIR),
	FX("ipv6 from fe80:: udp: ports", SET_NONIP, "vm1", OUT, IP6(17, "fe80::1", "ff02::1", 1, 2),
	   L4, "need-ports", MIR),

	/* ---- a monitor that is not on this host (SET_GHOST) ---- */
	FX("mirror to an absent sink", SET_GHOST, "vm1", OUT, UDP4(53), L4, "to-ghost", MIR),
	FX("mirror to the present sink", SET_GHOST, "vm1", OUT, TCP4(80), L4, "to-mon", MIR),

	/* ---- header-only copies (SET_HDRS): copy_len is where the copy ends ---- */
	FXH("headers: ipv4 tcp, 100 bytes of payload", OUT, TCP4(80, .payload = 100), L4, 54),
	FXH("headers: ipv4 tcp with 12 bytes of options", OUT,
	    TCP4(80, .tcp_opts = 12, .payload = 100), L4, 66),
	FXH("headers: ipv4 tcp with 40 bytes of options, received", IN,
	    TCP4(80, .tcp_opts = 40, .payload = 64), L4, 94),
	FXH("headers: ipv4 options (8) + tcp", OUT, TCP4(80, .ip4_opts = 8, .payload = 100), L4, 62),
	FXH("headers: ipv4 udp", OUT, UDP4(53, .payload = 200), L4, 42),
	FXH("headers: ipv4 icmp echo", OUT, IP4(1, NULL, NULL, 0, 0, .icmp_type = 8, .payload = 56),
	    L3, 42),
	FXH("headers: ipv4 sctp", OUT, IP4(132, NULL, NULL, 1, 2, .payload = 64), L4, 46),
	FXH("headers: ipv4 gre: after the IP header", OUT, IP4(47, NULL, NULL, 0, 0, .payload = 64),
	    L3, 34),
	FXH("headers: ipv4 first fragment tcp: after tcp", OUT,
	    TCP4(80, .frag = FX_FRAG_FIRST, .payload = 100), L4, 54),
	FXH("headers: ipv4 later fragment: after the IP header", OUT,
	    TCP4(80, .frag = FX_FRAG_LATER), L3, 34),
	FXH("headers: ipv6 tcp", OUT, TCP6(80, .payload = 100), L4, 74),
	FXH("headers: ipv6 hbh + routing + dstopts + tcp with 20 bytes of options", OUT,
	    TCP6(80, .ext = { 0, 43, 60 }, .n_ext = 3, .tcp_opts = 20, .payload = 100), L4, 118),
	FXH("headers: ipv6 authentication header + udp", OUT,
	    UDP6(53, .ext = { 51 }, .n_ext = 1, .payload = 100), L4, 86),
	FXH("headers: ipv6 first fragment udp: after udp", OUT,
	    UDP6(53, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_FIRST, .payload = 100), L4, 70),
	FXH("headers: ipv6 later fragment: after the fragment header", OUT,
	    UDP6(53, .ext = { 44 }, .n_ext = 1, .frag = FX_FRAG_LATER), L3, 62),
	FXH("headers: ipv6 icmpv6 echo", OUT,
	    IP6(58, NULL, NULL, 0, 0, .icmp_type = 128, .payload = 56), L3, 62),
	FXH("headers: ipv6 nine extension headers: after the Ethernet header", OUT,
	    TCP6(80, .ext = { 0, 60, 43, 60, 43, 60, 43, 60, 60 }, .n_ext = 9, .payload = 32), L3,
	    14),
	FXH("headers: 802.1ad + 802.1Q ipv4 tcp with options", OUT,
	    TCP4(80, TAG2(AD, 100, Q, 10), .tcp_opts = 12, .payload = 100), L4, 74),
	FXH("headers: 802.1ad + 802.1Q ipv6 udp", IN, UDP6(53, TAG2(AD, 100, Q, 10), .payload = 100),
	    L4, 70),
	FXH("headers: 802.1Q arp: all of it", OUT, ARPQ(Q, 10), L2, 46),
	FXH("headers: non-IP: after the Ethernet header", OUT, ETHT(0x88b6), L2, 14),
	FXH("headers: tcp header cut at 19 bytes: the frame", OUT,
	    TCP4(80, .cut = FX_CUT_L4, .cut_keep = 19), L3, 53),
	FXH("headers: ipv4 header cut at 19 bytes: after the Ethernet header", OUT,
	    TCP4(80, .cut = FX_CUT_L3, .cut_keep = 19, .payload = 50), L2, 14),
};

const size_t fx_count = sizeof(fx_table) / sizeof(fx_table[0]);
