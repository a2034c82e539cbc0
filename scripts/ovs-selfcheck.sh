#!/usr/bin/env bash
# ovs-selfcheck.sh: end-to-end check of scripts/ovs-lib.sh with real frames.
#   (a) plain ovs-vswitchd, netdev bridge: veth ovhA/ovhB, ovhB an afxdp port;
#       ovhM a system port whose peer ovhMp is in namespace ovhmon
#   (b) ovs-vswitchd-dpdk, netdev bridge: ovhB a DPDK net_af_xdp port; monitor
#       ovhM as a system port, then as a DPDK net_af_xdp port
#   (c) both at once (the plain one on datapath_type=dummy; a second netdev
#       datapath in one namespace is refused, which is checked too)
# Flows: in_port=<ovhB>,dl_vlan=7 -> strip_vlan,output:<monitor>; lower
# priority in_port=<ovhB> -> drop. VID-7 frames must reach ovhmon untagged and
# otherwise byte-identical, in number; untagged and VID-8 frames must not, and
# the flows' n_packets must count both kinds.
# Prints PASS/FAIL lines; exit status 0 only if all passed. Needs root.
# Everything it creates (ovh* interfaces, namespace ovhmon, /tmp/ovh-selfcheck.*)
# is removed on exit, also on failure or Ctrl-C.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ovs-lib.sh
. "$HERE/ovs-lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "ovs-selfcheck: needs root" >&2; exit 1; }
for c in ovsdb-server ovs-vsctl tcpdump python3 ip; do
	command -v "$c" >/dev/null || { echo "ovs-selfcheck: $c missing (scripts/deps.sh)" >&2; exit 1; }
done

N=${OVS_SELFCHECK_FRAMES:-1000}
NS=ovhmon
BASE=$(mktemp -d /tmp/ovh-selfcheck.XXXXXX)
FAILS=0
TCPDUMP_PID=

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$TCPDUMP_PID" ]; then
		kill "$TCPDUMP_PID" 2>/dev/null
		wait "$TCPDUMP_PID" 2>/dev/null
	fi
	local d
	for d in "$BASE"/*/; do
		[ -d "$d" ] && ovs_stop "$d"
	done
	for d in ovhA ovhC ovhM ovhN; do
		ip link del "$d" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$BASE/frames.py" <<'EOF'
import socket, struct, sys

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

cmd = sys.argv[1]
if cmd == 'send':                       # send IFACE VID|none COUNT [EXPECTED]
    ifn, vid, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifn, 0))
    out, exp = frames(vid, n)
    for f in out:
        s.send(f)
    if len(sys.argv) > 5:
        open(sys.argv[5], 'w').write(''.join(e.hex() + '\n' for e in exp))
elif cmd == 'count':                    # count PCAP
    print(len(pcap(sys.argv[2])))
elif cmd == 'cmp':                      # cmp PCAP EXPECTED
    got = pcap(sys.argv[2])
    exp = [bytes.fromhex(x) for x in open(sys.argv[3]).read().split()]
    bad = next((i for i, (g, e) in enumerate(zip(got, exp)) if g != e), None)
    print('got %d expected %d first-difference %s' % (len(got), len(exp), bad))
    sys.exit(0 if got == exp else 1)
EOF

veth() { # A B: a veth pair with IPv6 off (no kernel chatter in the captures)
	ip link add "$1" type veth peer name "$2" || return 1
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" "net.ipv6.conf.$2.disable_ipv6=1"
	ip link set "$1" up && ip link set "$2" up
}

monitor_veth() { # HOSTSIDE NSSIDE: peer moved into $NS
	veth "$1" "$2" || return 1
	ip link set "$2" netns "$NS" || return 1
	ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$NS" link set "$2" up
}

flow_packets() { # BR PRIORITY
	ovs_ofctl dump-flows "$1" | sed -n "s/.*n_packets=\([0-9]*\),.*priority=$2[,\ ].*/\1/p"
}

# run_case LABEL BR IN_OFPORT OUT_OFPORT SEND_IFACE CAPTURE_IFACE(in $NS)
run_case() {
	local label=$1 br=$2 in=$3 out=$4 sif=$5 cif=$6 cap exp i got tagged dropped
	cap=$BASE/$label.pcap
	exp=$BASE/$label.expected
	if ! ovs_ofctl del-flows "$br" ||
		! ovs_ofctl add-flow "$br" "priority=100,in_port=$in,dl_vlan=7,actions=strip_vlan,output:$out" ||
		! ovs_ofctl add-flow "$br" "priority=10,in_port=$in,actions=drop"; then
		fail "$label: installing flows"
		return 1
	fi
	# -s 2048: with --immediate-mode libpcap sizes ring slots by the snaplen;
	# the default 262144 leaves ~8 slots in the 2 MB buffer and drops bursts.
	ip netns exec "$NS" tcpdump -i "$cif" --immediate-mode -s 2048 -B 16384 -U -w "$cap" \
		2>"$cap.err" &
	TCPDUMP_PID=$!
	for i in $(seq 50); do
		grep -q 'listening on' "$cap.err" 2>/dev/null && break
		sleep 0.1
	done
	python3 "$BASE/frames.py" send "$sif" 7 "$N" "$exp"
	python3 "$BASE/frames.py" send "$sif" none 20
	python3 "$BASE/frames.py" send "$sif" 8 30
	# wait for the datapath and for the flow statistics (revalidator) to settle
	for i in $(seq 50); do
		tagged=$(flow_packets "$br" 100)
		dropped=$(flow_packets "$br" 10)
		[ "${tagged:-0}" -ge "$N" ] && [ "${dropped:-0}" -ge 50 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -INT "$TCPDUMP_PID" 2>/dev/null
	wait "$TCPDUMP_PID" 2>/dev/null
	TCPDUMP_PID=
	if got=$(python3 "$BASE/frames.py" cmp "$cap" "$exp"); then
		pass "$label: $N VID-7 frames arrived untagged, byte-identical, none extra ($got)"
	else
		fail "$label: capture differs: $got"
	fi
	if [ "${tagged:-}" = "$N" ] && [ "${dropped:-}" = 50 ]; then
		pass "$label: n_packets strip_vlan flow=$tagged, drop flow=$dropped (20 untagged + 30 VID 8)"
	else
		fail "$label: n_packets strip_vlan flow=${tagged:-?} (want $N), drop flow=${dropped:-?} (want 50)"
	fi
}

# leftovers_gone LABEL: no tap of a netdev datapath, no XDP on the AF_XDP veths
leftovers_gone() {
	local ok=1 i
	for i in ovs-netdev ovhbr0 ovhbr1 ovhbr2; do
		[ -e "/sys/class/net/$i" ] && { fail "$1: $i still exists after ovs_stop"; ok=0; }
	done
	for i in ovhB ovhD ovhM ovhN; do
		[ -e "/sys/class/net/$i" ] || continue
		ip link show dev "$i" | grep -q 'prog/xdp' && { fail "$1: XDP program left on $i"; ok=0; }
	done
	pgrep -f -- "$BASE/$1/" >/dev/null && { fail "$1: daemons still running"; ok=0; }
	[ $ok = 1 ] && pass "$1: ovs_stop left no daemons, taps or XDP programs"
}

ip netns add "$NS" || { fail "ip netns add $NS"; exit 1; }
ip -n "$NS" link set lo up
if ! veth ovhA ovhB || ! veth ovhC ovhD || ! monitor_veth ovhM ovhMp || ! monitor_veth ovhN ovhNp; then
	fail "creating veth pairs"
	exit 1
fi

echo "== (a) plain ovs-vswitchd, datapath_type=netdev, afxdp port"
if ovs_start "$BASE/plain"; then
	pass "plain: ovs_start ${OVS_START_MS} ms"
	if ovs_add_br ovhbr0 && ovs_add_afxdp_port ovhbr0 ovhB 1 && ovs_add_system_port ovhbr0 ovhM 2; then
		run_case plain ovhbr0 1 2 ovhA ovhMp
	else
		fail "plain: bridge/ports"
	fi
	ovs_stop "$BASE/plain" || fail "plain: ovs_stop"
	leftovers_gone plain
else
	fail "plain: ovs_start"
fi

echo "== (b) ovs-vswitchd-dpdk, datapath_type=netdev, net_af_xdp port"
if ovs_start "$BASE/dpdk" dpdk; then
	pass "dpdk: ovs_start ${OVS_START_MS} ms"
	if ovs_add_br ovhbr1 && ovs_add_dpdk_afxdp_port ovhbr1 ovhB ovhxB 1 &&
		ovs_add_system_port ovhbr1 ovhM 2; then
		run_case dpdk ovhbr1 1 2 ovhA ovhMp
		if ovs_vsctl del-port ovhbr1 ovhM && ovs_add_dpdk_afxdp_port ovhbr1 ovhM ovhxM 3; then
			run_case dpdk-afxdp-monitor ovhbr1 1 3 ovhA ovhMp
		else
			fail "dpdk: monitor as net_af_xdp port"
		fi
	else
		fail "dpdk: bridge/ports"
	fi
	ovs_stop "$BASE/dpdk" || fail "dpdk: ovs_stop"
	leftovers_gone dpdk
else
	fail "dpdk: ovs_start"
fi

echo "== (c) plain and DPDK instances at the same time"
if ovs_start "$BASE/dpdk2" dpdk && ovs_add_br ovhbr1 && ovs_add_dpdk_afxdp_port ovhbr1 ovhD ovhxD 1 &&
	ovs_add_system_port ovhbr1 ovhN 2; then
	pass "dpdk2: ovs_start ${OVS_START_MS} ms"
	# A second netdev datapath in this namespace must be refused ("ovs-netdev:
	# creating tap device failed: Device or resource busy").
	if ovs_start "$BASE/netdev2"; then
		if ovs_add_br ovhbr2 2>/dev/null; then
			fail "netdev2: a second netdev datapath was accepted (ovs-lib's comment is wrong)"
		else
			pass "netdev2: a second netdev datapath in one netns is refused, as documented"
		fi
		ovs_stop "$BASE/netdev2"
		if [ -e /sys/class/net/ovs-netdev ]; then
			pass "netdev2: ovs_stop kept the ovs-netdev tap dpdk2 still uses"
		else
			fail "netdev2: ovs_stop deleted the ovs-netdev tap dpdk2 still uses"
		fi
	fi
	if OVS_DP_TYPE=dummy ovs_start "$BASE/plain2"; then
		pass "plain2 (dummy datapath): ovs_start ${OVS_START_MS} ms"
		if ovs_add_br ovhbr0 && ovs_add_afxdp_port ovhbr0 ovhB 1 && ovs_add_system_port ovhbr0 ovhM 2; then
			run_case plain2 ovhbr0 1 2 ovhA ovhMp
			ovs_use "$BASE/dpdk2"
			run_case dpdk2 ovhbr1 1 2 ovhC ovhNp
		else
			fail "plain2: bridge/ports"
		fi
	else
		fail "plain2: ovs_start"
	fi
	ovs_stop "$BASE/plain2" || fail "plain2: ovs_stop"
	ovs_stop "$BASE/dpdk2" || fail "dpdk2: ovs_stop"
	leftovers_gone plain2
	leftovers_gone dpdk2
else
	fail "dpdk2: start with bridge and ports"
fi

if [ "$FAILS" -eq 0 ]; then
	echo "ovs-selfcheck: all passed"
	exit 0
fi
echo "ovs-selfcheck: $FAILS failed"
exit 1
