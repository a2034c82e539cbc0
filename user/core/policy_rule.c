// SPDX-License-Identifier: GPL-2.0
/* Policies: which frames of which ports are copied to which monitor, with
 * every per-field check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy_parse.h"

static const struct key_spec policy_keys[] = {
    {"name", 0},  {"priority", 0}, {"source", 0},  {"destination", 0}, {"direction", 0},
    {"match", 0}, {"action", 0},   {"snaplen", 0}, {"sample", 0},      {"monitor", 0},
    {"rate", 0},  {"dedup", 0},
};
static const struct key_spec source_keys[] = {{"ports", 0}, {"cidr", 0}, {"hook", 0}};
static const struct key_spec dest_keys[] = {{"cidr", 0}, {"ports", 0}};
static const struct key_spec match_keys[] = {
    {"protocol", 0},
    {"src_ports", 0},
    {"dst_ports", 0},
    {"vlan", 0},
};
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static void parse_source_ports(const struct pctx *c, const struct vtap_ynode *n,
			       struct vtap_policy *p)
{
	struct vtap_ynode *const *items, *one[1];
	char why[IFNAME_WHY_MAX];
	size_t k;

	if (!field_list(c, n, "source.ports", &items, &k, one))
		return;
	p->ports = calloc(k, sizeof(*p->ports));
	p->port_locs = calloc(k, sizeof(*p->port_locs));
	if (!p->ports || !p->port_locs) {
		ERR(c, n, "out of memory");
		return;
	}
	for (size_t i = 0; i < k; i++) {
		const char *s = field_str(c, items[i], "source port");
		const char *prob;

		if (!s)
			continue;
		prob = ifname_problem(s, true, why, sizeof(why));
		if (prob) {
			ERR(c, items[i], "source.ports: %s", prob);
			continue;
		}
		p->ports[p->n_ports] = strdup(s);
		if (!p->ports[p->n_ports]) {
			ERR(c, items[i], "out of memory");
			continue;
		}
		p->port_locs[p->n_ports++] = at(c, items[i]);
	}
}

static void parse_protocol(const struct pctx *c, const struct vtap_ynode *n, struct vtap_policy *p)
{
	static const struct {
		const char *name;
		int num;
	} protos[] = {
	    {"tcp", 6},	    {"udp", 17},   {"sctp", 132},     {"icmp", 1},
	    {"icmpv6", 58}, {"icmp6", 58}, {"ipv6-icmp", 58},
	};
	long long v;

	if (n->kind == VTAP_Y_SCALAR && n->plain && parse_decimal(n->str, &v)) {
		if (field_int(c, n, "match.protocol", 0, 255, &v))
			p->protocol = (int)v;
		return;
	}
	if (n->kind != VTAP_Y_SCALAR || node_is_null(n)) {
		ERR(c, n, "match.protocol must be a name or a number, got %s", node_kind(n));
		return;
	}
	for (size_t i = 0; i < NKEYS(protos); i++) {
		if (!strcasecmp(n->str, protos[i].name)) {
			p->protocol = protos[i].num;
			return;
		}
	}
	ERR(c, n,
	    "unknown protocol '%s' (expected tcp, udp, sctp, icmp, icmpv6 or a number 0..255)",
	    QNODE(n));
}

static void parse_vlans(const struct pctx *c, const struct vtap_ynode *n, struct vtap_policy *p)
{
	struct vtap_ynode *const *items, *one[1];
	long long v;
	size_t k;

	if (!field_list(c, n, "match.vlan", &items, &k, one))
		return;
	p->vlans = calloc(k, sizeof(*p->vlans));
	if (!p->vlans) {
		ERR(c, n, "out of memory");
		return;
	}
	for (size_t i = 0; i < k; i++)
		if (field_int(c, items[i], "match.vlan", 0, 4095, &v))
			p->vlans[p->n_vlans++] = (int)v;
}

static bool all_family(const struct vtap_cidr *a, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].family != family)
			return false;
	return n > 0;
}

static bool port_protocol(int proto)
{
	return proto == -1 || proto == 6 || proto == 17 || proto == 132;
}

void parse_policy(const struct pctx *c, const struct vtap_ynode *map)
{
	const struct vtap_ynode *v, *k, *src, *dst, *match;
	const struct vtap_ynode *ports_key = NULL, *dports_key = NULL;
	const struct vtap_ynode *mon_key = NULL, *proto = NULL;
	struct vtap_policy *p, *arr;
	long long x;

	/* Past the limit: policy_validate.c reports it at the first extra. */
	if (c->set->n_policies > VTAP_POLICY_MAX)
		return;
	arr = grow_array(c->set->policies, c->set->n_policies, sizeof(*arr));
	if (!arr) {
		ERR(c, map, "out of memory");
		return;
	}
	c->set->policies = arr;
	p = &arr[c->set->n_policies++];
	memset(p, 0, sizeof(*p));
	p->loc = at(c, map);
	p->priority = 1000;
	p->direction = VTAP_DIR_BOTH;
	p->protocol = -1;
	p->action = VTAP_ACTION_MIRROR;
	p->snaplen = 0;
	p->sample = 1;
	p->monitor_idx = -1;
	p->dedup = true;

	if (map->kind != VTAP_Y_MAP) {
		ERR(c, map, "a policy must be a mapping, got %s", node_kind(map));
		return;
	}
	node_check_keys(c, map, "policy", policy_keys, NKEYS(policy_keys));

	if ((v = node_get(map, "name", NULL)))
		field_name(c, v, "policy name", p->name);
	else
		ERR(c, map, "policy: missing required key 'name'");

	if ((v = node_get(map, "priority", NULL)) && field_int(c, v, "priority", 0, 65535, &x))
		p->priority = (int32_t)x;

	src = node_get(map, "source", NULL);
	if (!src) {
		ERR(c, map, "policy: missing required key 'source'");
	} else if (src->kind != VTAP_Y_MAP) {
		ERR(c, src, "source must be a mapping, got %s", node_kind(src));
	} else {
		node_check_keys(c, src, "source", source_keys, NKEYS(source_keys));
		if ((v = node_get(src, "ports", NULL)))
			parse_source_ports(c, v, p);
		else
			ERR(c, src, "source: missing required key 'ports'");
		if ((v = node_get(src, "cidr", NULL)))
			field_cidrs(c, v, "source.cidr", &p->src_cidrs, &p->n_src_cidrs);
		if ((v = node_get(src, "hook", NULL))) {
			const char *s = field_str(c, v, "source.hook");
			int mode = s ? vtap_hook_mode_parse(s) : 0;

			if (mode > 0)
				p->hook = (enum vtap_hook_mode)mode;
			else if (s)
				ERR(c, v, "unknown hook '%s' (expected xdp, tc or auto)", Q(s));
		}
	}

	dst = node_get(map, "destination", NULL);
	if (dst && node_is_null(dst)) {
		dst = NULL; /* "destination:" alone: no constraint */
	} else if (dst && dst->kind != VTAP_Y_MAP) {
		ERR(c, dst, "destination must be a mapping, got %s", node_kind(dst));
		dst = NULL;
	} else if (dst) {
		node_check_keys(c, dst, "destination", dest_keys, NKEYS(dest_keys));
		if ((v = node_get(dst, "cidr", NULL)))
			field_cidrs(c, v, "destination.cidr", &p->dst_cidrs, &p->n_dst_cidrs);
		if ((v = node_get(dst, "ports", &dports_key)))
			field_port_specs(c, v, "destination.ports", &p->dst_ports, &p->n_dst_ports);
	}

	if ((v = node_get(map, "direction", NULL))) {
		const char *s = field_str(c, v, "direction");

		if (s && !strcmp(s, "in"))
			p->direction = VTAP_DIR_IN;
		else if (s && !strcmp(s, "out"))
			p->direction = VTAP_DIR_OUT;
		else if (s && !strcmp(s, "both"))
			p->direction = VTAP_DIR_BOTH;
		else if (s)
			ERR(c, v, "unknown direction '%s' (expected in, out or both)", Q(s));
	}

	match = node_get(map, "match", NULL);
	if (match && node_is_null(match)) {
		match = NULL;
	} else if (match && match->kind != VTAP_Y_MAP) {
		ERR(c, match, "match must be a mapping, got %s", node_kind(match));
		match = NULL;
	} else if (match) {
		node_check_keys(c, match, "match", match_keys, NKEYS(match_keys));
		if ((proto = node_get(match, "protocol", NULL)))
			parse_protocol(c, proto, p);
		if ((v = node_get(match, "src_ports", &ports_key)))
			field_port_specs(c, v, "match.src_ports", &p->src_ports, &p->n_src_ports);
		if ((v = node_get(match, "dst_ports", &k))) {
			if (dports_key)
				ERR(c, k,
				    "destination.ports (line %u column %u) and match.dst_ports are "
				    "the same field: give only one",
				    dports_key->line, dports_key->col);
			else
				field_port_specs(c, v, "match.dst_ports", &p->dst_ports,
						 &p->n_dst_ports);
			if (!ports_key)
				ports_key = k;
		}
		if ((v = node_get(match, "vlan", NULL)))
			parse_vlans(c, v, p);
	}
	if (!ports_key)
		ports_key = dports_key;
	if (ports_key && !port_protocol(p->protocol))
		ERR(c, ports_key, "ports need protocol tcp, udp or sctp (protocol is %s)",
		    QNODE(proto));

	if ((v = node_get(map, "action", NULL))) {
		const char *s = field_str(c, v, "action");

		if (s && !strcmp(s, "mirror"))
			p->action = VTAP_ACTION_MIRROR;
		else if (s && !strcmp(s, "skip"))
			p->action = VTAP_ACTION_SKIP;
		else if (s)
			ERR(c, v, "unknown action '%s' (expected mirror or skip)", Q(s));
	}

	if ((v = node_get(map, "snaplen", &k))) {
		if (v->kind == VTAP_Y_SCALAR && !strcmp(v->str, "headers") && v->len == 7)
			p->snap_headers = true;
		else if (v->kind == VTAP_Y_SCALAR && !node_is_null(v) &&
			 !(v->plain && parse_decimal(v->str, &x)))
			ERR(c, v, "snaplen must be a number of bytes or 'headers', got '%s'",
			    QNODE(v));
		else if (field_int(c, v, "snaplen", 0, 65535, &x)) {
			if (x > 0 && x < 14)
				ERR(c, v,
				    "snaplen %lld out of range (0 = whole frame, or 14..65535)", x);
			else
				p->snaplen = (uint32_t)x;
		}
		if (p->action == VTAP_ACTION_SKIP)
			ERR(c, k, "snaplen has no meaning for a skip policy");
	}
	if ((v = node_get(map, "sample", &k))) {
		if (field_int(c, v, "sample", 1, 2147483648LL, &x))
			p->sample = (uint32_t)x;
		if (p->action == VTAP_ACTION_SKIP)
			ERR(c, k, "sample has no meaning for a skip policy");
	}

	if ((v = node_get(map, "rate", &k)))
		parse_rate(c, v, k, p);
	if ((v = node_get(map, "dedup", &k)))
		parse_dedup(c, v, k, p);

	if ((v = node_get(map, "monitor", &mon_key))) {
		if (p->action == VTAP_ACTION_SKIP) {
			ERR(c, mon_key, "monitor has no meaning for a skip policy");
		} else if (field_name(c, v, "monitor name", p->monitor)) {
			p->monitor_loc = at(c, v);
		}
	} else if (p->action == VTAP_ACTION_MIRROR) {
		ERR(c, map, "policy: missing required key 'monitor' (a mirror policy needs one)");
	}

	if ((all_family(p->src_cidrs, p->n_src_cidrs, AF_INET) &&
	     all_family(p->dst_cidrs, p->n_dst_cidrs, AF_INET6)) ||
	    (all_family(p->src_cidrs, p->n_src_cidrs, AF_INET6) &&
	     all_family(p->dst_cidrs, p->n_dst_cidrs, AF_INET)))
		ERR(c, dst ? dst : map,
		    "source.cidr and destination.cidr are of different IP versions: the policy can "
		    "never match");
}
