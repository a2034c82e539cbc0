// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the packet parser (include/vtap/parse.h, the header code
 * the BPF taps run) and the native classifier (user/core/image_classify.c over
 * include/vtap/classify.h) on arbitrary frames.
 *
 * Input: byte 0 picks where the frame is seen — bits 0-2: the port
 * (ifindex 101 + n; 101..105 are the host ports below, 106..108 are unknown
 * to the image), bit 3: the direction (0 = out, sent by the VM; 1 = in).
 * The rest of the input is the frame, from its Ethernet header. It is
 * copied into a buffer of exactly its size, so ASan reports any read past
 * the end.
 *
 * The image is compiled once, on the first call, from POLICY below: IPv4
 * and IPv6 CIDRs on both sides, port ranges, protocols, VLANs, a skip rule,
 * every direction, globs.
 *
 * Checks: the parse invariants (level, L4 offset inside the frame, later
 * fragments never L4, ...), determinism of parse and classify, the rank in
 * range, and the verdict against a linear reference matcher written from
 * docs/policy.md (first policy in (priority, name) order whose every field
 * matches). */
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

#define FUZZ_NAME "fuzz_packet"
#include "fuzz_common.h"

static const char POLICY[] =
	"monitors:\n"
	"  - { name: ids, port: mon0 }\n"
	"  - { name: far, type: vxlan, remote: 192.0.2.10, vni: 100 }\n"
	"  - { name: far6, type: vxlan, remote: \"2001:db8::10\", vni: 200 }\n"
	"policies:\n"
	"  - name: no-backups\n"
	"    priority: 10\n"
	"    source: { ports: [\"vm*\"] }\n"
	"    destination: { cidr: [10.9.0.0/16, \"2001:db8:9::/48\"], ports: [873, \"9000-9100\"] }\n"
	"    action: skip\n"
	"  - name: web-out\n"
	"    priority: 20\n"
	"    source: { ports: [vm1], cidr: 10.0.1.0/24 }\n"
	"    destination: { cidr: 10.0.0.0/8 }\n"
	"    direction: out\n"
	"    match: { protocol: tcp, dst_ports: [80, 443, \"8000-8080\"] }\n"
	"    monitor: ids\n"
	"  - name: dns-in\n"
	"    priority: 30\n"
	"    source: { ports: [\"vm?\"] }\n"
	"    direction: in\n"
	"    match: { protocol: udp, src_ports: [\"1024-65535\"], dst_ports: [53] }\n"
	"    monitor: far\n"
	"  - name: v6-sctp\n"
	"    priority: 40\n"
	"    source: { ports: [vm2], cidr: \"2001:db8:1::/64\" }\n"
	"    destination: { cidr: [\"2001:db8::/32\", \"fe80::/10\", 10.1.0.0/16] }\n"
	"    match: { protocol: sctp, src_ports: [\"1000-2000\", 7] }\n"
	"    monitor: far6\n"
	"    snaplen: 96\n"
	"  - name: v6-host\n"
	"    priority: 40\n"
	"    source: { ports: [vm2], cidr: \"2001:db8:1::5\" }\n"
	"    monitor: far6\n"
	"  - name: icmp\n"
	"    priority: 50\n"
	"    source: { ports: [\"tap*\"] }\n"
	"    match: { protocol: icmp }\n"
	"    monitor: ids\n"
	"    sample: 3\n"
	"  - name: icmp6\n"
	"    priority: 50\n"
	"    source: { ports: [\"tap*\"] }\n"
	"    match: { protocol: icmpv6 }\n"
	"    monitor: ids\n"
	"  - name: trunk-vlans\n"
	"    priority: 60\n"
	"    source: { ports: [trunk1] }\n"
	"    direction: in\n"
	"    match: { vlan: [100, 200, 4095] }\n"
	"    monitor: ids\n"
	"    snaplen: 128\n"
	"  - name: trunk-untagged\n"
	"    priority: 60\n"
	"    source: { ports: [trunk1] }\n"
	"    match: { vlan: 0 }\n"
	"    monitor: ids\n"
	"  - name: trunk-v4-tcp\n"
	"    priority: 65\n"
	"    source: { ports: [trunk1], cidr: [0.0.0.0/0] }\n"
	"    match: { protocol: tcp, vlan: [100, 300] }\n"
	"    monitor: far\n"
	"  - name: host-v4\n"
	"    priority: 70\n"
	"    source: { ports: [\"vm*\", \"tap*\"], cidr: [10.0.1.5, 172.16.0.0/12] }\n"
	"    destination: { cidr: [192.168.0.0/16, 192.168.1.0/24, \"::/0\"] }\n"
	"    monitor: far\n"
	"  - name: gre\n"
	"    priority: 80\n"
	"    source: { ports: [vm1] }\n"
	"    match: { protocol: 47 }\n"
	"    monitor: ids\n"
	"  - name: skip-tap-ssh\n"
	"    priority: 90\n"
	"    source: { ports: [tapa0] }\n"
	"    match: { src_ports: [22] }\n"
	"    action: skip\n"
	"  - name: vm2-out-all\n"
	"    priority: 1000\n"
	"    source: { ports: [vm2, tapa0] }\n"
	"    direction: out\n"
	"    monitor: ids\n";

#define N_HOST 5
static const char *const host_names[N_HOST] = { "vm1", "vm2", "tapa0", "trunk1", "idle0" };

static struct vtap_policy_set set;
static struct vtap_image img;
static struct vtap_host_port host[N_HOST];
static int *order; /* rank -> policy index, by vtap_policy_order_cmp */

static int cmp_index(const void *a, const void *b)
{
	return vtap_policy_order_cmp(&set.policies[*(const int *)a],
				     &set.policies[*(const int *)b]);
}

static void init(void)
{
	char path[64];
	const char *paths[1] = { path };
	struct vtap_errors errs = { 0 };
	struct vtap_compile_env env = { 0 };
	static __u32 sinks[8];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vtap-fuzz-packet.%d.yaml", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "cannot create %s", path);
	CHECK(write(fd, POLICY, sizeof(POLICY) - 1) == (ssize_t)(sizeof(POLICY) - 1), "write");
	close(fd);
	if (vtap_policy_load_files(paths, 1, &set, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		CHECK(0, "the built-in policy does not load");
	}
	unlink(path);
	CHECK(set.n_monitors <= 8, "monitors");
	for (size_t i = 0; i < set.n_monitors; i++)
		sinks[i] = 201 + (__u32)i;
	for (int i = 0; i < N_HOST; i++) {
		snprintf(host[i].name, sizeof(host[i].name), "%s", host_names[i]);
		host[i].ifindex = 101 + (__u32)i;
	}
	env.ports = host;
	env.n_ports = N_HOST;
	env.sink_ifindex = sinks;
	if (vtap_compile(&set, &env, &img, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		CHECK(0, "the built-in policy does not compile");
	}
	vtap_errors_free(&errs);
	CHECK(img.gen.n_rules == set.n_policies, "%u rules for %zu policies", img.gen.n_rules,
	      set.n_policies);
	order = calloc(set.n_policies, sizeof(*order));
	CHECK(order, "oom");
	for (size_t i = 0; i < set.n_policies; i++)
		order[i] = (int)i;
	qsort(order, set.n_policies, sizeof(*order), cmp_index);
	for (size_t r = 0; r < set.n_policies; r++)
		CHECK(img.rank_policy[r] == order[r], "rank %zu is policy %d, expected %d", r,
		      img.rank_policy[r], order[r]);
	/* set, img and order live as long as the process: not leaks (they stay
	 * reachable from these statics). */
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

/* ---- the parse invariants ---- */

static void check_parse(const struct vtap_pkt *pkt, int level, size_t len)
{
	CHECK(level == pkt->level, "returned %d, pkt->level %u", level, pkt->level);
	CHECK(level == VTAP_LEVEL_L2 || level == VTAP_LEVEL_L3 || level == VTAP_LEVEL_L4,
	      "level %d", level);
	CHECK(pkt->n_vlans <= VTAP_MAX_VLANS, "%u VLAN tags", pkt->n_vlans);
	CHECK(pkt->vlan <= 4095, "vlan %u", pkt->vlan);
	if (!pkt->n_vlans)
		CHECK(pkt->vlan == 0, "untagged frame with vlan %u", pkt->vlan);
	if (len < VTAP_ETH_HLEN)
		CHECK(level == VTAP_LEVEL_L2 && (pkt->flags & VTAP_PF_MALFORMED),
		      "a %zu-byte frame parsed to level %d, flags 0x%x", len, level, pkt->flags);
	if (level == VTAP_LEVEL_L4) {
		__u32 need = pkt->proto == VTAP_IPPROTO_TCP ? 20 : pkt->proto == VTAP_IPPROTO_UDP ? 8 : 12;

		CHECK(pkt->proto == VTAP_IPPROTO_TCP || pkt->proto == VTAP_IPPROTO_UDP ||
			      pkt->proto == VTAP_IPPROTO_SCTP,
		      "L4 with protocol %u", pkt->proto);
		CHECK((size_t)pkt->l4_off + 4 <= len && (size_t)pkt->l4_off + need <= len,
		      "L4 header at %u, frame of %zu bytes", pkt->l4_off, len);
		CHECK(pkt->l4_off >= VTAP_ETH_HLEN + 20, "L4 header at %u", pkt->l4_off);
		CHECK(!(pkt->flags & VTAP_PF_MALFORMED), "L4 and malformed");
		CHECK(!(pkt->flags & VTAP_PF_ICMP), "L4 with ICMP fields");
	} else {
		CHECK(pkt->sport == 0 && pkt->dport == 0 && pkt->l4_off == 0,
		      "level %d with ports %u/%u at %u", level, pkt->sport, pkt->dport, pkt->l4_off);
	}
	if (pkt->flags & VTAP_PF_LATER_FRAG)
		CHECK(level <= VTAP_LEVEL_L3 && (pkt->flags & VTAP_PF_FRAG),
		      "later fragment at level %d, flags 0x%x", level, pkt->flags);
	if (pkt->flags & VTAP_PF_ICMP)
		CHECK(level == VTAP_LEVEL_L3 && (pkt->proto == VTAP_IPPROTO_ICMP ||
						 pkt->proto == VTAP_IPPROTO_ICMPV6),
		      "ICMP fields with protocol %u at level %d", pkt->proto, level);
	if (level >= VTAP_LEVEL_L3) {
		CHECK(pkt->eth_proto == VTAP_ETH_P_IP || pkt->eth_proto == VTAP_ETH_P_IPV6,
		      "level %d with EtherType 0x%04x", level, pkt->eth_proto);
		CHECK(!!(pkt->flags & VTAP_PF_IPV6) == (pkt->eth_proto == VTAP_ETH_P_IPV6),
		      "IPV6 flag 0x%x with EtherType 0x%04x", pkt->flags, pkt->eth_proto);
	} else {
		/* No addresses are exposed at L2, and an IP EtherType that
		 * stops at L2 was malformed. */
		static const __u8 zero[16];

		CHECK(!memcmp(pkt->saddr, zero, 16) && !memcmp(pkt->daddr, zero, 16),
		      "addresses at L2");
		if (pkt->eth_proto == VTAP_ETH_P_IP || pkt->eth_proto == VTAP_ETH_P_IPV6)
			CHECK(pkt->flags & VTAP_PF_MALFORMED,
			      "IP EtherType 0x%04x at L2 without MALFORMED", pkt->eth_proto);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtap_pkt pkt, again;
	__u32 ifindex;
	__u8 dir;
	uint8_t *frame;
	size_t len;
	int level, rank, rank2, want;

	if (!order)
		init();
	if (size < 1)
		return 0;
	ifindex = 101 + (data[0] & 7);
	dir = (data[0] & 8) ? VTAP_DIR_IN : VTAP_DIR_OUT;
	len = size - 1;
	/* exact size, so a read past the end is an ASan report (malloc(0)
	 * is a valid, empty buffer) */
	frame = malloc(len ? len : 1);
	CHECK(frame, "oom");
	memcpy(frame, data + 1, len);

	level = vtap_parse(frame, frame + len, &pkt);
	check_parse(&pkt, level, len);
	memset(&again, 0xa5, sizeof(again));
	CHECK(vtap_parse(frame, frame + len, &again) == level && !memcmp(&pkt, &again, sizeof(pkt)),
	      "parse is not deterministic");

	rank = vtap_image_classify(&img, &pkt, ifindex, dir);
	CHECK(rank == VTAP_NO_MATCH || (rank >= 0 && rank < (int)img.gen.n_rules),
	      "rank %d of %u rules", rank, img.gen.n_rules);
	rank2 = vtap_image_classify(&img, &pkt, ifindex, dir);
	CHECK(rank == rank2, "classify is not deterministic: %d then %d", rank, rank2);
	want = ref_classify(&pkt, ifindex, dir);
	CHECK(rank == want,
	      "ifindex %u dir %u level %d: classifier says rank %d (%s), reference %d (%s)",
	      ifindex, dir, level, rank, rank >= 0 ? set.policies[order[rank]].name : "none",
	      want, want >= 0 ? set.policies[order[want]].name : "none");
	free(frame);
	return 0;
}
