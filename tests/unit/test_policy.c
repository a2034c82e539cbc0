// SPDX-License-Identifier: GPL-2.0
/* Policy parser and validator (user/policy*.c): table-driven cases, each a
 * YAML text written to a temporary directory and loaded, plus tests of the
 * parsed values, merging of files, limits and the repository's examples. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/policy.h"
#include "policy_helpers.h"

/* ---- helpers ---- */

/* Expect no error (want == NULL) or an error containing want. */
static void check_result(int rc, const struct vtap_errors *e, const char *want)
{
	if (!want) {
		if (rc != 0 || e->n != 0) {
			print_message("  unexpected errors:\n");
			print_errors(e);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(e->n, 0);
		return;
	}
	if (rc == 0 || !has_error(e, want)) {
		print_message("  wanted an error containing: %s\n  got:\n", want);
		print_errors(e);
		fail();
	}
}

/* Load one YAML text as DIR/a.yaml. */
static int load_text(const char *yaml, struct vtap_policy_set *set, struct vtap_errors *e,
		     char **dirp)
{
	char *dir = make_tmpdir();
	char *path = write_file(dir, "a.yaml", yaml, strlen(yaml));
	const char *paths[] = {path};
	int rc = vtap_policy_load_files(paths, 1, set, e);

	free(path);
	*dirp = dir;
	return rc;
}

/* ---- the table ---- */

struct pcase {
	const char *desc;
	const char *yaml;
	const char *err; /* substring of one error, with "a.yaml:L:C: ", or NULL */
};

/* Lines 1-3: a monitor; lines 4-7: a policy using it; line 8 onwards:
 * whatever the case adds to that policy. */
#define MON "monitors:\n  - name: mon\n    port: mon0\n"
#define POL                                                                                        \
	"policies:\n  - name: web\n"                                                               \
	"    source: {ports: [vm1]}\n"                                                             \
	"    monitor: mon\n"
#define P(extra) MON POL extra

static const struct pcase cases[] = {
    /* valid */
    {"empty file", "", NULL},
    {"only comments", "# nothing here\n\n", NULL},
    {"empty document", "---\n", NULL},
    {"null lists", "monitors:\npolicies:\n", NULL},
    {"empty lists", "monitors: []\npolicies: []\n", NULL},
    {"monitors only", MON, NULL},
    {"minimal policy", P(""), NULL},
    {"every policy field",
     P("    priority: 10\n"
       "    destination: {cidr: [10.0.1.0/24, 2001:db8::/32]}\n"
       "    direction: out\n"
       "    match: {protocol: tcp, src_ports: [1024-65535], dst_ports: [80, \"8000-8080\"], vlan: "
       "[0, 100]}\n"
       "    action: mirror\n"
       "    snaplen: 128\n"
       "    sample: 10\n"),
     NULL},
    {"source cidr scalar and list",
     P("    destination: {cidr: 192.0.2.1}\n"
       "    match: {vlan: 4095}\n"),
     NULL},
    {"bare addresses and /0", P("    destination: {cidr: [0.0.0.0/0, \"::/0\", 2001:db8::1]}\n"),
     NULL},
    {"ports without protocol", P("    destination: {ports: [53]}\n"), NULL},
    {"single port as scalar", P("    match: {dst_ports: 443}\n"), NULL},
    {"quoted single port", P("    match: {dst_ports: [\"22\"]}\n"), NULL},
    {"protocol by number", P("    match: {protocol: 47}\n"), NULL},
    {"protocol icmpv6", P("    match: {protocol: icmpv6}\n"), NULL},
    {"protocol udp with ports", P("    match: {protocol: udp, dst_ports: [0, 65535]}\n"), NULL},
    {"protocol sctp with ports", P("    match: {protocol: sctp, src_ports: [\"1-2\"]}\n"), NULL},
    {"priority bounds", P("    priority: 0\n"), NULL},
    {"priority max", P("    priority: 65535\n"), NULL},
    {"snaplen min", P("    snaplen: 14\n"), NULL},
    {"snaplen whole", P("    snaplen: 0\n"), NULL},
    {"snaplen headers", P("    snaplen: headers\n"), NULL},
    {"snaplen headers quoted", P("    snaplen: 'headers'\n"), NULL},
    {"rate pps", P("    rate: {pps: 1000}\n"), NULL},
    {"dedup off", P("    dedup: false\n"), NULL},
    {"group", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a, b], hash: symmetric}\n"
     "policies:\n  - {name: p, source: {ports: [vm1]}, monitor: g}\n",
     NULL},
    {"dedup on", P("    dedup: true\n"), NULL},
    {"rate bytes", P("    rate: {bytes_per_sec: 1000000, burst: 65536}\n"), NULL},
    {"rate both", P("    rate:\n      pps: 1000\n      bytes_per_sec: 125000000\n      burst: 10\n"),
     NULL},
    {"sample max", P("    sample: 2147483648\n"), NULL},
    {"direction in", P("    direction: in\n"), NULL},
    {"glob source ports",
     MON "policies:\n  - name: g\n    source: {ports: [\"tap*\", \"vm[0-9]-eth?\", vnet0]}\n    "
	 "monitor: mon\n",
     NULL},
    {"source ports as scalar glob",
     MON "policies:\n  - name: g\n    source: {ports: tap*}\n    monitor: mon\n", NULL},
    {"skip without monitor",
     "policies:\n  - name: quiet\n    action: skip\n    source: {ports: [vm1]}\n", NULL},
    {"vxlan monitor ipv4", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.10, vni: 0}\n",
     NULL},
    {"vxlan monitor ipv6 max vni",
     "monitors:\n  - {name: r6, type: vxlan, remote: \"2001:db8::10\", vni: 16777215}\n", NULL},
    {"ovs monitor with options",
     "monitors:\n  - {name: o, type: ovs, port: ovs-sink0, bridge: br-mon, ovs_port: sink0, "
     "datapath: dpdk}\n",
     NULL},
    {"capture monitor with rotation",
     "monitors:\n  - {name: c, type: capture, port: cap0, file: /var/lib/vtap/c.pcapng, "
     "rotate_size: 1048576, rotate_count: 5}\n",
     NULL},
    {"capture monitor live only", "monitors:\n  - {name: c, type: capture, port: cap0}\n", NULL},
    {"numeric-looking name", "monitors:\n  - {name: 123, port: m1}\n", NULL},
    {"name of 63 characters",
     "monitors:\n  - {name: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk, port: "
     "m1}\n",
     NULL},
    {"port of 15 characters", "monitors:\n  - {name: m, port: abcdefghijklmno}\n", NULL},
    {"null destination and match", P("    destination:\n    match:\n"), NULL},
    {"explicit document end", "policies: []\n...\n", NULL},
    {"anchors without aliases", "policies: &p []\n", NULL},
    {"ovs bridge like an option",
     "monitors:\n  - {name: o, type: ovs, port: s0, bridge: \"-x\", ovs_port: m}\n",
     "a.yaml:2:44: bridge '-x' must not start with '-'"},
    {"ovs port with devargs separators",
     "monitors:\n  - {name: o, type: ovs, port: \"s0,x=1\", bridge: b, ovs_port: m}\n",
     "a.yaml:2:32: monitor port 's0,x=1': ',' and '=' cannot be passed"},
    {"receive section", "receive:\n  - {vni: 4242, port: monp}\n  - {vni: 0, port: m2}\n", NULL},
    {"receive without vni", "receive:\n  - {port: monp}\n",
     "a.yaml:2:5: receive: missing required key 'vni'"},
    {"receive without port", "receive:\n  - {vni: 7}\n",
     "a.yaml:2:5: receive: missing required key 'port'"},
    {"receive vni too large", "receive:\n  - {vni: 16777216, port: m}\n",
     "a.yaml:2:11: vni 16777216 out of range 0..16777215"},
    {"receive port glob refused", "receive:\n  - {vni: 1, port: \"m*\"}\n",
     "a.yaml:2:20: receive port: 'm*' must be an interface name"},
    {"receive unknown key", "receive:\n  - {vni: 1, port: m, remote: 1.2.3.4}\n",
     "a.yaml:2:23: unknown key 'remote' in receive entry"},
    {"receive duplicate vni", "receive:\n  - {vni: 5, port: a}\n  - {vni: 5, port: b}\n",
     "a.yaml:3:5: duplicate receive vni 5 (first at "},
    {"receive not a list", "receive: {vni: 5}\n", "a.yaml:1:10: receive must be a list"},

    /* YAML itself */
    {"syntax error", "monitors: [\n  - a: b: c\n", "a.yaml:2:3: YAML syntax error: "},
    {"mapping value in wrong context", "a: b: c\n",
     "a.yaml:1:5: YAML syntax error: mapping values are not allowed"},
    {"unclosed flow sequence", "policies: [\n", "a.yaml:2:1: YAML syntax error: "},
    {"tab indentation", "monitors:\n\t- name: x\n", "a.yaml:2:1: YAML syntax error: "},
    {"invalid UTF-8", "monitors: []\n# caf\xe9\n", "a.yaml:2:6: invalid UTF-8: "},
    {"alias", "monitors: &m []\npolicies: *m\n",
     "a.yaml:2:11: YAML aliases (*m) are not supported"},
    {"two documents", "monitors: []\n---\npolicies: []\n",
     "a.yaml:2:1: more than one YAML document"},
    {"top level is a list", "- a\n", "a.yaml:1:1: the top level must be a mapping"},
    {"top level is a scalar", "hello\n", "a.yaml:1:1: the top level must be a mapping"},
    {"unknown top key", "monitors: []\nmonitor: []\n",
     "a.yaml:2:1: unknown key 'monitor' in the top level"},
    {"duplicate top key", "policies: []\npolicies: []\n",
     "a.yaml:2:1: duplicate key 'policies' in the top level (first at line 1 column 1)"},
    {"monitors not a list", "monitors: {a: 1}\n",
     "a.yaml:1:11: monitors must be a list, got a mapping"},
    {"policies not a list", "policies: web\n",
     "a.yaml:1:11: policies must be a list, got a scalar"},
    {"non-scalar key", "{[a]: 1}\n",
     "a.yaml:1:2: keys in the top level must be strings, got a list"},

    /* monitors */
    {"monitor not a mapping", "monitors:\n  - mon0\n",
     "a.yaml:2:5: a monitor must be a mapping, got a scalar"},
    {"monitor without name", "monitors:\n  - port: mon0\n",
     "a.yaml:2:5: monitor: missing required key 'name'"},
    {"monitor name invalid", "monitors:\n  - {name: \"bad name\", port: m0}\n",
     "a.yaml:2:12: invalid monitor name 'bad name'"},
    {"monitor name too long",
     "monitors:\n  - {name: abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl, "
     "port: m1}\n",
     "a.yaml:2:12: invalid monitor name"},
    {"monitor name empty", "monitors:\n  - {name: \"\", port: m0}\n",
     "a.yaml:2:12: monitor name must not be empty"},
    {"monitor name null", "monitors:\n  - {name: , port: m0}\n",
     "monitor name must be a string, got nothing (null)"},
    {"monitor name a list", "monitors:\n  - {name: [a], port: m0}\n",
     "a.yaml:2:12: monitor name must be a string, got a list"},
    {"monitor name with NUL", "monitors:\n  - {name: \"a\\0b\", port: m0}\n",
     "a.yaml:2:12: monitor name contains a NUL byte"},
    {"unknown monitor type", "monitors:\n  - {name: m, type: span, port: m0}\n",
     "a.yaml:2:21: unknown monitor type 'span' (expected local, vxlan, ovs, capture or group)"},
    {"unknown monitor key", "monitors:\n  - {name: m, port: m0, colour: red}\n",
     "a.yaml:2:25: unknown key 'colour' in monitor"},
    {"duplicate monitor key", "monitors:\n  - {name: m, port: m0, port: m1}\n",
     "a.yaml:2:25: duplicate key 'port' in monitor (first at line 2 column 15)"},
    {"local without port", "monitors:\n  - name: m\n",
     "a.yaml:2:5: monitor: missing required key 'port' (a local monitor needs one)"},
    {"monitor port glob", "monitors:\n  - {name: m, port: \"mon*\"}\n",
     "a.yaml:2:21: monitor port: 'mon*' must be an interface name, not a pattern"},
    {"monitor port too long", "monitors:\n  - {name: m, port: abcdefghijklmnop}\n",
     "a.yaml:2:21: monitor port: interface name 'abcdefghijklmnop' is longer than 15 characters"},
    {"monitor port with slash", "monitors:\n  - {name: m, port: a/b}\n",
     "a.yaml:2:21: monitor port: invalid interface name 'a/b' (contains '/')"},
    {"monitor port dot", "monitors:\n  - {name: m, port: ..}\n",
     "a.yaml:2:21: monitor port: '..' is not a valid interface name"},
    {"monitor port a number is fine but a list is not", "monitors:\n  - {name: m, port: [a]}\n",
     "a.yaml:2:21: monitor port must be a string, got a list"},
    {"vxlan without remote", "monitors:\n  - {name: r, type: vxlan, vni: 1}\n",
     "a.yaml:2:5: monitor: missing required key 'remote'"},
    {"vxlan without vni", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1}\n",
     "a.yaml:2:5: monitor: missing required key 'vni'"},
    {"vxlan bad remote", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2, vni: 1}\n",
     "a.yaml:2:36: remote: invalid address '192.0.2'"},
    {"vxlan remote with prefix",
     "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1/32, vni: 1}\n",
     "a.yaml:2:36: remote: invalid address '192.0.2.1/32'"},
    {"vxlan remote multicast", "monitors:\n  - {name: r, type: vxlan, remote: 239.1.1.1, vni: 1}\n",
     "a.yaml:2:36: remote 239.1.1.1 is not a unicast address"},
    {"vxlan remote unspecified v6",
     "monitors:\n  - {name: r, type: vxlan, remote: \"::\", vni: 1}\n",
     "a.yaml:2:36: remote :: is not a unicast address"},
    {"vni too big", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: 16777216}\n",
     "a.yaml:2:52: vni 16777216 out of range 0..16777215"},
    {"vni negative", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: -1}\n",
     "a.yaml:2:52: vni -1 out of range 0..16777215"},
    {"vni quoted", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: \"7\"}\n",
     "a.yaml:2:52: vni must be an integer, got '7'"},
    {"vni hex", "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: 0x10}\n",
     "a.yaml:2:52: vni must be an integer, got '0x10'"},
    {"vxlan with port",
     "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: 1, port: m0}\n",
     "a.yaml:2:55: port has no meaning for a vxlan monitor"},
    {"local with vni", "monitors:\n  - {name: m, port: m0, vni: 5}\n",
     "a.yaml:2:25: vni has no meaning for a local monitor"},
    {"local with file", "monitors:\n  - {name: m, port: m0, file: /tmp/x}\n",
     "a.yaml:2:25: file has no meaning for a local monitor"},
    {"capture with bridge", "monitors:\n  - {name: m, type: capture, port: m0, bridge: br0}\n",
     "a.yaml:2:40: bridge has no meaning for a capture monitor"},
    {"ovs bad datapath", "monitors:\n  - {name: o, type: ovs, port: s0, datapath: kernel}\n",
     "a.yaml:2:46: unknown datapath 'kernel' (expected afxdp or dpdk)"},
    {"ovs bridge with space", "monitors:\n  - {name: o, type: ovs, port: s0, bridge: \"br 0\"}\n",
     "a.yaml:2:44: bridge 'br 0' contains white space"},
    {"capture relative file", "monitors:\n  - {name: c, type: capture, port: c0, file: x.pcapng}\n",
     "a.yaml:2:46: file 'x.pcapng' must be an absolute path"},
    {"capture rotate without file",
     "monitors:\n  - {name: c, type: capture, port: c0, rotate_size: 10}\n",
     "a.yaml:2:40: rotate_size needs file"},
    {"capture rotate_count without file",
     "monitors:\n  - {name: c, type: capture, port: c0, rotate_count: 10}\n",
     "a.yaml:2:40: rotate_count needs file"},
    {"capture rotate_size negative",
     "monitors:\n  - {name: c, type: capture, port: c0, file: /x, rotate_size: -1}\n",
     "a.yaml:2:63: rotate_size -1 out of range"},
    {"capture rotate_count not a number",
     "monitors:\n  - {name: c, type: capture, port: c0, file: /x, rotate_count: many}\n",
     "a.yaml:2:64: rotate_count must be an integer, got 'many'"},
    {"a capture's port named by a local monitor",
     "monitors:\n  - {name: c, type: capture, port: p0}\n  - {name: l, port: p0}\n",
     "a.yaml:3:21: monitor l: port p0 is monitor c's too (at "},
    {"two ovs monitors on one port",
     "monitors:\n  - {name: a, type: ovs, port: s0}\n  - {name: b, type: ovs, port: s0}\n",
     "a.yaml:3:32: monitor b: port s0 is monitor a's too (at "},
    {"duplicate monitor names in one file",
     "monitors:\n  - {name: m, port: m0}\n  - {name: m, port: m1}\n",
     "a.yaml:3:5: duplicate monitor name 'm' (first defined at "},

    /* policies: structure */
    {"policy not a mapping", MON "policies:\n  - web\n",
     "a.yaml:5:5: a policy must be a mapping, got a scalar"},
    {"policy without name", MON "policies:\n  - source: {ports: [vm1]}\n    monitor: mon\n",
     "a.yaml:5:5: policy: missing required key 'name'"},
    {"policy name invalid",
     MON "policies:\n  - name: web/1\n    source: {ports: [vm1]}\n    monitor: mon\n",
     "a.yaml:5:11: invalid policy name 'web/1'"},
    {"policy without source", MON "policies:\n  - name: web\n    monitor: mon\n",
     "a.yaml:5:5: policy: missing required key 'source'"},
    {"source is a list", MON "policies:\n  - name: web\n    source: [vm1]\n    monitor: mon\n",
     "a.yaml:6:13: source must be a mapping, got a list"},
    {"source without ports",
     MON "policies:\n  - name: web\n    source: {cidr: 10.0.0.0/8}\n    monitor: mon\n",
     "a.yaml:6:13: source: missing required key 'ports'"},
    {"source ports empty",
     MON "policies:\n  - name: web\n    source: {ports: []}\n    monitor: mon\n",
     "a.yaml:6:21: source.ports must not be an empty list"},
    {"source ports a mapping",
     MON "policies:\n  - name: web\n    source: {ports: {vm1: 1}}\n    monitor: mon\n",
     "a.yaml:6:21: source.ports must be a list, got a mapping"},
    {"source port too long",
     MON "policies:\n  - name: web\n    source: {ports: [abcdefghijklmnop]}\n    monitor: mon\n",
     "a.yaml:6:22: source.ports: interface name 'abcdefghijklmnop' is longer than 15 characters"},
    {"source port with space",
     MON "policies:\n  - name: web\n    source: {ports: [\"vm 1\"]}\n    monitor: mon\n",
     "a.yaml:6:22: source.ports: invalid interface name 'vm 1' (contains ' ')"},
    {"source port not a string",
     MON "policies:\n  - name: web\n    source: {ports: [[vm1]]}\n    monitor: mon\n",
     "a.yaml:6:22: source port must be a string, got a list"},
    {"unknown source key",
     MON "policies:\n  - name: web\n    source: {ports: [vm1], mac: x}\n    monitor: mon\n",
     "a.yaml:6:28: unknown key 'mac' in source (expected one of: ports, cidr, hook)"},
    {"bad source hook",
     MON "policies:\n  - name: web\n    source: {ports: [vm1], hook: ebpf}\n    monitor: mon\n",
     "a.yaml:6:34: unknown hook 'ebpf' (expected xdp, tc or auto)"},
    {"source hook not a string",
     MON "policies:\n  - name: web\n    source: {ports: [vm1], hook: [xdp]}\n    monitor: mon\n",
     "a.yaml:6:34: source.hook must be a string, got a list"},
    {"unknown policy key", P("    comment: hi\n"), "a.yaml:8:5: unknown key 'comment' in policy"},
    {"duplicate policy key", P("    monitor: mon\n"),
     "a.yaml:8:5: duplicate key 'monitor' in policy (first at line 7 column 5)"},
    {"unknown destination key", P("    destination: {port: 80}\n"),
     "a.yaml:8:19: unknown key 'port' in destination (expected one of: cidr, ports)"},
    {"unknown match key", P("    match: {proto: tcp}\n"),
     "a.yaml:8:13: unknown key 'proto' in match"},
    {"destination a scalar", P("    destination: 10.0.0.0/8\n"),
     "a.yaml:8:18: destination must be a mapping, got a scalar"},
    {"match a list", P("    match: [tcp]\n"), "a.yaml:8:12: match must be a mapping, got a list"},

    /* policies: values */
    {"priority too big", P("    priority: 65536\n"),
     "a.yaml:8:15: priority 65536 out of range 0..65535"},
    {"priority negative", P("    priority: -1\n"),
     "a.yaml:8:15: priority -1 out of range 0..65535"},
    {"priority quoted", P("    priority: \"5\"\n"),
     "a.yaml:8:15: priority must be an integer, got '5'"},
    {"priority float", P("    priority: 1.5\n"),
     "a.yaml:8:15: priority must be an integer, got '1.5'"},
    {"priority a list", P("    priority: [1]\n"),
     "a.yaml:8:15: priority must be an integer, got a list"},
    {"priority huge", P("    priority: 99999999999999999999999\n"),
     "a.yaml:8:15: priority must be an integer"},
    {"bad direction", P("    direction: sideways\n"),
     "a.yaml:8:16: unknown direction 'sideways' (expected in, out or both)"},
    {"bad action", P("    action: copy\n"),
     "a.yaml:8:13: unknown action 'copy' (expected mirror or skip)"},
    {"snaplen below ethernet header", P("    snaplen: 13\n"),
     "a.yaml:8:14: snaplen 13 out of range (0 = whole frame, or 14..65535)"},
    {"snaplen too big", P("    snaplen: 65536\n"),
     "a.yaml:8:14: snaplen 65536 out of range 0..65535"},
    {"dedup no", P("    dedup: no\n"), "a.yaml:8:12: dedup must be true or false, got 'no'"},
    {"group without members", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group}\n",
     "a.yaml:4:5: monitor: missing required key 'members' (a group monitor needs them)"},
    {"group with a port", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, port: x0, members: [a]}\n",
     "a.yaml:4:28: port has no meaning for a group monitor"},
    {"group of an unknown monitor", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a, zz]}\n",
     "a.yaml:4:41: group g: unknown monitor 'zz'"},
    {"group of a group", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a]}\n"
     "  - {name: h, type: group, members: [g, b]}\n",
     "a.yaml:5:38: group h: member g is a group (groups do not nest)"},
    {"group hash", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a], hash: random}\n",
     "a.yaml:4:48: unknown hash 'random' (expected symmetric)"},
    {"group member twice", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a, a]}\n",
     "a.yaml:4:41: member a is already in the group (line 4 column 38)"},
    {"group of 17", "monitors:\n  - {name: a, port: a0}\n  - {name: b, port: b0}\n" "  - {name: g, type: group, members: [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, "
     "a, a]}\n",
     "a.yaml:4:37: a group has at most 16 members, got 17"},
    {"dedup quoted", P("    dedup: \"false\"\n"),
     "a.yaml:8:12: dedup must be true or false, got 'false'"},
    {"dedup a list", P("    dedup: [false]\n"),
     "a.yaml:8:12: dedup must be true or false, got a list"},
    {"rate a number", P("    rate: 1000\n"),
     "a.yaml:8:11: rate must be a mapping (pps, bytes_per_sec, burst), got a scalar"},
    {"rate without a cap", P("    rate: {burst: 5}\n"),
     "a.yaml:8:11: rate: give pps, bytes_per_sec or both"},
    {"rate pps zero", P("    rate: {pps: 0}\n"),
     "a.yaml:8:17: rate.pps 0 out of range 1..1000000000"},
    {"rate bytes too low", P("    rate: {bytes_per_sec: 10}\n"),
     "a.yaml:8:27: rate.bytes_per_sec 10 out of range 64..1000000000000"},
    {"rate burst zero", P("    rate: {pps: 5, burst: 0}\n"),
     "a.yaml:8:27: rate.burst 0 out of range 1..1000000000000"},
    {"rate unknown key", P("    rate: {pps: 5, bps: 100}\n"),
     "a.yaml:8:20: unknown key 'bps' in rate (expected one of: pps, bytes_per_sec, burst)"},
    {"snaplen a word", P("    snaplen: header\n"),
     "a.yaml:8:14: snaplen must be a number of bytes or 'headers', got 'header'"},
    {"snaplen a quoted number", P("    snaplen: \"60\"\n"),
     "a.yaml:8:14: snaplen must be a number of bytes or 'headers', got '60'"},
    {"sample zero", P("    sample: 0\n"), "a.yaml:8:13: sample 0 out of range 1..2147483648"},
    {"sample too big", P("    sample: 2147483649\n"),
     "a.yaml:8:13: sample 2147483649 out of range 1..2147483648"},
    {"unknown protocol", P("    match: {protocol: tcpx}\n"),
     "a.yaml:8:23: unknown protocol 'tcpx' (expected tcp, udp, sctp, icmp, icmpv6 or a number "
     "0..255)"},
    {"protocol number too big", P("    match: {protocol: 256}\n"),
     "a.yaml:8:23: match.protocol 256 out of range 0..255"},
    {"protocol a list", P("    match: {protocol: [tcp]}\n"),
     "a.yaml:8:23: match.protocol must be a name or a number, got a list"},
    {"port too big", P("    match: {protocol: tcp, dst_ports: [65536]}\n"),
     "a.yaml:8:40: match.dst_ports: port 65536 out of range 0..65535"},
    {"port range reversed", P("    match: {protocol: tcp, dst_ports: [\"9000-8000\"]}\n"),
     "a.yaml:8:40: match.dst_ports: port range 9000-8000 has its low end above its high end"},
    {"port range open", P("    match: {src_ports: [\"1024-\"]}\n"),
     "a.yaml:8:25: match.src_ports: invalid port '1024-'"},
    {"port by service name", P("    match: {dst_ports: [http]}\n"),
     "a.yaml:8:25: match.dst_ports: invalid port 'http'"},
    {"port negative", P("    match: {dst_ports: [-1]}\n"),
     "a.yaml:8:25: match.dst_ports: invalid port '-1'"},
    {"port range too big", P("    match: {dst_ports: [\"1-70000\"]}\n"),
     "a.yaml:8:25: match.dst_ports: port 70000 out of range 0..65535"},
    {"port a mapping", P("    match: {dst_ports: [{a: 1}]}\n"),
     "a.yaml:8:25: match.dst_ports: a port must be a number or \"LO-HI\", got a mapping"},
    {"dst ports empty", P("    match: {dst_ports: []}\n"),
     "a.yaml:8:24: match.dst_ports must not be an empty list"},
    {"destination ports too big", P("    destination: {ports: [99999]}\n"),
     "a.yaml:8:27: destination.ports: port 99999 out of range 0..65535"},
    {"both destination.ports and match.dst_ports",
     P("    destination: {ports: [80]}\n    match: {dst_ports: [443]}\n"),
     "a.yaml:9:13: destination.ports (line 8 column 19) and match.dst_ports are the same field: "
     "give only one"},
    {"ports with icmp", P("    match: {protocol: icmp, dst_ports: [80]}\n"),
     "a.yaml:8:29: ports need protocol tcp, udp or sctp (protocol is icmp)"},
    {"destination ports with protocol 47",
     P("    destination: {ports: [80]}\n    match: {protocol: 47}\n"),
     "a.yaml:8:19: ports need protocol tcp, udp or sctp (protocol is 47)"},
    {"vlan too big", P("    match: {vlan: 4096}\n"),
     "a.yaml:8:19: match.vlan 4096 out of range 0..4095"},
    {"vlan in a list too big", P("    match: {vlan: [1, 5000]}\n"),
     "a.yaml:8:23: match.vlan 5000 out of range 0..4095"},
    {"vlan empty list", P("    match: {vlan: []}\n"),
     "a.yaml:8:19: match.vlan must not be an empty list"},
    {"vlan a mapping", P("    match: {vlan: {id: 1}}\n"),
     "a.yaml:8:19: match.vlan must be a list, got a mapping"},
    {"cidr host bits", P("    destination: {cidr: 10.0.0.1/8}\n"),
     "a.yaml:8:25: destination.cidr: host bits set in 10.0.0.1/8 (did you mean 10.0.0.0/8?)"},
    {"cidr host bits ipv6", P("    destination: {cidr: \"2001:db8::1/32\"}\n"),
     "a.yaml:8:25: destination.cidr: host bits set in 2001:db8::1/32 (did you mean "
     "2001:db8::/32?)"},
    {"source cidr host bits",
     MON "policies:\n  - name: web\n    source: {ports: [vm1], cidr: [10.0.0.0/8, "
	 "192.168.1.1/24]}\n    monitor: mon\n",
     "a.yaml:6:47: source.cidr: host bits set in 192.168.1.1/24"},
    {"cidr prefix too long", P("    destination: {cidr: 10.0.0.0/33}\n"),
     "a.yaml:8:25: destination.cidr: prefix length 33 out of range for IPv4 (0..32) in "
     "10.0.0.0/33"},
    {"cidr v6 prefix too long", P("    destination: {cidr: \"::/129\"}\n"),
     "a.yaml:8:25: destination.cidr: prefix length 129 out of range for IPv6 (0..128)"},
    {"cidr garbage", P("    destination: {cidr: example.com}\n"),
     "a.yaml:8:25: destination.cidr: invalid CIDR 'example.com'"},
    {"cidr empty prefix", P("    destination: {cidr: 10.0.0.0/}\n"),
     "a.yaml:8:25: destination.cidr: invalid CIDR '10.0.0.0/'"},
    {"cidr signed prefix", P("    destination: {cidr: 10.0.0.0/+8}\n"),
     "a.yaml:8:25: destination.cidr: invalid CIDR"},
    {"cidr empty list", P("    destination: {cidr: []}\n"),
     "a.yaml:8:25: destination.cidr must not be an empty list"},
    {"cidr families can never match",
     MON "policies:\n  - name: web\n    source: {ports: [vm1], cidr: 10.0.0.0/8}\n    destination: "
	 "{cidr: \"2001:db8::/32\"}\n    monitor: mon\n",
     "a.yaml:7:18: source.cidr and destination.cidr are of different IP versions"},

    /* policies: action and monitor */
    {"mirror without monitor", MON "policies:\n  - name: web\n    source: {ports: [vm1]}\n",
     "a.yaml:5:5: policy: missing required key 'monitor' (a mirror policy needs one)"},
    {"skip with monitor",
     MON "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    monitor: mon\n",
     "a.yaml:8:5: monitor has no meaning for a skip policy"},
    {"skip with snaplen",
     "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    snaplen: 64\n",
     "a.yaml:5:5: snaplen has no meaning for a skip policy"},
    {"skip with snaplen headers",
     "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    snaplen: headers\n",
     "a.yaml:5:5: snaplen has no meaning for a skip policy"},
    {"skip with dedup",
     "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    dedup: false\n",
     "a.yaml:5:5: dedup has no meaning for a skip policy"},
    {"skip with rate",
     "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    rate: {pps: 1}\n",
     "a.yaml:5:5: rate has no meaning for a skip policy"},
    {"skip with sample",
     "policies:\n  - name: q\n    action: skip\n    source: {ports: [vm1]}\n    sample: 2\n",
     "a.yaml:5:5: sample has no meaning for a skip policy"},
    {"unknown monitor",
     "policies:\n  - name: web\n    source: {ports: [vm1]}\n    monitor: nowhere\n",
     "a.yaml:4:14: policy web: unknown monitor 'nowhere'"},
    {"duplicate policy names in one file",
     P("  - name: web\n    source: {ports: [vm2]}\n    monitor: mon\n"),
     "a.yaml:8:5: duplicate policy name 'web' (first defined at "},

    /* loops */
    {"own monitor is a source",
     MON "policies:\n  - name: web\n    source: {ports: [vm1, mon0]}\n    monitor: mon\n",
     "a.yaml:6:27: policy web: monitor mon's port mon0 is one of its own sources (would loop)"},
    {"own monitor matched by a glob",
     MON "policies:\n  - name: web\n    source: {ports: [\"mon*\"]}\n    monitor: mon\n",
     "a.yaml:6:22: policy web: monitor mon's port mon0 is one of its own sources (would loop)"},
    {"another monitor matched by a glob",
     "monitors:\n  - {name: a, port: sink-a}\n  - {name: b, port: sink-b}\n"
     "policies:\n  - name: web\n    source: {ports: [\"sink-?\"]}\n    monitor: a\n",
     "a.yaml:6:22: policy web: source port 'sink-?' matches monitor b's port sink-b (monitor ports "
     "are never tapped)"},
    {"skip policy tapping a monitor port",
     MON "policies:\n  - name: q\n    action: skip\n    source: {ports: [\"*\"]}\n",
     "a.yaml:7:22: policy q: source port '*' matches monitor mon's port mon0"},
    {"vxlan monitor has no port to loop on",
     "monitors:\n  - {name: r, type: vxlan, remote: 192.0.2.1, vni: 5}\n"
     "policies:\n  - name: all\n    source: {ports: [\"*\"]}\n    monitor: r\n",
     NULL},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void run_case(void **state)
{
	const struct pcase *c = *state;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *dir;
	int rc;

	rc = load_text(c->yaml, &set, &e, &dir);
	check_result(rc, &e, c->err);
	if (rc != 0) {
		/* On error the set is left empty. */
		assert_int_equal(set.n_policies, 0);
		assert_int_equal(set.n_monitors, 0);
		assert_null(set.policies);
	}
	vtap_policy_set_free(&set);
	vtap_errors_free(&e);
	remove_tmpdir(dir);
}

/* ---- parsed values ---- */

static void cidr_is(const struct vtap_cidr *c, int family, const char *addr6, int prefixlen)
{
	uint8_t want[16];

	assert_int_equal(inet_pton(AF_INET6, addr6, want), 1);
	assert_int_equal(c->family, family);
	assert_int_equal(c->prefixlen, prefixlen);
	assert_memory_equal(c->addr, want, 16);
}

static void test_values(void **state)
{
	static const char yaml[] =
	    "monitors:\n"
	    "  - name: ids\n"
	    "    port: mon0\n"
	    "  - {name: far, type: vxlan, remote: 192.0.2.10, vni: 100}\n"
	    "  - {name: far6, type: vxlan, remote: \"2001:db8::10\", vni: 16777215}\n"
	    "  - {name: o, type: ovs, port: ovs-sink0, bridge: br-mon, ovs_port: sink0, datapath: "
	    "afxdp}\n"
	    "  - {name: c, type: capture, port: cap0, file: /var/tmp/c.pcapng, rotate_size: "
	    "1000000, rotate_count: 3}\n"
	    "policies:\n"
	    "  - name: web-to-ids\n"
	    "    priority: 100\n"
	    "    source: {ports: [vm1-eth0, \"tap*\"], cidr: 10.0.0.0/8, hook: xdp}\n"
	    "    destination: {cidr: [10.0.1.0/24, \"2001:db8::/32\", 192.0.2.7]}\n"
	    "    direction: out\n"
	    "    match: {protocol: tcp, src_ports: [1024-65535], dst_ports: [80, 443, "
	    "\"8000-8080\"], vlan: [0, 100]}\n"
	    "    action: mirror\n"
	    "    snaplen: 128\n"
	    "    sample: 4\n"
	    "    monitor: ids\n"
	    "  - name: defaults\n"
	    "    source: {ports: vm2, hook: tc}\n"
	    "    destination: {ports: [53]}\n"
	    "    monitor: far\n"
	    "  - name: quiet\n"
	    "    action: skip\n"
	    "    source: {ports: [vm3]}\n"
	    "    match: {vlan: 7}\n";
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const struct vtap_policy *p;
	const struct vtap_monitor *m;
	char *dir;

	(void)state;
	check_result(load_text(yaml, &set, &e, &dir), &e, NULL);
	assert_int_equal(set.n_files, 1);
	assert_non_null(strstr(set.files[0], "/a.yaml"));
	assert_int_equal(set.n_monitors, 5);
	assert_int_equal(set.n_policies, 3);

	m = &set.monitors[0];
	assert_string_equal(m->name, "ids");
	assert_int_equal(m->type, VTAP_MONITOR_LOCAL);
	assert_string_equal(m->port, "mon0");
	assert_int_equal(m->remote_family, 0);
	assert_int_equal(m->loc.line, 2);
	assert_int_equal(m->loc.col, 5);
	assert_ptr_equal(m->loc.file, set.files[0]);
	assert_int_equal(m->port_loc.line, 3);
	assert_int_equal(m->port_loc.col, 11);

	m = &set.monitors[1];
	assert_string_equal(m->name, "far");
	assert_int_equal(m->type, VTAP_MONITOR_VXLAN);
	assert_string_equal(m->port, "");
	assert_int_equal(m->remote_family, AF_INET);
	assert_memory_equal(m->remote, "\xc0\x00\x02\x0a", 4);
	assert_int_equal(m->vni, 100);

	m = &set.monitors[2];
	assert_int_equal(m->remote_family, AF_INET6);
	assert_memory_equal(m->remote, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	assert_int_equal(m->vni, 16777215);

	m = &set.monitors[3];
	assert_int_equal(m->type, VTAP_MONITOR_OVS);
	assert_string_equal(m->port, "ovs-sink0");
	assert_string_equal(m->bridge, "br-mon");
	assert_string_equal(m->ovs_port, "sink0");
	assert_int_equal(m->datapath, VTAP_OVS_DP_AFXDP);

	m = &set.monitors[4];
	assert_int_equal(m->type, VTAP_MONITOR_CAPTURE);
	assert_string_equal(m->port, "cap0");
	assert_string_equal(m->file, "/var/tmp/c.pcapng");
	assert_int_equal(m->rotate_size, 1000000);
	assert_int_equal(m->rotate_count, 3);

	p = &set.policies[0];
	assert_string_equal(p->name, "web-to-ids");
	assert_int_equal(p->priority, 100);
	assert_int_equal(p->n_ports, 2);
	assert_string_equal(p->ports[0], "vm1-eth0");
	assert_string_equal(p->ports[1], "tap*");
	assert_int_equal(p->port_locs[1].line, 11);
	assert_int_equal(p->port_locs[1].col, 32);
	assert_int_equal(p->n_src_cidrs, 1);
	cidr_is(&p->src_cidrs[0], AF_INET, "::ffff:10.0.0.0", 104);
	assert_int_equal(p->n_dst_cidrs, 3);
	cidr_is(&p->dst_cidrs[0], AF_INET, "::ffff:10.0.1.0", 120);
	cidr_is(&p->dst_cidrs[1], AF_INET6, "2001:db8::", 32);
	cidr_is(&p->dst_cidrs[2], AF_INET, "::ffff:192.0.2.7", 128);
	assert_int_equal(p->direction, VTAP_DIR_OUT);
	assert_int_equal(p->hook, VTAP_HOOK_MODE_XDP);
	assert_int_equal(p->protocol, 6);
	assert_int_equal(p->n_src_ports, 1);
	assert_int_equal(p->src_ports[0].lo, 1024);
	assert_int_equal(p->src_ports[0].hi, 65535);
	assert_int_equal(p->n_dst_ports, 3);
	assert_int_equal(p->dst_ports[0].lo, 80);
	assert_int_equal(p->dst_ports[0].hi, 80);
	assert_int_equal(p->dst_ports[1].lo, 443);
	assert_int_equal(p->dst_ports[2].lo, 8000);
	assert_int_equal(p->dst_ports[2].hi, 8080);
	assert_int_equal(p->n_vlans, 2);
	assert_int_equal(p->vlans[0], 0);
	assert_int_equal(p->vlans[1], 100);
	assert_int_equal(p->action, VTAP_ACTION_MIRROR);
	assert_int_equal(p->snaplen, 128);
	assert_int_equal(p->sample, 4);
	assert_string_equal(p->monitor, "ids");
	assert_int_equal(p->monitor_idx, 0);
	assert_int_equal(p->loc.line, 9);
	assert_int_equal(p->loc.col, 5);
	assert_int_equal(p->monitor_loc.line, 18);
	assert_int_equal(p->monitor_loc.col, 14);

	p = &set.policies[1];
	assert_string_equal(p->name, "defaults");
	assert_int_equal(p->priority, 1000);
	assert_int_equal(p->n_ports, 1);
	assert_string_equal(p->ports[0], "vm2");
	assert_int_equal(p->n_src_cidrs, 0);
	assert_int_equal(p->n_dst_cidrs, 0);
	assert_int_equal(p->direction, VTAP_DIR_BOTH);
	assert_int_equal(p->hook, VTAP_HOOK_MODE_TC);
	assert_int_equal(p->protocol, -1);
	assert_int_equal(p->n_src_ports, 0);
	assert_int_equal(p->n_dst_ports, 1);
	assert_int_equal(p->dst_ports[0].lo, 53);
	assert_int_equal(p->n_vlans, 0);
	assert_int_equal(p->action, VTAP_ACTION_MIRROR);
	assert_int_equal(p->snaplen, 0);
	assert_int_equal(p->sample, 1);
	assert_int_equal(p->monitor_idx, 1);

	p = &set.policies[2];
	assert_int_equal(p->action, VTAP_ACTION_SKIP);
	assert_string_equal(p->monitor, "");
	assert_int_equal(p->monitor_idx, -1);
	assert_int_equal(p->n_vlans, 1);
	assert_int_equal(p->vlans[0], 7);

	vtap_policy_set_free(&set);
	assert_int_equal(set.n_policies, 0);
	vtap_policy_set_free(&set); /* twice is harmless */
	vtap_errors_free(&e);
	remove_tmpdir(dir);
}

/* Every error is reported, each exactly "FILE:LINE:COLUMN: message". */
static void test_all_errors_reported(void **state)
{
	static const char yaml[] = MON "policies:\n"
				       "  - name: web\n"
				       "    priority: 70000\n"
				       "    source: {ports: [vm1]}\n"
				       "    direction: up\n"
				       "    monitor: nowhere\n";
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *dir, *want;

	(void)state;
	assert_int_equal(load_text(yaml, &set, &e, &dir), -1);
	assert_int_equal(e.n, 3);
	assert_true(asprintf(&want, "%s/a.yaml:6:15: priority 70000 out of range 0..65535", dir) >
		    0);
	assert_string_equal(e.msgs[0], want);
	free(want);
	assert_non_null(strstr(e.msgs[1], "a.yaml:8:16: unknown direction 'up'"));
	assert_non_null(strstr(e.msgs[2], "a.yaml:9:14: policy web: unknown monitor 'nowhere'"));
	vtap_errors_free(&e);
	assert_int_equal(e.n, 0);
	remove_tmpdir(dir);
}

/* ---- several files ---- */

static void test_merge_dir(void **state)
{
	char *dir = make_tmpdir(), *sub, *p;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const char *mons = "monitors:\n  - {name: ids, port: mon0}\n";
	const char *pols =
	    "policies:\n  - name: web\n    source: {ports: [vm1]}\n    monitor: ids\n";
	const char *more = "monitors:\n  - {name: far, type: vxlan, remote: 192.0.2.1, vni: 9}\n"
			   "policies:\n  - {name: db, source: {ports: [vm2]}, monitor: far}\n";

	(void)state;
	/* Policies before monitors by name: references resolve anyway. */
	free(write_file(dir, "20-monitors.yaml", mons, strlen(mons)));
	free(write_file(dir, "10-policies.yaml", pols, strlen(pols)));
	free(write_file(dir, "30-more.yaml", more, strlen(more)));
	/* Not policy files: other suffixes, hidden files, directories. */
	free(write_file(dir, "README", "junk: [", 7));
	free(write_file(dir, "x.yaml.bak", "junk: [", 7));
	free(write_file(dir, ".hidden.yaml", "junk: [", 7));
	free(write_file(dir, "x.yml", "junk: [", 7));
	assert_true(asprintf(&sub, "%s/sub.yaml", dir) > 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	free(sub);

	check_result(vtap_policy_load_dir(dir, &set, &e), &e, NULL);
	assert_int_equal(set.n_files, 3);
	assert_non_null(strstr(set.files[0], "/10-policies.yaml"));
	assert_non_null(strstr(set.files[1], "/20-monitors.yaml"));
	assert_non_null(strstr(set.files[2], "/30-more.yaml"));
	assert_int_equal(set.n_monitors, 2);
	assert_int_equal(set.n_policies, 2);
	assert_string_equal(set.policies[0].name, "web");
	assert_int_equal(set.policies[0].monitor_idx, 0);
	assert_ptr_equal(set.policies[0].loc.file, set.files[0]);
	assert_string_equal(set.policies[1].name, "db");
	assert_int_equal(set.policies[1].monitor_idx, 1);
	assert_ptr_equal(set.monitors[1].loc.file, set.files[2]);
	vtap_policy_set_free(&set);

	/* A broken file: its error, and no "unknown monitor" for the others
	 * (the broken file may be where the monitor lives). */
	p = write_file(dir, "20-monitors.yaml", "monitors: [\n", 12);
	assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msgs[0], "20-monitors.yaml:2:1: YAML syntax error"));
	assert_int_equal(set.n_policies, 0);
	assert_null(set.files);
	free(p);
	vtap_errors_free(&e);
	remove_tmpdir(dir);
}

static void test_empty_dir(void **state)
{
	char *dir = make_tmpdir();
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	check_result(vtap_policy_load_dir(dir, &set, &e), &e, NULL);
	assert_int_equal(set.n_files, 0);
	assert_int_equal(set.n_policies, 0);
	vtap_policy_set_free(&set);
	remove_tmpdir(dir);
}

/* Load a.yaml then b.yaml (in that order) and expect an error. */
static void two_files(const char *a, const char *b, const char *want_b, const char *want_a_pos)
{
	char *dir = make_tmpdir();
	char *pa = write_file(dir, "a.yaml", a, strlen(a));
	char *pb = write_file(dir, "b.yaml", b, strlen(b));
	const char *paths[] = {pa, pb};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *want;
	int rc;

	rc = vtap_policy_load_files(paths, 2, &set, &e);
	/* The error is at the second file's position and names the first. */
	assert_true(asprintf(&want, "%s:%s (first defined at %s:%s)", pb, want_b, pa, want_a_pos) >
		    0);
	check_result(rc, &e, want);
	assert_int_equal(e.n, 1);
	free(want);
	vtap_policy_set_free(&set);
	vtap_errors_free(&e);
	free(pa);
	free(pb);
	remove_tmpdir(dir);
}

static void test_duplicate_policy_across_files(void **state)
{
	(void)state;
	two_files(MON POL,
		  "# b\npolicies:\n  - {name: web, source: {ports: [vm2]}, monitor: mon}\n",
		  "3:5: duplicate policy name 'web'", "5:5");
}

static void test_duplicate_monitor_across_files(void **state)
{
	(void)state;
	two_files(MON, "monitors:\n\n  - name: mon\n    port: mon1\n",
		  "3:5: duplicate monitor name 'mon'", "2:5");
}

/* A monitor in one file, a policy in another tapping its port. */
static void test_loop_across_files(void **state)
{
	const char *a = MON;
	const char *b = "policies:\n  - {name: all, source: {ports: [\"m*\"]}, monitor: mon}\n";
	char *dir = make_tmpdir();
	char *pa = write_file(dir, "a.yaml", a, strlen(a));
	char *pb = write_file(dir, "b.yaml", b, strlen(b));
	const char *paths[] = {pa, pb};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	check_result(vtap_policy_load_files(paths, 2, &set, &e), &e,
		     "b.yaml:2:34: policy all: monitor mon's port mon0 is one of its own sources "
		     "(would loop)");
	vtap_errors_free(&e);
	free(pa);
	free(pb);
	remove_tmpdir(dir);
}

static void test_unknown_monitor_across_files(void **state)
{
	const char *a = "monitors:\n  - {name: ids, port: mon0}\n";
	const char *b = "policies:\n  - {name: x, source: {ports: [vm1]}, monitor: idz}\n";
	char *dir = make_tmpdir();
	char *pa = write_file(dir, "a.yaml", a, strlen(a));
	char *pb = write_file(dir, "b.yaml", b, strlen(b));
	const char *paths[] = {pa, pb};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	check_result(vtap_policy_load_files(paths, 2, &set, &e), &e,
		     "b.yaml:2:48: policy x: unknown monitor 'idz'");
	vtap_errors_free(&e);
	free(pa);
	free(pb);
	remove_tmpdir(dir);
}

/* ---- files that cannot be used ---- */

static void test_missing_file(void **state)
{
	const char *paths[] = {"/nonexistent/vtap/x.yaml"};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	assert_int_equal(vtap_policy_load_files(paths, 1, &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0],
			    "/nonexistent/vtap/x.yaml: cannot read: No such file or directory");
	vtap_errors_free(&e);
}

static void test_directory_as_file(void **state)
{
	char *dir = make_tmpdir();
	const char *paths[] = {dir};
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *want;

	(void)state;
	assert_true(asprintf(&want, "%s: cannot read: Is a directory", dir) > 0);
	check_result(vtap_policy_load_files(paths, 1, &set, &e), &e, want);
	free(want);
	vtap_errors_free(&e);
	remove_tmpdir(dir);
}

static void test_missing_dir(void **state)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	assert_int_equal(vtap_policy_load_dir("/nonexistent/vtap-policies", &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(
	    e.msgs[0],
	    "/nonexistent/vtap-policies: cannot open policy directory: No such file or directory");
	vtap_errors_free(&e);
}

static void test_too_large(void **state)
{
	size_t n = VTAP_POLICY_FILE_MAX + 1;
	char *big = malloc(n), *dir = make_tmpdir(), *path, *want;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const char *paths[1];

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	big[n - 1] = '\n';
	path = write_file(dir, "big.yaml", big, n);
	paths[0] = path;
	assert_true(asprintf(&want, "%s: too large (16777217 bytes, limit 16777216)", path) > 0);
	assert_int_equal(vtap_policy_load_files(paths, 1, &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0], want);
	vtap_errors_free(&e);
	free(want);
	free(path);

	/* Exactly the limit is fine (a comment). */
	path = write_file(dir, "big.yaml", big, n - 1);
	paths[0] = path;
	check_result(vtap_policy_load_files(paths, 1, &set, &e), &e, NULL);
	vtap_policy_set_free(&set);
	free(path);
	free(big);
	remove_tmpdir(dir);
}

static void test_nesting(void **state)
{
	char yaml[512], *dir;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	size_t n = 0;

	(void)state;
	/* policies: (1) [ (2) ... 63 more = 65 levels */
	n += (size_t)snprintf(yaml, sizeof(yaml), "policies: ");
	for (int i = 0; i < 64; i++)
		yaml[n++] = '[';
	for (int i = 0; i < 64; i++)
		yaml[n++] = ']';
	yaml[n++] = '\n';
	yaml[n] = '\0';
	assert_int_equal(load_text(yaml, &set, &e, &dir), -1);
	check_result(-1, &e, "a.yaml:1:74: nesting deeper than 64 levels");
	vtap_errors_free(&e);
	remove_tmpdir(dir);

	/* 64 levels: not refused for depth (but a list is not a policy). */
	n = (size_t)snprintf(yaml, sizeof(yaml), "policies: ");
	for (int i = 0; i < 63; i++)
		yaml[n++] = '[';
	for (int i = 0; i < 63; i++)
		yaml[n++] = ']';
	yaml[n++] = '\n';
	yaml[n] = '\0';
	assert_int_equal(load_text(yaml, &set, &e, &dir), -1);
	assert_false(has_error(&e, "nesting"));
	check_result(-1, &e, "a.yaml:1:12: a policy must be a mapping, got a list");
	vtap_errors_free(&e);
	remove_tmpdir(dir);
}

/* Policies beyond 4096 in total (over several files) are refused, once. */
static void test_policy_limit(void **state)
{
	char *dir = make_tmpdir(), *pa, *pb;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const char *paths[2];
	size_t cap = 64 * 4200, n = 0;
	char *buf = malloc(cap);
	char want[64];

	(void)state;
	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, cap - n, MON "policies:\n");
	for (int i = 0; i < 4000; i++)
		n += (size_t)snprintf(buf + n, cap - n,
				      "  - {name: p%d, source: {ports: [vm1]}, monitor: mon}\n", i);
	pa = write_file(dir, "a.yaml", buf, n);
	n = (size_t)snprintf(buf, cap, "policies:\n");
	for (int i = 4000; i < 4200; i++)
		n += (size_t)snprintf(buf + n, cap - n,
				      "  - {name: p%d, source: {ports: [vm1]}, monitor: mon}\n", i);
	pb = write_file(dir, "b.yaml", buf, n);
	paths[0] = pa;
	paths[1] = pb;
	/* 4000 + 96 = 4096 fit; the 97th policy of b.yaml, line 98, is one
	 * too many. */
	assert_int_equal(vtap_policy_load_files(paths, 2, &set, &e), -1);
	snprintf(want, sizeof(want), "b.yaml:98:5: too many policies (limit 4096)");
	check_result(-1, &e, want);
	assert_int_equal(e.n, 1);
	vtap_errors_free(&e);

	/* Exactly 4096 is fine. */
	paths[1] = pa;
	paths[0] = write_file(dir, "c.yaml",
			      "policies:\n"
			      "  - {name: x0, source: {ports: [vm1]}, monitor: mon}\n",
			      strlen("policies:\n"
				     "  - {name: x0, source: {ports: [vm1]}, monitor: mon}\n"));
	n = (size_t)snprintf(buf, cap, "policies:\n");
	for (int i = 1; i < 96; i++)
		n += (size_t)snprintf(buf + n, cap - n,
				      "  - {name: x%d, source: {ports: [vm1]}, monitor: mon}\n", i);
	free((char *)paths[0]);
	paths[0] = write_file(dir, "c.yaml", buf, n); /* 95 */
	{
		const char *three[3] = {pa, paths[0], NULL};
		char *pd = write_file(
		    dir, "d.yaml",
		    "policies:\n  - {name: last, source: {ports: [vm1]}, monitor: mon}\n",
		    strlen("policies:\n  - {name: last, source: {ports: [vm1]}, monitor: mon}\n"));

		three[2] = pd;
		check_result(vtap_policy_load_files(three, 3, &set, &e), &e, NULL);
		assert_int_equal(set.n_policies, 4096);
		vtap_policy_set_free(&set);
		free(pd);
	}
	free((char *)paths[0]);
	free(pa);
	free(pb);
	free(buf);
	remove_tmpdir(dir);
}

/* ---- helpers exported by policy.h ---- */

static void test_names_and_order(void **state)
{
	struct vtap_policy p[3] = {0};

	(void)state;
	assert_string_equal(vtap_monitor_type_name(VTAP_MONITOR_LOCAL), "local");
	assert_string_equal(vtap_monitor_type_name(VTAP_MONITOR_VXLAN), "vxlan");
	assert_string_equal(vtap_monitor_type_name(VTAP_MONITOR_OVS), "ovs");
	assert_string_equal(vtap_monitor_type_name(VTAP_MONITOR_CAPTURE), "capture");
	assert_string_equal(vtap_direction_name(VTAP_DIR_IN), "in");
	assert_string_equal(vtap_direction_name(VTAP_DIR_OUT), "out");
	assert_string_equal(vtap_direction_name(VTAP_DIR_BOTH), "both");
	assert_string_equal(vtap_action_name(VTAP_ACTION_MIRROR), "mirror");
	assert_string_equal(vtap_action_name(VTAP_ACTION_SKIP), "skip");
	assert_string_equal(vtap_ovs_datapath_name(VTAP_OVS_DP_AFXDP), "afxdp");
	assert_string_equal(vtap_ovs_datapath_name(VTAP_OVS_DP_DPDK), "dpdk");

	strcpy(p[0].name, "b");
	p[0].priority = 10;
	strcpy(p[1].name, "a");
	p[1].priority = 10;
	strcpy(p[2].name, "z");
	p[2].priority = 5;
	qsort(p, 3, sizeof(p[0]), vtap_policy_order_cmp);
	assert_string_equal(p[0].name, "z");
	assert_string_equal(p[1].name, "a");
	assert_string_equal(p[2].name, "b");
}

static void test_errors_add(void **state)
{
	struct vtap_errors e = {0};
	struct vtap_loc l = {.file = "f.yaml", .line = 3, .col = 7};
	struct vtap_loc nl = {.file = "f.yaml"};

	(void)state;
	vtap_errors_add(&e, &l, "bad %s", "thing");
	vtap_errors_add(&e, &nl, "whole file");
	vtap_errors_add(&e, NULL, "no file");
	assert_int_equal(e.n, 3);
	assert_string_equal(e.msgs[0], "f.yaml:3:7: bad thing");
	assert_string_equal(e.msgs[1], "f.yaml: whole file");
	assert_string_equal(e.msgs[2], "no file");
	for (int i = 0; i < 2000; i++)
		vtap_errors_add(&e, &l, "more");
	assert_int_equal(e.n, VTAP_POLICY_ERRORS_MAX + 1);
	assert_non_null(strstr(e.msgs[VTAP_POLICY_ERRORS_MAX], "too many errors"));
	vtap_errors_free(&e);
	vtap_errors_free(&e);
}

/* ---- who may write policy files ---- */

/* Load dir/a.yaml (made with mode) through load_files, and dir through
 * load_dir; expect want (NULL: no error) from both. */
static void perms_case(const char *dir, mode_t mode, const char *want_file)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const char *yaml = MON POL;
	char *path = write_file(dir, "a.yaml", yaml, strlen(yaml)), *want = NULL;
	const char *paths[1] = {path};

	assert_int_equal(chmod(path, mode), 0);
	if (want_file)
		assert_true(asprintf(&want, want_file, path, path) > 0);
	check_result(vtap_policy_load_files(paths, 1, &set, &e), &e, want);
	if (want) {
		assert_int_equal(e.n, 1);
		assert_string_equal(e.msgs[0], want);
		assert_int_equal(set.n_policies, 0);
		assert_null(set.files);
	}
	vtap_policy_set_free(&set);
	vtap_errors_free(&e);
	check_result(vtap_policy_load_dir(dir, &set, &e), &e, want);
	if (want)
		assert_int_equal(e.n, 1);
	else
		assert_int_equal(set.n_policies, 1);
	vtap_policy_set_free(&set);
	vtap_errors_free(&e);
	free(want);
	free(path);
}

static void test_file_perms(void **state)
{
	char *dir = make_tmpdir();

	(void)state;
	assert_int_equal(chmod(dir, 0755), 0);
	/* Writable by the owner only: fine, whatever else may read it. */
	perms_case(dir, 0644, NULL);
	perms_case(dir, 0600, NULL);
	perms_case(dir, 0400, NULL);
	perms_case(dir, 0755, NULL);
	/* Writable by others, by the group, or both: refused. */
	perms_case(dir, 0666,
		   "%s: refusing a policy file writable by others (mode 0666); chmod go-w %s");
	perms_case(dir, 0646,
		   "%s: refusing a policy file writable by others (mode 0646); chmod go-w %s");
	perms_case(dir, 0664,
		   "%s: refusing a policy file writable by others (mode 0664); chmod go-w %s");
	perms_case(dir, 0620,
		   "%s: refusing a policy file writable by others (mode 0620); chmod go-w %s");
	perms_case(dir, 01777,
		   "%s: refusing a policy file writable by others (mode 1777); chmod go-w %s");
	remove_tmpdir(dir);
}

/* One bad file among good ones: its error, the others still checked. */
static void test_file_perms_among_others(void **state)
{
	char *dir = make_tmpdir(), *pa, *pb, *want;
	const char *a = MON,
		   *b = "policies:\n  - {name: x, source: {ports: [vm1]}, monitor: nowhere}\n";
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	pa = write_file(dir, "a.yaml", a, strlen(a));
	pb = write_file(dir, "b.yaml", b, strlen(b));
	assert_int_equal(chmod(pa, 0662), 0);
	assert_int_equal(chmod(pb, 0644), 0);
	assert_true(
	    asprintf(&want,
		     "%s: refusing a policy file writable by others (mode 0662); chmod go-w %s", pa,
		     pa) > 0);
	assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
	/* a.yaml was not read, so the unknown monitor in b.yaml is not
	 * reported (a.yaml may define it), as for an unreadable file. */
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0], want);
	vtap_errors_free(&e);
	free(want);
	free(pa);
	free(pb);
	remove_tmpdir(dir);
}

static void test_file_owner(void **state)
{
	char *dir = make_tmpdir(), *path, *want;
	const char *yaml = MON POL;
	const char *paths[1];
	struct vtap_errors e = {0};
	struct vtap_policy_set set;

	(void)state;
	if (geteuid() != 0) {
		print_message("  not root: cannot give a file away, skipped\n");
		remove_tmpdir(dir);
		skip();
	}
	path = write_file(dir, "a.yaml", yaml, strlen(yaml));
	paths[0] = path;
	assert_int_equal(chmod(path, 0644), 0);
	/* Owned by root, group someone else's (not writable by it): fine. */
	assert_int_equal(chown(path, 0, 65534), 0);
	check_result(vtap_policy_load_files(paths, 1, &set, &e), &e, NULL);
	vtap_policy_set_free(&set);
	/* Owned by nobody, even 0600: refused. */
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(chmod(path, 0600), 0);
	assert_true(
	    asprintf(&want,
		     "%s: refusing a policy file owned by uid 65534 (only root may own it); "
		     "chown root %s",
		     path, path) > 0);
	assert_int_equal(vtap_policy_load_files(paths, 1, &set, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msgs[0], want);
	vtap_errors_free(&e);
	free(want);
	/* Both at once: two errors. */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(vtap_policy_load_files(paths, 1, &set, &e), -1);
	assert_int_equal(e.n, 2);
	vtap_errors_free(&e);
	free(path);
	remove_tmpdir(dir);
}

static void test_dir_perms(void **state)
{
	char *dir = make_tmpdir(), *path, *want;
	const char *yaml = MON POL;
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	static const mode_t bad[] = {0777, 0775, 0757, 01777, 0730};

	(void)state;
	path = write_file(dir, "a.yaml", yaml, strlen(yaml));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	check_result(vtap_policy_load_dir(dir, &set, &e), &e, NULL);
	vtap_policy_set_free(&set);
	assert_int_equal(chmod(dir, 0700), 0);
	check_result(vtap_policy_load_dir(dir, &set, &e), &e, NULL);
	vtap_policy_set_free(&set);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(dir, bad[i]), 0);
		assert_true(asprintf(&want,
				     "%s: refusing a policy directory writable by others "
				     "(mode %04o); chmod go-w %s",
				     dir, (unsigned int)bad[i], dir) > 0);
		assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
		/* The directory as a whole: its files are not read. */
		assert_int_equal(e.n, 1);
		assert_string_equal(e.msgs[0], want);
		assert_int_equal(set.n_policies, 0);
		assert_null(set.files);
		vtap_errors_free(&e);
		free(want);
	}
	if (geteuid() == 0) {
		assert_int_equal(chmod(dir, 0755), 0);
		assert_int_equal(chown(dir, 65534, 65534), 0);
		assert_true(
		    asprintf(&want,
			     "%s: refusing a policy directory owned by uid 65534 (only root "
			     "may own it); chown root %s",
			     dir, dir) > 0);
		assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
		assert_int_equal(e.n, 1);
		assert_string_equal(e.msgs[0], want);
		vtap_errors_free(&e);
		free(want);
	}
	free(path);
	remove_tmpdir(dir);
}

/* ---- the repository's own policy files ---- */

static const char *srcdir(void)
{
	const char *d = getenv("VTAP_SRCDIR");

	return d ? d : ".";
}

static void load_repo_dir(const char *rel, size_t min_policies)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *dir;
	struct stat st;

	assert_true(asprintf(&dir, "%s/%s", srcdir(), rel) > 0);
	if (stat(dir, &st) != 0) {
		print_message("  %s not found (set VTAP_SRCDIR), skipped\n", dir);
		free(dir);
		skip();
	}
	check_result(vtap_policy_load_dir(dir, &set, &e), &e, NULL);
	assert_true(set.n_policies >= min_policies);
	vtap_policy_set_free(&set);
	free(dir);
}

static void test_demo_policy(void **state)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	const struct vtap_policy *p;
	char *path;
	const char *paths[1];

	(void)state;
	load_repo_dir("policies", 1);
	assert_true(asprintf(&path, "%s/policies/demo.yaml", srcdir()) > 0);
	paths[0] = path;
	check_result(vtap_policy_load_files(paths, 1, &set, &e), &e, NULL);
	assert_int_equal(set.n_monitors, 1);
	assert_string_equal(set.monitors[0].name, "mon");
	assert_int_equal(set.monitors[0].type, VTAP_MONITOR_LOCAL);
	assert_string_equal(set.monitors[0].port, "vtap-mon");
	assert_int_equal(set.n_policies, 1);
	p = &set.policies[0];
	assert_string_equal(p->name, "web");
	assert_int_equal(p->n_ports, 1);
	assert_string_equal(p->ports[0], "vtap-vm1");
	assert_int_equal(p->direction, VTAP_DIR_BOTH);
	assert_int_equal(p->protocol, 6);
	assert_int_equal(p->n_dst_ports, 1);
	assert_int_equal(p->dst_ports[0].lo, 80);
	assert_int_equal(p->dst_ports[0].hi, 80);
	assert_int_equal(p->action, VTAP_ACTION_MIRROR);
	assert_int_equal(p->monitor_idx, 0);
	vtap_policy_set_free(&set);
	free(path);
}

static void test_examples(void **state)
{
	(void)state;
	/* Every example, loaded together: names are unique across them. */
	load_repo_dir("policies/examples", 8);
}

static void test_fixtures(void **state)
{
	struct vtap_errors e = {0};
	struct vtap_policy_set set;
	char *dir;

	(void)state;
	load_repo_dir("tests/unit/policies/merge", 2);
	assert_true(asprintf(&dir, "%s/tests/unit/policies/bad", srcdir()) > 0);
	assert_int_equal(vtap_policy_load_dir(dir, &set, &e), -1);
	/* The fixture documents the errors it expects, one per line. */
	check_result(-1, &e, "10-bad.yaml:5:15: priority 70000 out of range 0..65535");
	check_result(-1, &e, "10-bad.yaml:8:17: unknown protocol 'gre'");
	check_result(-1, &e, "20-dup.yaml:4:5: duplicate policy name 'a'");
	check_result(-1, &e, "20-dup.yaml:4:44: source.cidr: host bits set in 10.1.1.1/16");
	assert_int_equal(e.n, 4);
	vtap_errors_free(&e);
	free(dir);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_all_errors_reported),
	    cmocka_unit_test(test_merge_dir),
	    cmocka_unit_test(test_empty_dir),
	    cmocka_unit_test(test_duplicate_policy_across_files),
	    cmocka_unit_test(test_duplicate_monitor_across_files),
	    cmocka_unit_test(test_loop_across_files),
	    cmocka_unit_test(test_unknown_monitor_across_files),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_directory_as_file),
	    cmocka_unit_test(test_missing_dir),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_policy_limit),
	    cmocka_unit_test(test_file_perms),
	    cmocka_unit_test(test_file_perms_among_others),
	    cmocka_unit_test(test_file_owner),
	    cmocka_unit_test(test_dir_perms),
	    cmocka_unit_test(test_names_and_order),
	    cmocka_unit_test(test_errors_add),
	    cmocka_unit_test(test_demo_policy),
	    cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_fixtures),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest *tests = calloc(N_CASES + n_fixed, sizeof(*tests));
	int rc;

	if (!tests)
		return 1;
	/* The temporary files must not be refused for their mode (policy
	 * files writable by group or others are), whatever umask make ran
	 * with; the perms tests set their modes explicitly. */
	umask(022);
	for (size_t i = 0; i < N_CASES; i++) {
		tests[i].name = cases[i].desc;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)&cases[i];
	}
	memcpy(tests + N_CASES, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("policy", tests, N_CASES + n_fixed, NULL, NULL);
	free(tests);
	return rc;
}
