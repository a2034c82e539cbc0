// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the policy compiler (user/core/compile.c) and the native
 * classifier, differentially.
 *
 * Input: a policy file, as for fuzz_policy. When it loads, it is compiled
 * for a fixed set of host ports (N_HOST below; globs in the input pick among
 * them). Then, for probe frames derived from the policies themselves (the
 * first and last address of each CIDR, the ends of each port range, each
 * VLAN and protocol, at parse levels L2, L3 and L4, IPv4 and IPv6), on every
 * host port plus an unknown one, in both directions, the classifier's
 * verdict must equal a linear reference matcher written from
 * docs/policy.md: the first policy in (priority, name) order whose every
 * field matches. Compile failures are allowed only with a message.
 * The reference matcher (reference.h) is shared with fuzz_packet.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vtap/parse.h>
#include "core/policy.h"
#include "core/image.h"

#define FUZZ_NAME "fuzz_compile"
#include "fuzz_common.h"

#define N_HOST 6
static const char *const host_names[N_HOST] = { "vm1", "vm2", "tapa0", "trunk1", "idle0", "eth0" };
#define PROBE_POLICIES 24 /* policies whose values seed probes */

static struct vtap_policy_set set;
static struct vtap_host_port host[N_HOST];
static int *order;
/* the fake host ports the compiler matches globs against */
static void init_hosts(void)
{
	for (int i = 0; i < N_HOST; i++) {
		snprintf(host[i].name, sizeof(host[i].name), "%s", host_names[i]);
		host[i].ifindex = 101 + (__u32)i;
	}
}

static int cmp_index(const void *a, const void *b)
{
	return vtap_policy_order_cmp(&set.policies[*(const int *)a],
				     &set.policies[*(const int *)b]);
}

/* ---- the reference: docs/policy.md, read literally, one rule at a time ---- */

#include "reference.h"


static int ref_classify(const struct vtap_pkt *pkt, __u32 ifindex, __u8 dir)
{
	const char *port = NULL;

	for (int i = 0; i < N_HOST; i++)
		if (host[i].ifindex == ifindex)
			port = host[i].name;
	for (size_t r = 0; r < set.n_policies; r++)
		if (ref_match(&set.policies[order[r]], pkt, port, dir))
			return (int)r;
	return VTAP_NO_MATCH;
}

static const char *addr_str(const __u8 *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return buf;
}

static void probe(const struct vtap_image *img, const struct vtap_pkt *pkt)
{
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];

	for (__u32 ifindex = 101; ifindex <= 101 + N_HOST; ifindex++) {
		for (__u8 dir = VTAP_DIR_IN; dir <= VTAP_DIR_OUT; dir++) {
			int rank = vtap_image_classify(img, pkt, ifindex, dir);
			int want = ref_classify(pkt, ifindex, dir);

			CHECK(rank == want,
			      "ifindex %u dir %u level %u v6 %d %s -> %s proto %u ports %u/%u vlan %u: "
			      "classifier says rank %d (%s), reference %d (%s)",
			      ifindex, dir, pkt->level, !!(pkt->flags & VTAP_PF_IPV6),
			      addr_str(pkt->saddr, sa), addr_str(pkt->daddr, da), pkt->proto,
			      pkt->sport, pkt->dport, pkt->vlan, rank,
			      rank >= 0 && rank < (int)set.n_policies ? set.policies[order[rank]].name
								       : "none",
			      want, want >= 0 ? set.policies[order[want]].name : "none");
		}
	}
}

/* The first (last = 0) or last (last = 1) address of a CIDR. */
static void cidr_end(const struct vtap_cidr *c, int last, __u8 *addr)
{
	memcpy(addr, c->addr, 16);
	if (last)
		for (unsigned int bit = c->prefixlen; bit < 128; bit++)
			addr[bit / 8] |= (__u8)(0x80 >> (bit % 8));
}

static void probes_of(const struct vtap_image *img, const struct vtap_policy *p, unsigned int salt)
{
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct vtap_pkt pkt;

	for (unsigned int v = 0; v < 8; v++) {
		int last = v & 1, swap = (v >> 1) & 1, lvl = (int)(v >> 1) % 3;
		const struct vtap_cidr *s = p->n_src_cidrs ? &p->src_cidrs[(v + salt) % p->n_src_cidrs] : NULL;
		const struct vtap_cidr *d = p->n_dst_cidrs ? &p->dst_cidrs[(v + salt) % p->n_dst_cidrs] : NULL;
		const struct vtap_port_range *sp =
			p->n_src_ports ? &p->src_ports[(v + salt) % p->n_src_ports] : NULL;
		const struct vtap_port_range *dp =
			p->n_dst_ports ? &p->dst_ports[(v + salt) % p->n_dst_ports] : NULL;
		int v6 = (s && s->family == AF_INET6) || (!s && d && d->family == AF_INET6);
		__u8 vm[16], peer[16];

		memset(&pkt, 0, sizeof(pkt));
		pkt.level = (__u8)(lvl == 0 ? VTAP_LEVEL_L4 : lvl == 1 ? VTAP_LEVEL_L3 : VTAP_LEVEL_L2);
		if (v == 7)
			pkt.level = VTAP_LEVEL_L4;
		pkt.vlan = (__u16)(p->n_vlans ? p->vlans[(v + salt) % p->n_vlans] : (v & 2) ? 100 : 0);
		pkt.n_vlans = pkt.vlan != 0;
		if (pkt.level == VTAP_LEVEL_L2) {
			pkt.eth_proto = VTAP_ETH_P_ARP;
			probe(img, &pkt);
			continue;
		}
		pkt.eth_proto = v6 ? VTAP_ETH_P_IPV6 : VTAP_ETH_P_IP;
		if (v6)
			pkt.flags |= VTAP_PF_IPV6;
		memset(vm, 0, 16);
		memset(peer, 0, 16);
		if (!v6) {
			memcpy(vm, mapped, 12);
			memcpy(peer, mapped, 12);
		}
		/* A frame of one family carries addresses of that family only
		 * (IPv4 always IPv4-mapped): a CIDR of the other family does
		 * not seed an address. */
		if (s && (s->family == AF_INET6) == v6)
			cidr_end(s, last, vm);
		if (d && (d->family == AF_INET6) == v6)
			cidr_end(d, last, peer);
		pkt.proto = (__u8)(p->protocol >= 0 ? p->protocol : (sp || dp) ? 6 : 17);
		if (pkt.level == VTAP_LEVEL_L4 && pkt.proto != 6 && pkt.proto != 17 &&
		    pkt.proto != 132)
			pkt.level = VTAP_LEVEL_L3;
		__u16 vmport = sp ? (last ? sp->hi : sp->lo) : 40000;
		__u16 peerport = dp ? (last ? dp->hi : dp->lo) : 80;
		if (pkt.level != VTAP_LEVEL_L4)
			vmport = peerport = 0;
		/* once as sent by the VM (out), once as received (in) */
		for (int in = 0; in < 2; in++) {
			memcpy(in ? pkt.daddr : pkt.saddr, vm, 16);
			memcpy(in ? pkt.saddr : pkt.daddr, peer, 16);
			pkt.sport = in ? peerport : vmport;
			pkt.dport = in ? vmport : peerport;
			if (swap && pkt.level == VTAP_LEVEL_L4 && in)
				pkt.l4_off = 54;
			probe(img, &pkt);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtap_errors errs = { 0 };
	struct vtap_compile_env env = { 0 };
	struct vtap_image img;
	__u32 sinks[64];
	int rc;

	if (!host[0].ifindex)
		init_hosts();
	if (fuzz_load_policy(data, size, &set, &errs) < 0) {
		vtap_errors_free(&errs);
		return 0;
	}
	for (size_t i = 0; i < 64; i++)
		sinks[i] = 201 + (__u32)i;
	env.ports = host;
	env.n_ports = N_HOST;
	env.sink_ifindex = set.n_monitors <= 64 ? sinks : NULL;
	rc = vtap_compile(&set, &env, &img, &errs);
	if (rc < 0) {
		CHECK(errs.n >= 1, "compile failed (%d) without a message", rc);
		goto out;
	}
	CHECK(rc == 0, "compile returned %d", rc);
	CHECK(errs.n == 0, "compile succeeded with errors: %s", errs.msgs[0]);
	CHECK(img.gen.n_rules == set.n_policies, "%u rules for %zu policies", img.gen.n_rules,
	      set.n_policies);
	order = calloc(set.n_policies + 1, sizeof(*order));
	CHECK(order, "oom");
	for (size_t i = 0; i < set.n_policies; i++)
		order[i] = (int)i;
	qsort(order, set.n_policies, sizeof(*order), cmp_index);
	for (size_t r = 0; r < set.n_policies; r++) {
		const struct vtap_policy *p = &set.policies[order[r]];
		const struct vtap_rule *rule = &img.rules[r];

		CHECK(img.rank_policy[r] == order[r], "rank %zu is policy %d, expected %d", r,
		      img.rank_policy[r], order[r]);
		CHECK(rule->policy_id == (__u32)order[r], "rank %zu: policy_id %u", r, rule->policy_id);
		CHECK(rule->action == (p->action == VTAP_ACTION_SKIP ? VTAP_ACT_SKIP : VTAP_ACT_MIRROR),
		      "rank %zu: action %u", r, rule->action);
		CHECK(rule->sample == p->sample && rule->snaplen == p->snaplen,
		      "rank %zu: sample %u snaplen %u", r, rule->sample, rule->snaplen);
		if (env.sink_ifindex && p->monitor_idx >= 0)
			CHECK(rule->sink_ifindex == sinks[p->monitor_idx], "rank %zu: sink %u", r,
			      rule->sink_ifindex);
	}
	for (size_t i = 0; i < set.n_policies && i < PROBE_POLICIES; i++)
		probes_of(&img, &set.policies[i], (unsigned int)i);
	free(order);
	order = NULL;
	vtap_image_free(&img);
out:
	vtap_policy_set_free(&set);
	vtap_errors_free(&errs);
	return 0;
}
