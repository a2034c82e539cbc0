// SPDX-License-Identifier: GPL-2.0
/* Monitors (where copies go: local, vxlan, ovs, capture) and receive
 * entries (tunnelled copies delivered to a port of this host). */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_parse.h"

static const struct key_spec monitor_keys[] = {
    {"name", T_ALL},
    {"type", T_ALL},
    {"port", T_BIT(VTAP_MONITOR_LOCAL) | T_BIT(VTAP_MONITOR_OVS) | T_BIT(VTAP_MONITOR_CAPTURE)},
    {"remote", T_BIT(VTAP_MONITOR_VXLAN)},
    {"vni", T_BIT(VTAP_MONITOR_VXLAN)},
    {"bridge", T_BIT(VTAP_MONITOR_OVS)},
    {"ovs_port", T_BIT(VTAP_MONITOR_OVS)},
    {"datapath", T_BIT(VTAP_MONITOR_OVS)},
    {"file", T_BIT(VTAP_MONITOR_CAPTURE)},
    {"rotate_size", T_BIT(VTAP_MONITOR_CAPTURE)},
    {"rotate_count", T_BIT(VTAP_MONITOR_CAPTURE)},
    {"members", T_BIT(VTAP_MONITOR_GROUP)},
    {"hash", T_BIT(VTAP_MONITOR_GROUP)},
};
#define N_MONITOR_KEYS (sizeof(monitor_keys) / sizeof(monitor_keys[0]))

static void parse_remote(const struct pctx *c, const struct vtap_ynode *n, struct vtap_monitor *m)
{
	const char *s = field_str(c, n, "remote");
	unsigned char buf[16];

	if (!s)
		return;
	if (inet_pton(AF_INET, s, buf) == 1) {
		m->remote_family = AF_INET;
		memcpy(m->remote, buf, 4);
		if (!memcmp(buf, "\0\0\0\0", 4) || buf[0] >= 224)
			ERR(c, n, "remote %s is not a unicast address", Q(s));
	} else if (inet_pton(AF_INET6, s, buf) == 1) {
		m->remote_family = AF_INET6;
		memcpy(m->remote, buf, 16);
		if (buf[0] == 0xff || !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16))
			ERR(c, n, "remote %s is not a unicast address", Q(s));
	} else {
		ERR(c, n, "remote: invalid address '%s' (expected an IPv4 or IPv6 address)", Q(s));
	}
}

void parse_monitor(const struct pctx *c, const struct vtap_ynode *map)
{
	const struct vtap_ynode *v, *k;
	struct vtap_monitor *m, *arr;
	char why[IFNAME_WHY_MAX];
	long long x;
	bool type_ok = true;

	arr = grow_array(c->set->monitors, c->set->n_monitors, sizeof(*arr));
	if (!arr) {
		ERR(c, map, "out of memory");
		return;
	}
	c->set->monitors = arr;
	m = &arr[c->set->n_monitors++];
	memset(m, 0, sizeof(*m));
	m->loc = at(c, map);
	m->type = VTAP_MONITOR_LOCAL;

	if (map->kind != VTAP_Y_MAP) {
		ERR(c, map, "a monitor must be a mapping, got %s", node_kind(map));
		return;
	}
	node_check_keys(c, map, "monitor", monitor_keys, N_MONITOR_KEYS);

	if ((v = node_get(map, "name", NULL)))
		field_name(c, v, "monitor name", m->name);
	else
		ERR(c, map, "monitor: missing required key 'name'");

	if ((v = node_get(map, "type", NULL))) {
		const char *s = field_str(c, v, "monitor type");

		if (s && !strcmp(s, "local"))
			m->type = VTAP_MONITOR_LOCAL;
		else if (s && !strcmp(s, "vxlan"))
			m->type = VTAP_MONITOR_VXLAN;
		else if (s && !strcmp(s, "ovs"))
			m->type = VTAP_MONITOR_OVS;
		else if (s && !strcmp(s, "capture"))
			m->type = VTAP_MONITOR_CAPTURE;
		else if (s && !strcmp(s, "group"))
			m->type = VTAP_MONITOR_GROUP;
		else {
			if (s)
				ERR(c, v,
				    "unknown monitor type '%s' (expected local, vxlan, ovs, capture "
				    "or group)",
				    Q(s));
			type_ok = false;
		}
	}
	if (!type_ok)
		return; /* which keys belong is unknown */

	/* Keys that belong to another type. */
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		k = map->kids[i];
		if (k->kind != VTAP_Y_SCALAR)
			continue;
		for (size_t j = 0; j < N_MONITOR_KEYS; j++) {
			if (strcmp(monitor_keys[j].name, k->str) ||
			    (monitor_keys[j].types & T_BIT(m->type)))
				continue;
			ERR(c, k, "%s has no meaning for a %s monitor", QNODE(k),
			    vtap_monitor_type_name(m->type));
		}
	}

	if (m->type == VTAP_MONITOR_GROUP) {
		parse_group(c, map, m);
	} else if (m->type != VTAP_MONITOR_VXLAN) {
		v = node_get(map, "port", NULL);
		if (!v) {
			/* capture and ovs: vtapd names the sink veth (sink_name.h) */
			if (m->type == VTAP_MONITOR_LOCAL)
				ERR(c, map,
				    "monitor: missing required key 'port' (a local "
				    "monitor needs one)");
		} else {
			const char *s = field_str(c, v, "monitor port");
			const char *p;

			m->port_loc = at(c, v);
			if (s && (p = ifname_problem(s, false, why, sizeof(why))))
				ERR(c, v, "monitor port: %s", p);
			else if (s)
				snprintf(m->port, sizeof(m->port), "%s", s);
		}
	} else {
		if ((v = node_get(map, "remote", NULL)))
			parse_remote(c, v, m);
		else
			ERR(c, map,
			    "monitor: missing required key 'remote' (a vxlan monitor needs one)");
		if ((v = node_get(map, "vni", NULL))) {
			if (field_int(c, v, "vni", 0, 16777215, &x))
				m->vni = (uint32_t)x;
		} else {
			ERR(c, map,
			    "monitor: missing required key 'vni' (a vxlan monitor needs one)");
		}
	}

	if (m->type == VTAP_MONITOR_OVS) {
		/* handed to ovs-vsctl/ovs-ofctl as arguments and to DPDK's
		 * devargs: no option-like names, no devargs separators */
		if ((v = node_get(map, "bridge", NULL))) {
			field_short_str(c, v, "bridge", m->bridge, sizeof(m->bridge));
			if (m->bridge[0] == '-')
				ERR(c, v, "bridge '%s' must not start with '-'", Q(m->bridge));
		}
		if ((v = node_get(map, "ovs_port", NULL))) {
			field_short_str(c, v, "ovs_port", m->ovs_port, sizeof(m->ovs_port));
			if (m->ovs_port[0] == '-')
				ERR(c, v, "ovs_port '%s' must not start with '-'", Q(m->ovs_port));
		}
		if (m->port[0] && strpbrk(m->port, ",="))
			ERR(c, m->port_loc.line ? node_get(map, "port", NULL) : map,
			    "monitor port '%s': ',' and '=' cannot be passed to OVS-DPDK's devargs",
			    m->port);
		if ((v = node_get(map, "datapath", NULL))) {
			const char *s = field_str(c, v, "datapath");

			if (s && !strcmp(s, "afxdp"))
				m->datapath = VTAP_OVS_DP_AFXDP;
			else if (s && !strcmp(s, "dpdk"))
				m->datapath = VTAP_OVS_DP_DPDK;
			else if (s)
				ERR(c, v, "unknown datapath '%s' (expected afxdp or dpdk)", Q(s));
		}
	}

	if (m->type == VTAP_MONITOR_CAPTURE) {
		const struct vtap_ynode *fk = NULL;

		if ((v = node_get(map, "file", &fk))) {
			const char *s = field_str(c, v, "file");

			if (s && s[0] != '/')
				ERR(c, v, "file '%s' must be an absolute path", Q(s));
			else if (s && strlen(s) >= sizeof(m->file))
				ERR(c, v, "file is longer than %zu characters",
				    sizeof(m->file) - 1);
			else if (s)
				snprintf(m->file, sizeof(m->file), "%s", s);
		}
		if ((v = node_get(map, "rotate_size", &k))) {
			if (field_int(c, v, "rotate_size", 0, LLONG_MAX, &x))
				m->rotate_size = (uint64_t)x;
			if (!fk)
				ERR(c, k, "rotate_size needs file");
		}
		if ((v = node_get(map, "rotate_count", &k))) {
			if (field_int(c, v, "rotate_count", 0, INT32_MAX, &x))
				m->rotate_count = (uint32_t)x;
			if (!fk)
				ERR(c, k, "rotate_count needs file");
		}
	}
}

void parse_receive(const struct pctx *c, const struct vtap_ynode *map)
{
	static const struct key_spec keys[] = {{"vni", 0}, {"port", 0}};
	const struct vtap_ynode *v;
	struct vtap_receive *r, *arr;
	char why[IFNAME_WHY_MAX];
	long long x;

	arr = grow_array(c->set->receives, c->set->n_receives, sizeof(*arr));
	if (!arr) {
		ERR(c, map, "out of memory");
		return;
	}
	c->set->receives = arr;
	r = &arr[c->set->n_receives++];
	memset(r, 0, sizeof(*r));
	r->loc = at(c, map);
	if (map->kind != VTAP_Y_MAP) {
		ERR(c, map, "a receive entry must be a mapping, got %s", node_kind(map));
		return;
	}
	node_check_keys(c, map, "receive entry", keys, NKEYS(keys));
	if ((v = node_get(map, "vni", NULL))) {
		if (field_int(c, v, "vni", 0, 16777215, &x))
			r->vni = (uint32_t)x;
	} else {
		ERR(c, map, "receive: missing required key 'vni'");
	}
	if ((v = node_get(map, "port", NULL))) {
		const char *s = field_str(c, v, "receive port");
		const char *p;

		r->port_loc = at(c, v);
		if (s && (p = ifname_problem(s, false, why, sizeof(why))))
			ERR(c, v, "receive port: %s", p);
		else if (s)
			snprintf(r->port, sizeof(r->port), "%s", s);
	} else {
		ERR(c, map,
		    "receive: missing required key 'port' (the monitor's port on this host)");
	}
}
