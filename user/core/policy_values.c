// SPDX-License-Identifier: GPL-2.0
/* The values policies match on, read from their text: interface names and
 * patterns, CIDRs (IPv4 kept as IPv4-mapped IPv6), L4 ports and ranges. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy_parse.h"

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

const char *ifname_problem(const char *s, bool glob, char *buf, size_t bufsz)
{
	size_t len = strlen(s);
	bool pattern = glob && has_glob(s);

	if (len == 0)
		return "empty interface name";
	if (!glob && has_glob(s)) {
		snprintf(buf, bufsz, "'%s' must be an interface name, not a pattern", Q(s));
		return buf;
	}
	if (len >= (pattern ? 256 : IF_NAMESIZE)) {
		snprintf(buf, bufsz, "%s '%s' is longer than %d characters (%zu)",
			 pattern ? "pattern" : "interface name", Q(s),
			 pattern ? 255 : IF_NAMESIZE - 1, len);
		return buf;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		snprintf(buf, bufsz, "'%s' is not a valid interface name", s);
		return buf;
	}
	for (const char *p = s; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p)) {
			snprintf(buf, bufsz, "invalid interface name '%s' (contains '%c')", Q(s),
				 isprint((unsigned char)*p) ? *p : '?');
			return buf;
		}
	}
	return NULL;
}

/* Host bits: every bit after the prefix must be zero. */
static bool check_host_bits(const struct pctx *c, const struct vtap_ynode *n, const char *what,
			    const struct vtap_cidr *cidr, int family, long long plen)
{
	char net[INET6_ADDRSTRLEN];
	uint8_t masked[16];

	memcpy(masked, cidr->addr, 16);
	for (int bit = cidr->prefixlen; bit < 128; bit++)
		masked[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	if (!memcmp(masked, cidr->addr, 16))
		return true;
	inet_ntop(family, family == AF_INET ? masked + 12 : masked, net, sizeof(net));
	ERR(c, n, "%s: host bits set in %s (did you mean %s/%lld?)", what, QNODE(n), net, plen);
	return false;
}

/* "addr" or "addr/len"; IPv4 → IPv4-mapped IPv6 with len + 96. */
static bool parse_cidr(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		       void *item)
{
	struct vtap_cidr *out = item;
	char addr[INET6_ADDRSTRLEN + 8];
	const char *s, *slash;
	unsigned char buf[16];
	long long plen = -1;
	int family, max;

	s = field_str(c, n, what);
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
		    !parse_decimal(slash + 1, &plen))
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
	return check_host_bits(c, n, what, out, family, plen);
bad:
	ERR(c, n, "%s: invalid CIDR '%s' (expected ADDRESS or ADDRESS/PREFIXLEN, IPv4 or IPv6)",
	    what, Q(s));
	return false;
}

/* Port spec: 0..65535 or "LO-HI" (plain or quoted). */
static bool parse_port_spec(const struct pctx *c, const struct vtap_ynode *n, const char *what,
			    void *item)
{
	struct vtap_port_range *r = item;
	char lo_s[16], hi_s[16];
	const char *s, *dash;
	long long lo, hi;

	if (n->kind != VTAP_Y_SCALAR || node_is_null(n)) {
		ERR(c, n, "%s: a port must be a number or \"LO-HI\", got %s", what, node_kind(n));
		return false;
	}
	s = n->str;
	dash = strchr(s, '-');
	if (!dash) {
		if (!isdigit((unsigned char)s[0]) || strlen(s) > 10 || !parse_decimal(s, &lo))
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
		    !parse_decimal(lo_s, &lo) || !parse_decimal(hi_s, &hi))
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
	ERR(c, n, "%s: invalid port '%s' (expected 0..65535 or \"LO-HI\")", what, QNODE(n));
	return false;
}

/* A list (or one scalar) of items, each read by one() into an array of
 * size-byte elements; false unless every item is good. */
static bool
field_items(const struct pctx *c, const struct vtap_ynode *n, const char *what, size_t size,
	    bool (*one)(const struct pctx *, const struct vtap_ynode *, const char *, void *),
	    void **out, size_t *count)
{
	struct vtap_ynode *const *items, *single[1];
	size_t k, good = 0;
	char *arr;

	if (!field_list(c, n, what, &items, &k, single))
		return false;
	arr = calloc(k, size);
	if (!arr) {
		ERR(c, n, "out of memory");
		return false;
	}
	*out = arr;
	for (size_t i = 0; i < k; i++)
		if (one(c, items[i], what, arr + good * size))
			good++;
	*count = good;
	return good == k;
}

bool field_cidrs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		 struct vtap_cidr **out, size_t *count)
{
	void *arr = NULL;
	bool ok = field_items(c, n, what, sizeof(**out), parse_cidr, &arr, count);

	*out = arr;
	return ok;
}

bool field_port_specs(const struct pctx *c, const struct vtap_ynode *n, const char *what,
		      struct vtap_port_range **out, size_t *count)
{
	void *arr = NULL;
	bool ok = field_items(c, n, what, sizeof(**out), parse_port_spec, &arr, count);

	*out = arr;
	return ok;
}
