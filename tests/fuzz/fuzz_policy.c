// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the policy loader (user/policy*.c) on arbitrary bytes.
 *
 * Each input is one policy document from memory (fuzz_load_policy: the
 * path a policy store's value takes; a file's bytes, read, take the same
 * vtap_policy_load_docs). The outcome must be one of:
 *   - success: errs empty, and the set obeys the documented limits (names,
 *     priority, sample, snaplen, VLANs, port ranges, CIDRs with zero host
 *     bits, monitor_idx valid or -1, at most VTAP_POLICY_MAX policies);
 *   - failure: the set is empty and every error is one line
 *     "FILE:LINE:COLUMN: message" or "FILE: message" with FILE = the
 *     document's origin, LINE and COLUMN >= 1, at most 2 KiB after FILE.
 * Everything is freed, so ASan's leak check covers the loader too.
 *
 * Build: make build/fuzz/fuzz_policy   Run: see tests/fuzz/README.md */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/policy.h"

/* A failed check: print what and where, then abort so libFuzzer saves the
 * input as a crash file. */
#define FUZZ_NAME "fuzz_policy"
#include "fuzz_common.h"

/* "FILE:LINE:COLUMN: message" or "FILE: message", FILE == path. */
static void check_error_line(const char *msg, const char *path)
{
	size_t n = strlen(path);
	const char *p = msg + n;

	CHECK(!strncmp(msg, path, n), "error without the file prefix: \"%s\"", msg);
	/* one error, one line, even when it quotes a multi-line value */
	CHECK(!strchr(msg, '\n'), "error spans lines: \"%s\"", msg);
	/* values are quoted bounded (64 characters, escaped): no message
	 * repeats a long name or key whole */
	CHECK(strlen(msg) <= n + 2048, "error of %zu bytes: \"%.200s...\"", strlen(msg), msg);
	CHECK(*p == ':', "no ':' after the file name: \"%s\"", msg);
	p++;
	if (*p == ' ') {
		CHECK(p[1] != '\0', "empty message: \"%s\"", msg);
		return;
	}
	for (int field = 0; field < 2; field++) {
		unsigned long v = 0;
		const char *start = p;

		while (isdigit((unsigned char)*p))
			v = v * 10 + (unsigned long)(*p++ - '0');
		CHECK(p > start && v >= 1, "bad %s in \"%s\"", field ? "column" : "line", msg);
		CHECK(*p == ':', "no ':' after the %s: \"%s\"", field ? "column" : "line", msg);
		p++;
	}
	CHECK(*p == ' ' && p[1] != '\0', "no message after the position: \"%s\"", msg);
}

static void check_name(const char *name, const char *what)
{
	size_t n = strnlen(name, VTAP_NAME_MAX);

	CHECK(n >= 1 && n < VTAP_NAME_MAX, "%s name of length %zu", what, n);
	for (size_t i = 0; i < n; i++)
		CHECK(isalnum((unsigned char)name[i]) || strchr("_.-", name[i]),
		      "%s name \"%s\" has a byte 0x%02x outside [A-Za-z0-9_.-]", what, name,
		      (unsigned char)name[i]);
}

static void check_loc(const struct vtap_loc *loc, const struct vtap_policy_set *set)
{
	int found = 0;

	for (size_t i = 0; i < set->n_files; i++)
		found |= loc->file == set->files[i];
	CHECK(found, "a location's file does not point into set->files");
	CHECK(loc->line >= 1 && loc->col >= 1, "location %u:%u", loc->line, loc->col);
}

static void check_cidr(const struct vtap_cidr *c, const char *pol)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	CHECK(c->family == AF_INET || c->family == AF_INET6, "policy %s: cidr family %u", pol,
	      c->family);
	CHECK(c->prefixlen <= 128, "policy %s: prefix length %u", pol, c->prefixlen);
	if (c->family == AF_INET) {
		CHECK(c->prefixlen >= 96 && !memcmp(c->addr, mapped, 12),
		      "policy %s: IPv4 cidr not stored as IPv4-mapped (/%u)", pol, c->prefixlen);
	}
	/* host bits are zero (the loader refuses 10.0.0.1/8) */
	for (unsigned int bit = c->prefixlen; bit < 128; bit++)
		CHECK(!(c->addr[bit / 8] & (0x80 >> (bit % 8))),
		      "policy %s: host bit %u set in a cidr /%u", pol, bit, c->prefixlen);
}

static void check_set(const struct vtap_policy_set *set)
{
	CHECK(set->n_files == 1, "%zu files in the set", set->n_files);
	CHECK(set->n_policies <= VTAP_POLICY_MAX, "%zu policies", set->n_policies);
	for (size_t i = 0; i < set->n_monitors; i++) {
		const struct vtap_monitor *m = &set->monitors[i];

		check_name(m->name, "monitor");
		check_loc(&m->loc, set);
		CHECK(m->type <= VTAP_MONITOR_CAPTURE, "monitor %s: type %d", m->name, m->type);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(m->name, set->monitors[j].name), "duplicate monitor %s accepted",
			      m->name);
		if (m->type == VTAP_MONITOR_VXLAN)
			CHECK(m->remote_family == AF_INET || m->remote_family == AF_INET6,
			      "vxlan monitor %s without a remote", m->name);
		else
			CHECK(m->port[0] && strnlen(m->port, IF_NAMESIZE) < IF_NAMESIZE &&
				      !strpbrk(m->port, "*?[/: \t"),
			      "monitor %s: port \"%.16s\"", m->name, m->port);
	}
	for (size_t i = 0; i < set->n_policies; i++) {
		const struct vtap_policy *p = &set->policies[i];

		check_name(p->name, "policy");
		check_loc(&p->loc, set);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(p->name, set->policies[j].name), "duplicate policy %s accepted",
			      p->name);
		CHECK(p->priority >= 0 && p->priority <= 65535, "policy %s: priority %d", p->name,
		      p->priority);
		CHECK(p->n_ports >= 1 && p->ports && p->port_locs, "policy %s: no source.ports",
		      p->name);
		for (size_t j = 0; j < p->n_ports; j++) {
			size_t n = strlen(p->ports[j]);

			CHECK(n >= 1 && n <= 255, "policy %s: port pattern of %zu bytes", p->name, n);
		}
		CHECK(p->direction >= VTAP_DIR_IN && p->direction <= VTAP_DIR_BOTH,
		      "policy %s: direction %d", p->name, p->direction);
		CHECK(p->protocol >= -1 && p->protocol <= 255, "policy %s: protocol %d", p->name,
		      p->protocol);
		for (size_t j = 0; j < p->n_src_cidrs; j++)
			check_cidr(&p->src_cidrs[j], p->name);
		for (size_t j = 0; j < p->n_dst_cidrs; j++)
			check_cidr(&p->dst_cidrs[j], p->name);
		for (size_t j = 0; j < p->n_src_ports; j++)
			CHECK(p->src_ports[j].lo <= p->src_ports[j].hi, "policy %s: src range %u-%u",
			      p->name, p->src_ports[j].lo, p->src_ports[j].hi);
		for (size_t j = 0; j < p->n_dst_ports; j++)
			CHECK(p->dst_ports[j].lo <= p->dst_ports[j].hi, "policy %s: dst range %u-%u",
			      p->name, p->dst_ports[j].lo, p->dst_ports[j].hi);
		for (size_t j = 0; j < p->n_vlans; j++)
			CHECK(p->vlans[j] >= 0 && p->vlans[j] <= 4095, "policy %s: vlan %d", p->name,
			      p->vlans[j]);
		CHECK(p->action == VTAP_ACTION_MIRROR || p->action == VTAP_ACTION_SKIP,
		      "policy %s: action %d", p->name, p->action);
		CHECK(p->snaplen == 0 || (p->snaplen >= 14 && p->snaplen <= 65535),
		      "policy %s: snaplen %u", p->name, p->snaplen);
		CHECK(p->sample >= 1 && p->sample <= 2147483648u, "policy %s: sample %u", p->name,
		      p->sample);
		CHECK(p->monitor_idx >= -1 && p->monitor_idx < (int)set->n_monitors,
		      "policy %s: monitor_idx %d of %zu monitors", p->name, p->monitor_idx,
		      set->n_monitors);
		if (p->action == VTAP_ACTION_MIRROR)
			CHECK(p->monitor_idx >= 0, "mirror policy %s without a monitor", p->name);
		if (p->monitor_idx >= 0)
			CHECK(!strcmp(p->monitor, set->monitors[p->monitor_idx].name),
			      "policy %s: monitor \"%s\" resolved to monitor %s", p->name, p->monitor,
			      set->monitors[p->monitor_idx].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtap_policy_set set;
	struct vtap_errors errs = {0};
	int rc;

	rc = fuzz_load_policy(data, size, &set, &errs);
	if (rc == 0) {
		CHECK(errs.n == 0, "success with %zu errors (first: %s)", errs.n, errs.msgs[0]);
		check_set(&set);
		/* The evaluation order must be a total order on a valid set. */
		if (set.n_policies > 1)
			qsort(set.policies, set.n_policies, sizeof(*set.policies),
			      vtap_policy_order_cmp);
		for (size_t i = 1; i < set.n_policies; i++)
			CHECK(vtap_policy_order_cmp(&set.policies[i - 1], &set.policies[i]) < 0,
			      "policies %s and %s tie in evaluation order",
			      set.policies[i - 1].name, set.policies[i].name);
	} else {
		CHECK(rc == -1, "return value %d", rc);
		CHECK(errs.n >= 1, "failure without an error message");
		CHECK(errs.n <= VTAP_POLICY_ERRORS_MAX + 1, "%zu errors kept", errs.n);
		CHECK(set.n_policies == 0 && set.n_monitors == 0 && set.n_files == 0 &&
			      !set.policies && !set.monitors && !set.files,
		      "failure left a non-empty set");
		for (size_t i = 0; i < errs.n; i++) {
			check_error_line(errs.msgs[i], FUZZ_ORIGIN);
		}
	}
	vtap_policy_set_free(&set);
	vtap_errors_free(&errs);
	return 0;
}
