#!/usr/bin/env bash
# ovs-tunnel-selfcheck.sh: end-to-end check of the OVS tunnel functions of
# scripts/ovs-lib.sh (ovs_underlay, ovs_tunnel_neigh, ovs_add_tunnel_port)
# with real frames, for tunnel types vxlan, gre, erspan v1 and erspan v2.
#
#   ovt-n1 ("node1")                        ovt-n2 ("node2")              ovt-mon
#   ovt-s ─veth─ ovt-sp (afxdp)             ovt-m (system) ─veth────────  ovt-mp
#                  │ ovt-br                   │ ovt-br                   (tcpdump)
#                  └ ovt-t (tunnel) ......... ovt-t (tunnel)
#   ovt-brp 192.168.77.1/24 (internal)      ovt-brp 192.168.77.2/24 (internal)
#     └ ovt-u1 (system) ──── underlay veth ──── ovt-u2 (system; tshark here)
#
# One private ovs-vswitchd (netdev datapath) runs inside each of ovt-n1 and
# ovt-n2. Node1: in_port=ovt-sp,dl_vlan=5 -> strip_vlan,output:ovt-t (lower
# priority in_port=ovt-sp -> drop); node2: in_port=ovt-t -> output:ovt-m.
# Per tunnel type: N VID-5 frames (+20 untagged, +30 VID 8) are injected into
# ovt-s; the frames captured in ovt-mon must equal the VID-5 frames without
# their tag, byte for byte and in number; tshark on ovt-u2 must decode exactly
# N tunnel packets with the right outer addresses and key/VNI/session ID
# (ERSPAN: version, index or direction+hardware ID), each carrying the same
# inner frame. Last case: node2's OVS is stopped and the kernel's own VXLAN
# device (external / collect_md) receives the copies instead.
# Also checks the argument checking of ovs_add_tunnel_port and the network
# namespace guards of ovs-lib.
# Knobs: OVS_TUNNEL_SELFCHECK_FRAMES (1000); OVS_TUNNEL_SELFCHECK_PACE=B/US
# (32/1000): a pause of US microseconds after every B frames injected (0/0 =
# as fast as python sends, ~10^5 frames/s: node2's system (AF_PACKET) port on
# the underlay then loses most of a 1000-frame burst, see ovs-lib.sh);
# OVS_TUNNEL_SELFCHECK_RX_UNDERLAY=system|afxdp: node2's ovt-u2 port type
# (afxdp: no loss at 0/0, and the underlay is captured on ovt-u1 instead).
# Prints PASS/FAIL lines; exit status 0 only if all passed. Needs root.
# Everything it creates (namespaces ovt-n1, ovt-n2, ovt-mon with their
# interfaces, /tmp/ovt-tunnel-selfcheck.*) is removed on exit, also on failure
# or Ctrl-C. OVS_PMD_MAXSLEEP defaults to 500 here (functional test).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/ovs-lib.sh
# shellcheck source=scripts/ovs-lib.sh
. "$LIB"

[ "$(id -u)" -eq 0 ] || { echo "ovs-tunnel-selfcheck: needs root" >&2; exit 1; }
for c in ovsdb-server ovs-vsctl tcpdump tshark python3 ip ping tc; do
	command -v "$c" >/dev/null || { echo "ovs-tunnel-selfcheck: $c missing (scripts/deps.sh)" >&2; exit 1; }
done

N=${OVS_TUNNEL_SELFCHECK_FRAMES:-1000}
PACE=${OVS_TUNNEL_SELFCHECK_PACE:-32/1000}
RX_UNDERLAY=${OVS_TUNNEL_SELFCHECK_RX_UNDERLAY:-system}
# The underlay capture: on ovt-u2, unless node2 takes ovt-u2 by AF_XDP (XDP
# hands frames to the socket before any packet socket sees them): then on
# ovt-u1, where node1's OVS sends through AF_PACKET.
CAP_NS=ovt-n2 CAP_IF=ovt-u2
if [ "$RX_UNDERLAY" = afxdp ]; then
	CAP_NS=ovt-n1 CAP_IF=ovt-u1
fi
export OVS_PMD_MAXSLEEP=${OVS_PMD_MAXSLEEP:-500}
NS1=ovt-n1
NS2=ovt-n2
NSM=ovt-mon
IP1=192.168.77.1
IP2=192.168.77.2
for ns in $NS1 $NS2 $NSM; do
	if ip netns list | grep -qw "^$ns"; then
		echo "ovs-tunnel-selfcheck: namespace $ns exists (another run?); not touching it" >&2
		exit 1
	fi
done
BASE=$(mktemp -d /tmp/ovt-tunnel-selfcheck.XXXXXX)
FAILS=0
CAP_PIDS=()

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# in_ns NS DIR CODE: run shell CODE inside namespace NS with ovs-lib sourced
# and instance DIR selected (DIR may be empty). ip netns exec also remounts
# /sys for NS, which ovs-lib reads.
in_ns() {
	ip netns exec "$1" bash -c '. "$1" || exit 1; set -u; if [ -n "$2" ]; then ovs_use "$2" || exit 1; fi; eval "$3"' \
		_ "$LIB" "$2" "$3"
}
n1() { in_ns $NS1 "$BASE/n1" "$1"; }
n2() { in_ns $NS2 "$BASE/n2" "$1"; }

stop_captures() {
	local p
	for p in "${CAP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${CAP_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	CAP_PIDS=()
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	stop_captures
	local d ns
	# ovs_stop re-runs itself inside the namespace each instance was started in
	for d in "$BASE/n1" "$BASE/n2"; do
		[ -d "$d" ] && ovs_stop "$d"
	done
	for ns in $NS1 $NS2 $NSM; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$BASE/frames.py" <<'EOF'
import os, socket, struct, sys, time

def frames(vid, n):
    """802.1Q-tagged (vid) or untagged ('none') UDP frames, 64..1518 bytes,
    each distinct; also returns the frames as they must look untagged."""
    dst, src = bytes.fromhex('020000000002'), bytes.fromhex('020000000001')
    out, exp = [], []
    for i in range(n):
        pay = (struct.pack('!I', i) * 400)[: 18 + (i * 37) % 1440]
        udp = struct.pack('!HHHH', 1000 + i % 50000, 2000, 8 + len(pay), 0) + pay
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
        inner = b'\x08\x00' + ip
        tag = b'' if vid == 'none' else struct.pack('!HH', 0x8100, int(vid))
        out.append(dst + src + tag + inner)
        exp.append(dst + src + inner)
    return out, exp

def pcap(path):
    d = open(path, 'rb').read()
    o, res = 24, []
    while o + 16 <= len(d):
        incl = struct.unpack('<I', d[o + 8:o + 12])[0]
        res.append(d[o + 16:o + 16 + incl])
        o += 16 + incl
    return res

def compare(got, exp):
    bad = next((i for i, (g, e) in enumerate(zip(got, exp)) if g != e), None)
    print('got %d expected %d first-difference %s' % (len(got), len(exp), bad))
    sys.exit(0 if got == exp else 1)

cmd = sys.argv[1]
if cmd == 'send':                       # send IFACE VID|none COUNT [EXPECTED]
    ifn, vid, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifn, 0))
    out, exp = frames(vid, n)
    burst, gap = (int(x) for x in os.environ.get('PACE', '0/0').split('/'))
    for i, f in enumerate(out):
        s.send(f)
        if burst and (i + 1) % burst == 0:
            time.sleep(gap / 1e6)
    if len(sys.argv) > 5:
        open(sys.argv[5], 'w').write(''.join(e.hex() + '\n' for e in exp))
elif cmd == 'cmp':                      # cmp PCAP EXPECTED
    compare(pcap(sys.argv[2]), [bytes.fromhex(x) for x in open(sys.argv[3]).read().split()])
elif cmd == 'inner':                    # inner PCAP OUTER_HEADER_BYTES EXPECTED
    hl = int(sys.argv[3])
    compare([f[hl:] for f in pcap(sys.argv[2])],
            [bytes.fromhex(x) for x in open(sys.argv[4]).read().split()])
EOF

# capture NS IFACE PCAP [FILTER...]: tcpdump in the background, ready on return
capture() {
	local ns=$1 ifc=$2 out=$3
	shift 3
	# -s 2048: with --immediate-mode libpcap sizes ring slots by the snaplen
	ip netns exec "$ns" tcpdump -i "$ifc" --immediate-mode -s 2048 -B 16384 -U -w "$out" "$@" \
		2>"$out.err" &
	CAP_PIDS+=($!)
	for _ in $(seq 50); do
		grep -q 'listening on' "$out.err" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump on $ns/$ifc did not start: $(cat "$out.err")"
	return 1
}

flow_packets() { # NODE(n1|n2) BR PRIORITY
	$1 "ovs_ofctl dump-flows $2" | sed -n "s/.*n_packets=\([0-9]*\),.*priority=$3[,\ ].*/\1/p"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---------------------------------------------------------------- topology
T0=$(now_ms)
for ns in $NS1 $NS2 $NSM; do
	ip netns add "$ns" || { fail "ip netns add $ns"; exit 1; }
	# no IPv6 chatter from any interface made in there (set before creating them)
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
if ! ip link add ovt-u1 netns $NS1 type veth peer name ovt-u2 netns $NS2 ||
	! ip link add ovt-s netns $NS1 type veth peer name ovt-sp netns $NS1 ||
	! ip link add ovt-m netns $NS2 type veth peer name ovt-mp netns $NSM; then
	fail "creating veth pairs"
	exit 1
fi
ip -n $NS1 link set ovt-s up
mkdir -p "$BASE/n1" "$BASE/n2"
ip -n $NSM link set ovt-mp up

echo "== node1 ($NS1): ovs-vswitchd, ovt-br (afxdp ovt-sp), underlay ovt-brp"
T1=$(now_ms)
# shellcheck disable=SC2016 # expanded inside the namespace
if n1 'ovs_start "$OVS_DIR" && echo "ovs_start ${OVS_START_MS} ms" >"$OVS_DIR/../n1.start" &&
	ovs_add_br ovt-br && ovs_add_afxdp_port ovt-br ovt-sp 1 &&
	ovs_underlay ovt-brp ovt-u1 '$IP1/24; then
	pass "node1: vswitchd in $NS1 ($(cat "$BASE/n1.start")), ovt-br + afxdp ovt-sp, ovs_underlay ovt-brp ovt-u1 $IP1/24 in $(($(now_ms) - T1)) ms"
else
	fail "node1 setup"
	exit 1
fi
echo "== node2 ($NS2): ovs-vswitchd, ovt-br (monitor port ovt-m), underlay ovt-brp"
T1=$(now_ms)
# shellcheck disable=SC2016
if n2 'ovs_start "$OVS_DIR" && echo "ovs_start ${OVS_START_MS} ms" >"$OVS_DIR/../n2.start" &&
	ovs_add_br ovt-br && ovs_add_system_port ovt-br ovt-m 1 &&
	OVS_UNDERLAY_PORT='$RX_UNDERLAY' ovs_underlay ovt-brp ovt-u2 '$IP2/24; then
	pass "node2: vswitchd in $NS2 ($(cat "$BASE/n2.start")), ovt-br + system ovt-m, ovs_underlay ovt-brp ovt-u2 $IP2/24 in $(($(now_ms) - T1)) ms"
else
	fail "node2 setup"
	exit 1
fi

# two netdev datapaths, one per namespace: each has its own ovs-netdev tap
if ip -n $NS1 link show ovs-netdev >/dev/null 2>&1 && ip -n $NS2 link show ovs-netdev >/dev/null 2>&1 &&
	n1 'ovs_vsctl get Interface ovt-brp ofport' | grep -qx 65534 &&
	n2 'ovs_vsctl get Interface ovt-brp ofport' | grep -qx 65534; then
	pass "a netdev-datapath vswitchd in each namespace, each with its own ovs-netdev tap"
else
	fail "ovs-netdev taps: n1: $(ip -n $NS1 -br link show ovs-netdev 2>&1) n2: $(ip -n $NS2 -br link show ovs-netdev 2>&1)"
fi

T1=$(now_ms)
if n1 "ovs_tunnel_neigh ovt-brp $IP2"; then
	got=$(n1 'ovs_appctl tnl/neigh/show' | awk -v ip=$IP2 '$1 == ip { print $2 }')
	want=$(ip -n $NS2 link show ovt-brp | awk '/link\/ether/ { print $2 }')
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		pass "ovs_tunnel_neigh: $IP2 is at $got (node2's ovt-brp, not ovt-u2) in $(($(now_ms) - T1)) ms"
	else
		fail "ovs_tunnel_neigh: $IP2 at '${got:-none}', want node2's ovt-brp $want"
	fi
else
	fail "ovs_tunnel_neigh ovt-brp $IP2"
fi
pass "set-up (3 namespaces, 2 vswitchds, bridges, ports, underlay, neighbour) took $(($(now_ms) - T0)) ms"

# ------------------------------------------------------- argument checking
echo "== ovs_add_tunnel_port refusals and guards (node1)"
# expect_refused LABEL CODE PATTERN: CODE must fail, its stderr must match PATTERN
expect_refused() {
	local out
	if out=$(n1 "$2" 2>&1); then
		fail "$1: accepted"
	elif echo "$out" | grep -q -- "$3"; then
		pass "$1: refused ($(echo "$out" | grep -- "$3" | head -1 | sed 's/^ovs-lib: //'))"
	else
		fail "$1: refused, but not with '$3': $out"
	fi
	n1 'ovs_vsctl --if-exists del-port ovt-br ovt-x'
}
expect_refused "erspan_ver=3" "ovs_add_tunnel_port ovt-br ovt-x erspan $IP2 5 erspan_ver=3" "invalid erspan version: 3"
expect_refused "erspan session ID 2000" "ovs_add_tunnel_port ovt-br ovt-x erspan $IP2 2000 erspan_ver=1" "not 0..1023"
expect_refused "VNI 2^24" "ovs_add_tunnel_port ovt-br ovt-x vxlan $IP2 16777216" "not 0..16777215"
expect_refused "unknown option" "ovs_add_tunnel_port ovt-br ovt-x erspan $IP2 9 bogus=1" "unknown erspan argument 'bogus'"
expect_refused "unknown type" "ovs_add_tunnel_port ovt-br ovt-x foo $IP2 9" "not handled"
expect_refused "same type/remote/key twice" \
	"ovs_add_tunnel_port ovt-br ovt-y gre $IP2 77 && ovs_add_tunnel_port ovt-br ovt-x gre $IP2 77; rc=\$?; ovs_vsctl del-port ovt-y; exit \$rc" \
	"File exists"
if out=$(n1 "ovs_add_tunnel_port ovt-br ovt-x gre 10.99.0.1 5" 2>&1) && echo "$out" | grep -q "no route to 10.99.0.1"; then
	pass "unrouted remote_ip: port made, warned ($(echo "$out" | sed 's/^ovs-lib: //' | cut -c1-80)...)"
else
	fail "unrouted remote_ip: rc/stderr: $out"
fi
n1 'ovs_vsctl --if-exists del-port ovt-br ovt-x'
# shellcheck disable=SC2016
if out=$(OVS_DIR=$BASE/n1 OVS_DB=unix:$BASE/n1/db.sock ovs_add_system_port ovt-br lo 2>&1); then
	fail "ovs_add_system_port from the root namespace on node1's instance was accepted"
	n1 'ovs_vsctl --if-exists del-port ovt-br lo'
elif echo "$out" | grep -q "runs in network namespace $NS1"; then
	pass "netns guard: $(echo "$out" | head -1 | sed 's/^ovs-lib: //')"
else
	fail "netns guard: unexpected: $out"
fi

# --------------------------------------------------------------- the cases
# tshark display filters and outer header sizes (outer Ethernet + IPv4 + ...)
declare -A FILTER HDR
FILTER[vxlan]="udp.dstport == 4789 && vxlan.vni == 100"
HDR[vxlan]=50 # UDP 8 + VXLAN 8
FILTER[gre]="gre.proto == 0x6558 && gre.key == 101 && !erspan"
HDR[gre]=42 # GRE with key 8
FILTER[erspan1]="gre.proto == 0x88be && erspan.version == 1 && erspan.spanid == 102 && erspan.index == 7"
HDR[erspan1]=50 # GRE with sequence number 8 + ERSPAN type II 8
FILTER[erspan2]="gre.proto == 0x22eb && erspan.version == 2 && erspan.spanid == 103 && erspan.direction == 1 && erspan.hw == 5"
HDR[erspan2]=54 # GRE with sequence number 8 + ERSPAN type III 12
FIELDS=(-e vxlan.vni -e gre.key -e erspan.version -e erspan.spanid -e erspan.index -e erspan.direction -e erspan.hw)

install_flows() {
	n1 "ovs_ofctl del-flows ovt-br &&
		ovs_ofctl add-flow ovt-br priority=100,in_port=1,dl_vlan=5,actions=strip_vlan,output:2 &&
		ovs_ofctl add-flow ovt-br priority=10,in_port=1,actions=drop" || return 1
	[ "${1:-}" = n1only ] && return 0
	n2 "ovs_ofctl del-flows ovt-br && ovs_ofctl add-flow ovt-br priority=100,in_port=2,actions=output:1"
}

# run_case LABEL [rx-ovs|rx-kernel]: send, capture, compare
run_case() {
	local label=$1 rx=${2:-rx-ovs} exp=$BASE/$1.expected mon=$BASE/$1.mon.pcap u2=$BASE/$1.u2.pcap
	local tagged dropped rxp="" got total match line
	capture $NSM ovt-mp "$mon" || return 1
	capture $CAP_NS $CAP_IF "$u2" ip proto 47 or udp port 4789 || { stop_captures; return 1; }
	PACE=$PACE ip netns exec $NS1 python3 "$BASE/frames.py" send ovt-s 5 "$N" "$exp"
	ip netns exec $NS1 python3 "$BASE/frames.py" send ovt-s none 20
	ip netns exec $NS1 python3 "$BASE/frames.py" send ovt-s 8 30
	for _ in $(seq 50); do
		tagged=$(flow_packets n1 ovt-br 100)
		dropped=$(flow_packets n1 ovt-br 10)
		[ "$rx" = rx-ovs ] && rxp=$(flow_packets n2 ovt-br 100)
		[ "${tagged:-0}" -ge "$N" ] && [ "${dropped:-0}" -ge 50 ] &&
			{ [ "$rx" != rx-ovs ] || [ "${rxp:-0}" -ge "$N" ]; } && break
		sleep 0.1
	done
	sleep 0.5
	stop_captures
	if got=$(python3 "$BASE/frames.py" cmp "$mon" "$exp"); then
		pass "$label: $N VID-5 frames reached $NSM untagged, byte-identical, none extra ($got)"
	else
		fail "$label: $NSM capture differs: $got"
	fi
	if [ "${tagged:-}" = "$N" ] && [ "${dropped:-}" = 50 ] && { [ "$rx" != rx-ovs ] || [ "${rxp:-}" = "$N" ]; }; then
		pass "$label: n_packets node1 strip_vlan->tunnel=$tagged, drop=$dropped${rxp:+, node2 tunnel->monitor=$rxp}"
	else
		fail "$label: n_packets node1 strip_vlan->tunnel=${tagged:-?} (want $N), drop=${dropped:-?} (want 50)${rxp:+, node2 ${rxp} (want $N)}"
	fi
	total=$(tshark -r "$u2" 2>/dev/null | wc -l)
	match=$(tshark -r "$u2" -Y "ip.src == $IP1 && ip.dst == $IP2 && ${FILTER[$label]}" 2>/dev/null | wc -l)
	line=$(tshark -r "$u2" -c 1 -T fields -E separator=, -E occurrence=f "${FIELDS[@]}" 2>/dev/null |
		awk -F, '{ printf "vni=%s gre.key=%s erspan.version=%s spanid=%s index=%s dir=%s hwid=%s", $1, $2, $3, $4, $5, $6, $7 }')
	if [ "$total" = "$N" ] && [ "$match" = "$N" ]; then
		pass "$label: tshark on $CAP_IF decodes $match/$total packets as '${FILTER[$label]}' ($line)"
	else
		fail "$label: tshark on $CAP_IF: $match of $total packets match '${FILTER[$label]}' (want $N of $N; first: $line)"
	fi
	if got=$(python3 "$BASE/frames.py" inner "$u2" "${HDR[$label]}" "$exp"); then
		pass "$label: every underlay packet = ${HDR[$label]}-byte outer header + the expected frame ($got)"
	else
		fail "$label: underlay packets minus ${HDR[$label]} bytes differ from the expected frames: $got"
	fi
}

# tunnel LABEL TYPE KEY [OPTION=VALUE...]: the same tunnel port on both nodes
tunnel() {
	local label=$1 type=$2 key=$3 t
	shift 3
	t=$(now_ms)
	if n1 "ovs_vsctl --if-exists del-port ovt-br ovt-t && ovs_add_tunnel_port ovt-br ovt-t $type $IP2 $key $* ofport=2" &&
		n2 "ovs_vsctl --if-exists del-port ovt-br ovt-t && ovs_add_tunnel_port ovt-br ovt-t $type $IP1 $key $* ofport=2" &&
		install_flows; then
		pass "$label: ovs_add_tunnel_port ovt-br ovt-t $type <remote> $key ${*:+$* }ofport=2 on both nodes + flows in $(($(now_ms) - t)) ms"
		return 0
	fi
	fail "$label: tunnel ports/flows"
	return 1
}

echo "== vxlan"
tunnel vxlan vxlan 100 && run_case vxlan
echo "== gre"
tunnel gre gre 101 && run_case gre
echo "== erspan version 1"
tunnel erspan1 erspan 102 erspan_ver=1 erspan_idx=0x7 && run_case erspan1
echo "== erspan version 2"
tunnel erspan2 erspan 103 erspan_ver=2 erspan_dir=1 erspan_hwid=0x5 && run_case erspan2

# ------------------------------------------ kernel VXLAN as the receiver
echo "== vxlan received by the kernel's VXLAN device (external) in $NS2 instead of OVS"
if ovs_stop "$BASE/n2"; then # from the root namespace: re-runs inside ovt-n2
	remain=$(ip -n $NS2 -br link | awk '{ print $1 }' | grep -E '^(ovs-netdev|ovt-br|ovt-brp)$' | tr '\n' ' ')
	if [ -z "$remain" ] && ! pgrep -f -- "$BASE/n2/" >/dev/null && ip -n $NS1 link show ovs-netdev >/dev/null 2>&1; then
		pass "ovs_stop node2 (called from the root namespace): its taps are gone although node1's vswitchd has taps of the same names"
	else
		fail "ovs_stop node2 left: ${remain:-daemons}"
	fi
	if ip -n $NS2 link show ovt-u2 | grep -q NOARP; then
		fail "ovs_stop did not restore ARP on ovt-u2"
	fi
else
	fail "ovs_stop node2"
fi
FILTER[vxlan-kernel]=${FILTER[vxlan]}
HDR[vxlan-kernel]=${HDR[vxlan]}
if ip -n $NS2 link set ovt-u2 mtu 1600 &&
	ip -n $NS2 addr add $IP2/24 dev ovt-u2 &&
	ip -n $NS2 link add ovt-vx type vxlan external dstport 4789 &&
	ip -n $NS2 link set ovt-vx up &&
	ip netns exec $NS2 tc qdisc add dev ovt-vx clsact &&
	ip netns exec $NS2 tc filter add dev ovt-vx ingress protocol all u32 match u32 0 0 \
		action mirred egress redirect dev ovt-m &&
	ip -n $NS2 link set ovt-m up &&
	n1 "ovs_vsctl --if-exists del-port ovt-br ovt-t && ovs_add_tunnel_port ovt-br ovt-t vxlan $IP2 100 ofport=2" &&
	n1 "ovs_tunnel_neigh ovt-brp $IP2" && install_flows n1only; then
	pass "vxlan-kernel: $NS2: $IP2 on ovt-u2, ovt-vx (vxlan external dstport 4789) -> tc mirred -> ovt-m; node1 neighbour $(n1 'ovs_appctl tnl/neigh/show' | awk -v ip=$IP2 '$1 == ip { print $2 }')"
	run_case vxlan-kernel rx-kernel
else
	fail "vxlan-kernel: set-up"
fi

# ------------------------------------------------------------- teardown
echo "== teardown"
T1=$(now_ms)
if ovs_stop "$BASE/n1"; then
	remain=$(ip -n $NS1 -br link | awk '{ print $1 }' | grep -E '^(ovs-netdev|ovt-br|ovt-brp)$' | tr '\n' ' ')
	xdp=$(ip -n $NS1 link show ovt-sp | grep -c 'prog/xdp')
	if [ -z "$remain" ] && [ "$xdp" = 0 ] && ! pgrep -f -- "$BASE/" >/dev/null &&
		! ip -n $NS1 link show ovt-u1 | grep -q NOARP && ip -n $NS1 link show ovt-u1 | grep -q 'mtu 1500 '; then
		pass "ovs_stop node1: no daemons, taps or XDP left; ovt-u1 has ARP and MTU 1500 back"
	else
		fail "ovs_stop node1 left: taps '${remain}', xdp=$xdp, $(ip -n $NS1 -br link show ovt-u1)"
	fi
else
	fail "ovs_stop node1"
fi
for ns in $NS1 $NS2 $NSM; do
	ip netns del "$ns" || fail "ip netns del $ns"
done
echo "teardown: $(($(now_ms) - T1)) ms"

if [ "$FAILS" -eq 0 ]; then
	echo "ovs-tunnel-selfcheck: all passed"
	exit 0
fi
echo "ovs-tunnel-selfcheck: $FAILS failed"
exit 1
