#!/usr/bin/env bash
# Remote monitor through OVS tunnels (issue: ovs monitors with OVS tunnels):
# node1 and node2 are namespaces joined by an underlay veth, each with a
# private Open vSwitch (user-space datapath, no kernel GRE/ERSPAN here). On
# node1, vtapd's ovs monitor names an OVS tunnel port as its ovs_port: the
# copies of vm1's web traffic leave through GRE, ERSPAN v1, ERSPAN v2 and
# VXLAN in turn; node2's OVS decapsulates them onto the monitor VM's port. The
# monitor's frames equal the receiver's matching frames byte for byte, and
# tshark decodes the outer headers (GRE key, ERSPAN version and session ID,
# VXLAN VNI). OVS's per-session counter equals vtap's copies.
. "$(dirname "$0")/lib.sh"
LIB=$(cd "$(dirname "$0")/../.." && pwd)/scripts/ovs-lib.sh
N1=${VT_PREFIX}-n1 N2=${VT_PREFIX}-n2
IP1=192.168.99.1 IP2=192.168.99.2
D1=$VT_RUN/ovs1 D2=$VT_RUN/ovs2
mkdir -p "$D1" "$D2"
in_ns() { # NS DIR CODE: CODE in NS with ovs-lib and the instance DIR
	ip netns exec "$1" bash -c '. "$1" || exit 1; set -u; [ -z "$2" ] || ovs_use "$2" >/dev/null || exit 1; eval "$3"' \
		_ "$LIB" "$2" "$3"
}
o1() { in_ns "$N1" "$D1" "$1"; }
o2() { in_ns "$N2" "$D2" "$1"; }
cleanup() {
	if [ -n "${VPID:-}" ]; then
		kill -TERM "$VPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.1; done
	fi
	o1 'ovs_stop "$OVS_DIR"' >/dev/null 2>&1
	o2 'ovs_stop "$OVS_DIR"' >/dev/null 2>&1
	topo_down
}
trap cleanup EXIT
export OVS_PMD_MAXSLEEP=500
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ip netns add "$N1"; ip netns add "$N2"
for n in "$N1" "$N2"; do
	ip netns exec "$n" ip link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add u1 netns "$N1" type veth peer name u2 netns "$N2"
ip netns exec "$N1" ip link add br1 type bridge; ip netns exec "$N1" ip link set br1 up
vm() { # NAME NODE IP PORT
	ip netns add "${VT_PREFIX}-$1"
	ip link add "$4" netns "$2" type veth peer name eth0 netns "${VT_PREFIX}-$1"
	nsx "$1" ip link set lo up; nsx "$1" ip link set eth0 up
	[ -n "$3" ] && nsx "$1" ip addr add "$3/24" dev eth0
	nsx "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip netns exec "$2" ip link set "$4" up
	nsx "$1" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
}
vm vm1 "$N1" 10.77.0.1 vm1p; vm vm2 "$N1" 10.77.0.2 vm2p; vm mon "$N2" "" monp
ip netns exec "$N1" ip link set vm1p master br1; ip netns exec "$N1" ip link set vm2p master br1
m1=$(nsx vm1 cat /sys/class/net/eth0/address); m2=$(nsx vm2 cat /sys/class/net/eth0/address)
nsx vm1 ip neigh replace 10.77.0.2 lladdr "$m2" dev eth0 nud permanent
nsx vm2 ip neigh replace 10.77.0.1 lladdr "$m1" dev eth0 nud permanent

check "node1: OVS (user-space datapath) with bridge obr and underlay bridge brp ($IP1, MTU 1600)" \
	o1 'ovs_start "$OVS_DIR" >/dev/null && ovs_add_br obr >/dev/null && ovs_underlay brp u1 '$IP1'/24 1600 >/dev/null'
# node2's underlay an AF_XDP port: a system port's socket loses bursts here
check "node2: OVS with the monitor's port and its underlay ($IP2)" \
	o2 'ovs_start "$OVS_DIR" >/dev/null && ovs_add_br obr >/dev/null && ovs_add_system_port obr monp 1 >/dev/null && OVS_UNDERLAY_PORT=afxdp ovs_underlay brp u2 '$IP2'/24 1600 >/dev/null'
check "node1 knows node2's tunnel end" o1 "ovs_tunnel_neigh brp $IP2 >/dev/null"

mkdir -p "$VT_RUN/p1"
cat >"$VT_RUN/p1/tap.yaml" <<YAML
monitors:
  - { name: far, type: ovs, port: vts, bridge: obr, ovs_port: tun, datapath: afxdp }
policies:
  - name: web
    source: { ports: [vm1p] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: far
YAML

# tunnel TYPE KEY OPTIONS...: the same tunnel port "tun" (ofport 2) on both
# nodes; node2 outputs what it decapsulates to the monitor's port
tunnel() {
	local type=$1 key=$2; shift 2
	o1 "ovs_vsctl --if-exists del-port obr tun && ovs_add_tunnel_port obr tun $type $IP2 $key $* ofport=2 >/dev/null" &&
		o2 "ovs_vsctl --if-exists del-port obr tun && ovs_add_tunnel_port obr tun $type $IP1 $key $* ofport=2 >/dev/null && ovs_ofctl del-flows obr && ovs_ofctl add-flow obr in_port=2,actions=output:1"
}

VPID=
round() { # LABEL TSHARK_CHECK
	local label=$1 filter=$2
	capture_start vm2 "$VT_RUN/vm2-$label.pcap" tcp port 80
	capture_start mon "$VT_RUN/mon-$label.pcap"
	ip netns exec "$N1" tcpdump -i u1 -nn -U --immediate-mode -s 0 -B 16384 -w "$VT_RUN/ul-$label.pcap" 'ip proto 47 or udp port 4789' 2>/dev/null &
	local ul=$!
	sleep 0.5
	nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 2 &
	local srv=$!
	sleep 0.3
	for i in 1 2; do nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null; done
	wait $srv 2>/dev/null
	capture_stop
	kill -TERM $ul; wait $ul 2>/dev/null
	local n_vm2 n_mon n_ul
	n_vm2=$(count "$VT_RUN/vm2-$label.pcap"); n_mon=$(count "$VT_RUN/mon-$label.pcap")
	n_ul=$(tshark -r "$VT_RUN/ul-$label.pcap" -Y "$filter" 2>/dev/null | wc -l)
	diag "[$label] vm2 saw $n_vm2 port-80 frames, the monitor on node2 $n_mon; underlay packets matching '$filter': $n_ul"
	check "[$label] monitor (node2) capture equals the receiver's matching frames byte for byte" \
		same_frames "$VT_RUN/vm2-$label.pcap" "$VT_RUN/mon-$label.pcap"
	check "[$label] tshark decodes every copy on the underlay as $filter" \
		test "$n_ul" -eq "$n_mon" -a "$n_mon" -gt 10
}

check "gre tunnel ports on both nodes" tunnel gre 101
check "vtapd on node1 starts; its ovs monitor's port is the tunnel" bash -c '
	ip netns exec '"$N1"' env OVS_RUNDIR='"$D1"' '"$VTAPD"' --policy-dir '"$VT_RUN/p1"' \
		--pin-root /sys/fs/bpf/'"${VT_PREFIX}-ot-$$"' --socket '"$VT_RUN/v1.sock"' 2>>'"$VT_RUN/vtapd.log"' &
	echo $! >'"$VT_RUN/v1.pid"'
	for i in $(seq 400); do [ -S '"$VT_RUN/v1.sock"' ] && exit 0; sleep 0.05; done; exit 1'
VPID=$(cat "$VT_RUN/v1.pid")
for _ in $(seq 100); do
	[ "$(o1 'ovs_ofctl dump-flows obr' | grep -c 'dl_vlan=')" -ge 1 ] && break
	sleep 0.1
done
check "node1: one session rule outputs web's copies to the tunnel port" \
	bash -c "ip netns exec $N1 env OVS_RUNDIR=$D1 ovs-ofctl dump-flows obr | grep 'dl_vlan=' | grep -q 'strip_vlan,output:2'"
round gre "gre.key == 101 && ip.dst == $IP2"
check "erspan v1 tunnel ports (session 102)" tunnel erspan 102 erspan_ver=1 erspan_idx=0x7
round erspan1 "erspan.version == 1 && erspan.spanid == 102"
check "erspan v2 tunnel ports (session 103)" tunnel erspan 103 erspan_ver=2 erspan_dir=1 erspan_hwid=0x5
round erspan2 "erspan.version == 2 && erspan.spanid == 103"
check "vxlan tunnel ports (VNI 100)" tunnel vxlan 100
round vxlan "vxlan.vni == 100 && udp.dstport == 4789"
copies=$("$VTAPCTL" --socket "$VT_RUN/v1.sock" stats web --json | json_of '.policies[] | select(.name == "web") | .copies')
flows=$(ip netns exec "$N1" env OVS_RUNDIR="$D1" ovs-ofctl dump-flows obr | grep 'dl_vlan=' | sed 's/.*n_packets=\([0-9]*\).*/\1/')
diag "vtap copies $copies; node1 OVS session rule n_packets $flows"
check "node1: OVS's session counter == vtap's copies" test "${flows:-0}" -eq "$copies" -a "$copies" -gt 200
# vtapd is not this shell's child (started by bash -c): wait for it to go
kill -TERM "$VPID"
for _ in $(seq 100); do kill -0 "$VPID" 2>/dev/null || break; sleep 0.1; done
VPID=
check "vtapd's stop removed its port and rules from node1's OVS" \
	test "$(ip netns exec "$N1" env OVS_RUNDIR="$D1" ovs-ofctl dump-flows obr | grep -c 'dl_vlan=')" -eq 0
tap_end
