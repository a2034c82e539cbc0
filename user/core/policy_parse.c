// SPDX-License-Identifier: GPL-2.0
/* One file's YAML tree → monitors and policies, with every per-field check
 * (types, ranges, unknown and duplicate keys, required keys). Checks that
 * need every file (names, references, loops) are in policy_validate.c. */
#ifndef _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_internal.h"

struct pctx {
	const char *file;
	struct vtap_policy_set *set;
	struct vtap_errors *errs;
};

static struct vtap_loc at(const struct pctx *c, const struct vtap_ynode *n)
{
	struct vtap_loc l = {.file = c->file, .line = n->line, .col = n->col};

	return l;
}

#define ERR(c, node, ...)                                                                          \
	do {                                                                                       \
		struct vtap_loc l_ = at((c), (node));                                              \
		vtap_errors_add((c)->errs, &l_, __VA_ARGS__);                                      \
	} while (0)

static bool is_null(const struct vtap_ynode *n)
{
	if (!n)
		return true;
	if (n->kind != VTAP_Y_SCALAR || !n->plain)
		return false;
	return !strcmp(n->str, "") || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

static const char *kind_name(const struct vtap_ynode *n)
{
	if (is_null(n))
		return "nothing (null)";
	switch (n->kind) {
	case VTAP_Y_MAP:
		return "a mapping";
	case VTAP_Y_SEQ:
		return "a list";
	case VTAP_Y_SCALAR:
		break;
	}
	return "a scalar";
}

/* ---- mappings ---- */

struct key_spec {
	const char *name;
	unsigned int types; /* monitors: bit per type allowed; else unused */
};

#define T_ALL	 0xfu
#define T_BIT(t) (1u << (t))

/* Reports non-string keys, duplicate keys and keys not in keys[]. */
static void check_keys(const struct pctx *c, const struct vtap_ynode *map, const char *what,
		       const struct key_spec *keys, size_t n_keys)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct vtap_ynode *k = map->kids[i];
		bool known = false;

		if (k->kind != VTAP_Y_SCALAR) {
			ERR(c, k, "keys in %s must be strings, got %s", what, kind_name(k));
			continue;
		}
		for (size_t j = 0; j < i; j += 2) {
			const struct vtap_ynode *p = map->kids[j];

			if (p->kind == VTAP_Y_SCALAR && !strcmp(p->str, k->str)) {
				ERR(c, k, "duplicate key '%s' in %s (first at line %u column %u)",
				    k->str, what, p->line, p->col);
				break;
			}
		}
		for (size_t j = 0; j < n_keys; j++)
			if (!strcmp(keys[j].name, k->str))
				known = true;
		if (!known) {
			char list[512] = "";
			size_t off = 0;

			for (size_t j = 0; j < n_keys && off < sizeof(list); j++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							j ? ", " : "", keys[j].name);
			ERR(c, k, "unknown key '%s' in %s (expected one of: %s)", k->str, what,
			    list);
		}
	}
}

/* First value for key (and its key node), or NULL. */
static const struct vtap_ynode *get(const struct vtap_ynode *map, const char *key,
				    const struct vtap_ynode **keynode)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct vtap_ynode *k = map->kids[i];

		if (k->kind == VTAP_Y_SCALAR && !strcmp(k->str, key)) {
			if (keynode)
				*keynode = k;
			return map->kids[i + 1];
		}
	}
	return NULL;
}

/* ---- scalars ---- */

/* A non-empty string without NUL bytes, or NULL after an error. */
static const char *get_str(const struct pctx *c, const struct vtap_ynode *n, const char *what)
{
	if (n->kind != VTAP_Y_SCALAR || is_null(n)) {
		ERR(c, n, "%s must be a string, got %s", what, kind_name(n));
		return NULL;
	}
	if (n->len == 0) {
		ERR(c, n, "%s must not be empty", what);
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		ERR(c, n, "%s contains a NUL byte", what);
		return NULL;
	}
	return n->str;
}

/* Decimal digits with an optional sign, fits in long long. */
static bool parse_ll(const char *s, long long *v)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* An integer in lo..hi, written as a plain (unquoted) YAML integer. */
static bool get_int(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		    long long lo, long long hi, long long *out)
{
	long long v;

	if (n->kind != VTAP_Y_SCALAR || is_null(n)) {
		ERR(c, n, "%s must be an integer, got %s", what, kind_name(n));
		return false;
	}
	if (!n->plain || !parse_ll(n->str, &v)) {
		ERR(c, n, "%s must be an integer, got '%s'", what, n->str);
		return false;
	}
	if (v < lo || v > hi) {
		ERR(c, n, "%s %s out of range %lld..%lld", what, n->str, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

/* Items of a list; a single scalar counts as a list of one. */
static bool get_list(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		     struct vtap_ynode *const **items, size_t *count, struct vtap_ynode **one)
{
	if (n->kind == VTAP_Y_SEQ) {
		if (n->n == 0) {
			ERR(c, n, "%s must not be an empty list (leave it out to match any)", what);
			return false;
		}
		*items = n->kids;
		*count = n->n;
		return true;
	}
	if (n->kind == VTAP_Y_SCALAR && !is_null(n)) {
		one[0] = (struct vtap_ynode *)n; /* the caller's slot */
		*items = one;
		*count = 1;
		return true;
	}
	ERR(c, n, "%s must be a list, got %s", what, kind_name(n));
	return false;
}

static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len >= VTAP_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

static bool get_name(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		     char out[VTAP_NAME_MAX])
{
	const char *s = get_str(c, n, what);

	if (!s)
		return false;
	if (!valid_name(s)) {
		ERR(c, n, "invalid %s '%s' (1 to %d characters from A-Z a-z 0-9 _ . -)", what, s,
		    VTAP_NAME_MAX - 1);
		return false;
	}
	snprintf(out, VTAP_NAME_MAX, "%s", s);
	return true;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Interface names as the kernel accepts them (dev_valid_name); with glob,
 * fnmatch patterns over such names. NULL if fine, else why not. */
static const char *ifname_problem(const char *s, bool glob, char *buf, size_t bufsz)
{
	size_t len = strlen(s);

	if (len == 0)
		return "empty interface name";
	if (!glob && has_glob(s)) {
		snprintf(buf, bufsz, "'%s' must be an interface name, not a pattern", s);
		return buf;
	}
	if (len >= (glob && has_glob(s) ? 256 : IF_NAMESIZE)) {
		snprintf(buf, bufsz, "interface name '%s' is longer than %d characters", s,
			 glob && has_glob(s) ? 255 : IF_NAMESIZE - 1);
		return buf;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		snprintf(buf, bufsz, "'%s' is not a valid interface name", s);
		return buf;
	}
	for (const char *p = s; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p)) {
			snprintf(buf, bufsz, "invalid interface name '%s' (contains '%c')", s,
				 isprint((unsigned char)*p) ? *p : '?');
			return buf;
		}
	}
	return NULL;
}

/* "addr" or "addr/len"; IPv4 → IPv4-mapped IPv6 with len + 96. */
static bool parse_cidr(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		       struct vtap_cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *s, *slash;
	unsigned char buf[16];
	long long plen = -1;
	int family, max;

	s = get_str(c, n, what);
	if (!s)
		return false;
	slash = strchr(s, '/');
	if ((slash ? (size_t)(slash - s) : strlen(s)) >= sizeof(addr))
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? (size_t)(slash - s) : strlen(s)), s);
	if (inet_pton(AF_INET, addr, buf) == 1) {
		family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, buf) == 1) {
		family = AF_INET6;
		max = 128;
	} else {
		goto bad;
	}
	if (slash) {
		if (!slash[1] || strlen(slash + 1) > 3 || slash[1] == '+' || slash[1] == '-' ||
		    !parse_ll(slash + 1, &plen))
			goto bad;
		if (plen > max) {
			ERR(c, n, "%s: prefix length %lld out of range for %s (0..%d) in %s", what,
			    plen, family == AF_INET ? "IPv4" : "IPv6", max, s);
			return false;
		}
	} else {
		plen = max;
	}
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	if (family == AF_INET) {
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
		memcpy(out->addr + 12, buf, 4);
		out->prefixlen = (uint8_t)(plen + 96);
	} else {
		memcpy(out->addr, buf, 16);
		out->prefixlen = (uint8_t)plen;
	}
	/* Host bits: every bit after the prefix must be zero. */
	{
		uint8_t masked[16];
		char net[INET6_ADDRSTRLEN];
		bool host = false;

		memcpy(masked, out->addr, 16);
		for (int bit = out->prefixlen; bit < 128; bit++)
			masked[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		host = memcmp(masked, out->addr, 16) != 0;
		if (host) {
			inet_ntop(family, family == AF_INET ? masked + 12 : masked, net,
				  sizeof(net));
			ERR(c, n, "%s: host bits set in %s (did you mean %s/%lld?)", what, s, net,
			    plen);
			return false;
		}
	}
	return true;
bad:
	ERR(c, n, "%s: invalid CIDR '%s' (expected ADDRESS or ADDRESS/PREFIXLEN, IPv4 or IPv6)",
	    what, s);
	return false;
}

static bool get_cidrs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		      struct vtap_cidr **out, size_t *count)
{
	struct vtap_ynode *const *items, *one[1];
	size_t k, good = 0;

	if (!get_list(c, n, what, &items, &k, one))
		return false;
	*out = calloc(k, sizeof(**out));
	if (!*out) {
		ERR(c, n, "out of memory");
		return false;
	}
	for (size_t i = 0; i < k; i++)
		if (parse_cidr(c, items[i], what, &(*out)[good]))
			good++;
	*count = good;
	return good == k;
}

/* Port spec: 0..65535 or "LO-HI" (plain or quoted). */
static bool parse_port_spec(const struct pctx *c, const struct vtap_ynode *n, const char *what,
			    struct vtap_port_range *r)
{
	char lo_s[16], hi_s[16];
	const char *s, *dash;
	long long lo, hi;

	if (n->kind != VTAP_Y_SCALAR || is_null(n)) {
		ERR(c, n, "%s: a port must be a number or \"LO-HI\", got %s", what, kind_name(n));
		return false;
	}
	s = n->str;
	dash = strchr(s, '-');
	if (!dash) {
		if (!isdigit((unsigned char)s[0]) || strlen(s) > 10 || !parse_ll(s, &lo))
			goto bad;
		hi = lo;
	} else {
		size_t ll = (size_t)(dash - s), hl = strlen(dash + 1);

		if (ll == 0 || ll >= sizeof(lo_s) || hl == 0 || hl >= sizeof(hi_s))
			goto bad;
		memcpy(lo_s, s, ll);
		lo_s[ll] = '\0';
		memcpy(hi_s, dash + 1, hl + 1);
		if (!isdigit((unsigned char)lo_s[0]) || !isdigit((unsigned char)hi_s[0]) ||
		    !parse_ll(lo_s, &lo) || !parse_ll(hi_s, &hi))
			goto bad;
	}
	if (lo > 65535 || hi > 65535) {
		ERR(c, n, "%s: port %lld out of range 0..65535", what, lo > 65535 ? lo : hi);
		return false;
	}
	if (lo > hi) {
		ERR(c, n, "%s: port range %s has its low end above its high end", what, s);
		return false;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return true;
bad:
	ERR(c, n, "%s: invalid port '%s' (expected 0..65535 or \"LO-HI\")", what, s);
	return false;
}

static bool get_port_specs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
			   struct vtap_port_range **out, size_t *count)
{
	struct vtap_ynode *const *items, *one[1];
	size_t k, good = 0;

	if (!get_list(c, n, what, &items, &k, one))
		return false;
	*out = calloc(k, sizeof(**out));
	if (!*out) {
		ERR(c, n, "out of memory");
		return false;
	}
	for (size_t i = 0; i < k; i++)
		if (parse_port_spec(c, items[i], what, &(*out)[good]))
			good++;
	*count = good;
	return good == k;
}

/* Room for element n of an array whose capacity is the power of two at or
 * above its length (so no capacity field is needed). */
static void *grow(void *arr, size_t n, size_t size)
{
	if (n && (n & (n - 1)))
		return arr; /* n is not a power of two: there is room */
	return realloc(arr, (n ? n * 2 : 1) * size);
}

/* ---- monitors ---- */

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
};
#define N_MONITOR_KEYS (sizeof(monitor_keys) / sizeof(monitor_keys[0]))

static void get_short_str(const struct pctx *c, const struct vtap_ynode *n, const char *what,
			  char *out, size_t outsz)
{
	const char *s = get_str(c, n, what);

	if (!s)
		return;
	if (strlen(s) >= outsz) {
		ERR(c, n, "%s '%s' is longer than %zu characters", what, s, outsz - 1);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			ERR(c, n, "%s '%s' contains white space or control characters", what, s);
			return;
		}
	}
	snprintf(out, outsz, "%s", s);
}

static void parse_remote(const struct pctx *c, const struct vtap_ynode *n, struct vtap_monitor *m)
{
	const char *s = get_str(c, n, "remote");
	unsigned char buf[16];

	if (!s)
		return;
	if (inet_pton(AF_INET, s, buf) == 1) {
		m->remote_family = AF_INET;
		memcpy(m->remote, buf, 4);
		if (!memcmp(buf, "\0\0\0\0", 4) || buf[0] >= 224)
			ERR(c, n, "remote %s is not a unicast address", s);
	} else if (inet_pton(AF_INET6, s, buf) == 1) {
		m->remote_family = AF_INET6;
		memcpy(m->remote, buf, 16);
		if (buf[0] == 0xff || !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16))
			ERR(c, n, "remote %s is not a unicast address", s);
	} else {
		ERR(c, n, "remote: invalid address '%s' (expected an IPv4 or IPv6 address)", s);
	}
}

static void parse_monitor(const struct pctx *c, const struct vtap_ynode *map)
{
	const struct vtap_ynode *v, *k;
	struct vtap_monitor *m, *arr;
	char why[320];
	long long x;
	bool type_ok = true;

	arr = grow(c->set->monitors, c->set->n_monitors, sizeof(*arr));
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
		ERR(c, map, "a monitor must be a mapping, got %s", kind_name(map));
		return;
	}
	check_keys(c, map, "monitor", monitor_keys, N_MONITOR_KEYS);

	if ((v = get(map, "name", NULL)))
		get_name(c, v, "monitor name", m->name);
	else
		ERR(c, map, "monitor: missing required key 'name'");

	if ((v = get(map, "type", NULL))) {
		const char *s = get_str(c, v, "monitor type");

		if (s && !strcmp(s, "local"))
			m->type = VTAP_MONITOR_LOCAL;
		else if (s && !strcmp(s, "vxlan"))
			m->type = VTAP_MONITOR_VXLAN;
		else if (s && !strcmp(s, "ovs"))
			m->type = VTAP_MONITOR_OVS;
		else if (s && !strcmp(s, "capture"))
			m->type = VTAP_MONITOR_CAPTURE;
		else {
			if (s)
				ERR(c, v,
				    "unknown monitor type '%s' (expected local, vxlan, ovs or "
				    "capture)",
				    s);
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
			ERR(c, k, "%s has no meaning for a %s monitor", k->str,
			    vtap_monitor_type_name(m->type));
		}
	}

	if (m->type != VTAP_MONITOR_VXLAN) {
		v = get(map, "port", NULL);
		if (!v) {
			/* capture and ovs: vtapd names the sink veth (sink_name.h) */
			if (m->type == VTAP_MONITOR_LOCAL)
				ERR(c, map, "monitor: missing required key 'port' (a local "
					    "monitor needs one)");
		} else {
			const char *s = get_str(c, v, "monitor port");
			const char *p;

			m->port_loc = at(c, v);
			if (s && (p = ifname_problem(s, false, why, sizeof(why))))
				ERR(c, v, "monitor port: %s", p);
			else if (s)
				snprintf(m->port, sizeof(m->port), "%s", s);
		}
	} else {
		if ((v = get(map, "remote", NULL)))
			parse_remote(c, v, m);
		else
			ERR(c, map,
			    "monitor: missing required key 'remote' (a vxlan monitor needs one)");
		if ((v = get(map, "vni", NULL))) {
			if (get_int(c, v, "vni", 0, 16777215, &x))
				m->vni = (uint32_t)x;
		} else {
			ERR(c, map,
			    "monitor: missing required key 'vni' (a vxlan monitor needs one)");
		}
	}

	if (m->type == VTAP_MONITOR_OVS) {
		/* handed to ovs-vsctl/ovs-ofctl as arguments and to DPDK's
		 * devargs: no option-like names, no devargs separators */
		if ((v = get(map, "bridge", NULL))) {
			get_short_str(c, v, "bridge", m->bridge, sizeof(m->bridge));
			if (m->bridge[0] == '-')
				ERR(c, v, "bridge '%s' must not start with '-'", m->bridge);
		}
		if ((v = get(map, "ovs_port", NULL))) {
			get_short_str(c, v, "ovs_port", m->ovs_port, sizeof(m->ovs_port));
			if (m->ovs_port[0] == '-')
				ERR(c, v, "ovs_port '%s' must not start with '-'", m->ovs_port);
		}
		if (m->port[0] && strpbrk(m->port, ",="))
			ERR(c, m->port_loc.line ? get(map, "port", NULL) : map,
			    "monitor port '%s': ',' and '=' cannot be passed to OVS-DPDK's devargs",
			    m->port);
		if ((v = get(map, "datapath", NULL))) {
			const char *s = get_str(c, v, "datapath");

			if (s && !strcmp(s, "afxdp"))
				m->datapath = VTAP_OVS_DP_AFXDP;
			else if (s && !strcmp(s, "dpdk"))
				m->datapath = VTAP_OVS_DP_DPDK;
			else if (s)
				ERR(c, v, "unknown datapath '%s' (expected afxdp or dpdk)", s);
		}
	}

	if (m->type == VTAP_MONITOR_CAPTURE) {
		const struct vtap_ynode *fk = NULL;

		if ((v = get(map, "file", &fk))) {
			const char *s = get_str(c, v, "file");

			if (s && s[0] != '/')
				ERR(c, v, "file '%s' must be an absolute path", s);
			else if (s && strlen(s) >= sizeof(m->file))
				ERR(c, v, "file is longer than %zu characters",
				    sizeof(m->file) - 1);
			else if (s)
				snprintf(m->file, sizeof(m->file), "%s", s);
		}
		if ((v = get(map, "rotate_size", &k))) {
			if (get_int(c, v, "rotate_size", 0, LLONG_MAX, &x))
				m->rotate_size = (uint64_t)x;
			if (!fk)
				ERR(c, k, "rotate_size needs file");
		}
		if ((v = get(map, "rotate_count", &k))) {
			if (get_int(c, v, "rotate_count", 0, INT32_MAX, &x))
				m->rotate_count = (uint32_t)x;
			if (!fk)
				ERR(c, k, "rotate_count needs file");
		}
	}
}

/* ---- policies ---- */

static const struct key_spec policy_keys[] = {
    {"name", 0},  {"priority", 0}, {"source", 0},  {"destination", 0}, {"direction", 0},
    {"match", 0}, {"action", 0},   {"snaplen", 0}, {"sample", 0},      {"monitor", 0},
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
	char why[320];
	size_t k;

	if (!get_list(c, n, "source.ports", &items, &k, one))
		return;
	p->ports = calloc(k, sizeof(*p->ports));
	p->port_locs = calloc(k, sizeof(*p->port_locs));
	if (!p->ports || !p->port_locs) {
		ERR(c, n, "out of memory");
		return;
	}
	for (size_t i = 0; i < k; i++) {
		const char *s = get_str(c, items[i], "source port");
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

	if (n->kind == VTAP_Y_SCALAR && n->plain && parse_ll(n->str, &v)) {
		if (get_int(c, n, "match.protocol", 0, 255, &v))
			p->protocol = (int)v;
		return;
	}
	if (n->kind != VTAP_Y_SCALAR || is_null(n)) {
		ERR(c, n, "match.protocol must be a name or a number, got %s", kind_name(n));
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
	    n->str);
}

static void parse_vlans(const struct pctx *c, const struct vtap_ynode *n, struct vtap_policy *p)
{
	struct vtap_ynode *const *items, *one[1];
	long long v;
	size_t k;

	if (!get_list(c, n, "match.vlan", &items, &k, one))
		return;
	p->vlans = calloc(k, sizeof(*p->vlans));
	if (!p->vlans) {
		ERR(c, n, "out of memory");
		return;
	}
	for (size_t i = 0; i < k; i++)
		if (get_int(c, items[i], "match.vlan", 0, 4095, &v))
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

static void parse_policy(const struct pctx *c, const struct vtap_ynode *map)
{
	const struct vtap_ynode *v, *k, *src, *dst, *match;
	const struct vtap_ynode *ports_key = NULL, *dports_key = NULL;
	const struct vtap_ynode *mon_key = NULL, *proto = NULL;
	struct vtap_policy *p, *arr;
	long long x;

	/* Past the limit: policy_validate.c reports it at the first extra. */
	if (c->set->n_policies > VTAP_POLICY_MAX)
		return;
	arr = grow(c->set->policies, c->set->n_policies, sizeof(*arr));
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

	if (map->kind != VTAP_Y_MAP) {
		ERR(c, map, "a policy must be a mapping, got %s", kind_name(map));
		return;
	}
	check_keys(c, map, "policy", policy_keys, NKEYS(policy_keys));

	if ((v = get(map, "name", NULL)))
		get_name(c, v, "policy name", p->name);
	else
		ERR(c, map, "policy: missing required key 'name'");

	if ((v = get(map, "priority", NULL)) && get_int(c, v, "priority", 0, 65535, &x))
		p->priority = (int32_t)x;

	src = get(map, "source", NULL);
	if (!src) {
		ERR(c, map, "policy: missing required key 'source'");
	} else if (src->kind != VTAP_Y_MAP) {
		ERR(c, src, "source must be a mapping, got %s", kind_name(src));
	} else {
		check_keys(c, src, "source", source_keys, NKEYS(source_keys));
		if ((v = get(src, "ports", NULL)))
			parse_source_ports(c, v, p);
		else
			ERR(c, src, "source: missing required key 'ports'");
		if ((v = get(src, "cidr", NULL)))
			get_cidrs(c, v, "source.cidr", &p->src_cidrs, &p->n_src_cidrs);
		if ((v = get(src, "hook", NULL))) {
			const char *s = get_str(c, v, "source.hook");
			int mode = s ? vtap_hook_mode_parse(s) : 0;

			if (mode > 0)
				p->hook = (enum vtap_hook_mode)mode;
			else if (s)
				ERR(c, v, "unknown hook '%s' (expected xdp, tc or auto)", s);
		}
	}

	dst = get(map, "destination", NULL);
	if (dst && is_null(dst)) {
		dst = NULL; /* "destination:" alone: no constraint */
	} else if (dst && dst->kind != VTAP_Y_MAP) {
		ERR(c, dst, "destination must be a mapping, got %s", kind_name(dst));
		dst = NULL;
	} else if (dst) {
		check_keys(c, dst, "destination", dest_keys, NKEYS(dest_keys));
		if ((v = get(dst, "cidr", NULL)))
			get_cidrs(c, v, "destination.cidr", &p->dst_cidrs, &p->n_dst_cidrs);
		if ((v = get(dst, "ports", &dports_key)))
			get_port_specs(c, v, "destination.ports", &p->dst_ports, &p->n_dst_ports);
	}

	if ((v = get(map, "direction", NULL))) {
		const char *s = get_str(c, v, "direction");

		if (s && !strcmp(s, "in"))
			p->direction = VTAP_DIR_IN;
		else if (s && !strcmp(s, "out"))
			p->direction = VTAP_DIR_OUT;
		else if (s && !strcmp(s, "both"))
			p->direction = VTAP_DIR_BOTH;
		else if (s)
			ERR(c, v, "unknown direction '%s' (expected in, out or both)", s);
	}

	match = get(map, "match", NULL);
	if (match && is_null(match)) {
		match = NULL;
	} else if (match && match->kind != VTAP_Y_MAP) {
		ERR(c, match, "match must be a mapping, got %s", kind_name(match));
		match = NULL;
	} else if (match) {
		check_keys(c, match, "match", match_keys, NKEYS(match_keys));
		if ((proto = get(match, "protocol", NULL)))
			parse_protocol(c, proto, p);
		if ((v = get(match, "src_ports", &ports_key)))
			get_port_specs(c, v, "match.src_ports", &p->src_ports, &p->n_src_ports);
		if ((v = get(match, "dst_ports", &k))) {
			if (dports_key)
				ERR(c, k,
				    "destination.ports (line %u column %u) and match.dst_ports are "
				    "the same field: give only one",
				    dports_key->line, dports_key->col);
			else
				get_port_specs(c, v, "match.dst_ports", &p->dst_ports,
					       &p->n_dst_ports);
			if (!ports_key)
				ports_key = k;
		}
		if ((v = get(match, "vlan", NULL)))
			parse_vlans(c, v, p);
	}
	if (!ports_key)
		ports_key = dports_key;
	if (ports_key && !port_protocol(p->protocol))
		ERR(c, ports_key, "ports need protocol tcp, udp or sctp (protocol is %s)",
		    proto->str);

	if ((v = get(map, "action", NULL))) {
		const char *s = get_str(c, v, "action");

		if (s && !strcmp(s, "mirror"))
			p->action = VTAP_ACTION_MIRROR;
		else if (s && !strcmp(s, "skip"))
			p->action = VTAP_ACTION_SKIP;
		else if (s)
			ERR(c, v, "unknown action '%s' (expected mirror or skip)", s);
	}

	if ((v = get(map, "snaplen", &k))) {
		if (get_int(c, v, "snaplen", 0, 65535, &x)) {
			if (x > 0 && x < 14)
				ERR(c, v,
				    "snaplen %lld out of range (0 = whole frame, or 14..65535)", x);
			else
				p->snaplen = (uint32_t)x;
		}
		if (p->action == VTAP_ACTION_SKIP)
			ERR(c, k, "snaplen has no meaning for a skip policy");
	}
	if ((v = get(map, "sample", &k))) {
		if (get_int(c, v, "sample", 1, 2147483648LL, &x))
			p->sample = (uint32_t)x;
		if (p->action == VTAP_ACTION_SKIP)
			ERR(c, k, "sample has no meaning for a skip policy");
	}

	if ((v = get(map, "monitor", &mon_key))) {
		if (p->action == VTAP_ACTION_SKIP) {
			ERR(c, mon_key, "monitor has no meaning for a skip policy");
		} else if (get_name(c, v, "monitor name", p->monitor)) {
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

/* ---- file ---- */

static void parse_list(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		       void (*one)(const struct pctx *, const struct vtap_ynode *))
{
	if (is_null(n))
		return; /* "policies:" with nothing: none */
	if (n->kind != VTAP_Y_SEQ) {
		ERR(c, n, "%s must be a list, got %s", what, kind_name(n));
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		one(c, n->kids[i]);
}

/* ---- receive ---- */

static void parse_receive(const struct pctx *c, const struct vtap_ynode *map)
{
	static const struct key_spec keys[] = {{"vni", 0}, {"port", 0}};
	const struct vtap_ynode *v;
	struct vtap_receive *r, *arr;
	char why[320];
	long long x;

	arr = grow(c->set->receives, c->set->n_receives, sizeof(*arr));
	if (!arr) {
		ERR(c, map, "out of memory");
		return;
	}
	c->set->receives = arr;
	r = &arr[c->set->n_receives++];
	memset(r, 0, sizeof(*r));
	r->loc = at(c, map);
	if (map->kind != VTAP_Y_MAP) {
		ERR(c, map, "a receive entry must be a mapping, got %s", kind_name(map));
		return;
	}
	check_keys(c, map, "receive entry", keys, NKEYS(keys));
	if ((v = get(map, "vni", NULL))) {
		if (get_int(c, v, "vni", 0, 16777215, &x))
			r->vni = (uint32_t)x;
	} else {
		ERR(c, map, "receive: missing required key 'vni'");
	}
	if ((v = get(map, "port", NULL))) {
		const char *s = get_str(c, v, "receive port");
		const char *p;

		r->port_loc = at(c, v);
		if (s && (p = ifname_problem(s, false, why, sizeof(why))))
			ERR(c, v, "receive port: %s", p);
		else if (s)
			snprintf(r->port, sizeof(r->port), "%s", s);
	} else {
		ERR(c, map, "receive: missing required key 'port' (the monitor's port on this host)");
	}
}

void vtap_policy_parse_tree(const struct vtap_ynode *root, const char *file,
			    struct vtap_policy_set *set, struct vtap_errors *errs)
{
	static const struct key_spec top_keys[] = {
	    {"monitors", 0}, {"policies", 0}, {"receive", 0}};
	struct pctx c = {.file = file, .set = set, .errs = errs};
	const struct vtap_ynode *v;

	if (is_null(root))
		return; /* empty file, or only comments */
	if (root->kind != VTAP_Y_MAP) {
		ERR(&c, root,
		    "the top level must be a mapping with 'monitors', 'policies' and/or 'receive', "
		    "got %s",
		    kind_name(root));
		return;
	}
	check_keys(&c, root, "the top level", top_keys, NKEYS(top_keys));
	if ((v = get(root, "monitors", NULL)))
		parse_list(&c, v, "monitors", parse_monitor);
	if ((v = get(root, "policies", NULL)))
		parse_list(&c, v, "policies", parse_policy);
	if ((v = get(root, "receive", NULL)))
		parse_list(&c, v, "receive", parse_receive);
}
