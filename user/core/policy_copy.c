// SPDX-License-Identifier: GPL-2.0
/* The keys of a policy that shape its copies rather than select frames:
 * rate (a cap on the policy's copies, include/vtap/rate.h) and dedup (one
 * copy per frame per monitor, include/vtap/dedup.h). */
#include <string.h>

#include "policy_parse.h"

#define RATE_PPS_MAX 1000000000LL	/* 10^9 copies a second */
#define RATE_BPS_MIN 64LL		/* a byte costs < 2^48 time units (rate.h) */
#define RATE_BPS_MAX 1000000000000LL	/* 10^12 bytes a second */
#define RATE_BURST_MAX 1000000000000LL

void parse_rate(const struct pctx *c, const struct vtap_ynode *n, const struct vtap_ynode *key,
		struct vtap_policy *p)
{
	static const struct key_spec keys[] = {{"pps", 0}, {"bytes_per_sec", 0}, {"burst", 0}};
	const struct vtap_ynode *v;
	long long x;

	if (p->action == VTAP_ACTION_SKIP) {
		ERR(c, key, "rate has no meaning for a skip policy");
		return;
	}
	if (n->kind != VTAP_Y_MAP) {
		ERR(c, n, "rate must be a mapping (pps, bytes_per_sec, burst), got %s", node_kind(n));
		return;
	}
	node_check_keys(c, n, "rate", keys, NKEYS(keys));
	if ((v = node_get(n, "pps", NULL)) && field_int(c, v, "rate.pps", 1, RATE_PPS_MAX, &x))
		p->rate.pps = (uint64_t)x;
	if ((v = node_get(n, "bytes_per_sec", NULL)) &&
	    field_int(c, v, "rate.bytes_per_sec", RATE_BPS_MIN, RATE_BPS_MAX, &x))
		p->rate.bytes_per_sec = (uint64_t)x;
	if ((v = node_get(n, "burst", NULL)) &&
	    field_int(c, v, "rate.burst", 1, RATE_BURST_MAX, &x))
		p->rate.burst = (uint64_t)x;
	if (!node_get(n, "pps", NULL) && !node_get(n, "bytes_per_sec", NULL))
		ERR(c, n, "rate: give pps, bytes_per_sec or both");
}

void parse_dedup(const struct pctx *c, const struct vtap_ynode *n, const struct vtap_ynode *key,
		 struct vtap_policy *p)
{
	if (p->action == VTAP_ACTION_SKIP) {
		ERR(c, key, "dedup has no meaning for a skip policy");
		return;
	}
	/* YAML 1.2's booleans, unquoted: a quoted "false" is a string */
	if (n->kind == VTAP_Y_SCALAR && n->plain && !strcmp(n->str, "true"))
		p->dedup = true;
	else if (n->kind == VTAP_Y_SCALAR && n->plain && !strcmp(n->str, "false"))
		p->dedup = false;
	else if (n->kind == VTAP_Y_SCALAR && !node_is_null(n))
		ERR(c, n, "dedup must be true or false, got '%s'", QNODE(n));
	else
		ERR(c, n, "dedup must be true or false, got %s", node_kind(n));
}
