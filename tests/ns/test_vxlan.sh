#!/usr/bin/env bash
# Remote monitor (§6.3): node1 and node2 are namespaces joined by an underlay
# veth, each with its own vtapd (own pin root and socket). vm1 and vm2 sit on
# node1's bridge; the monitor VM is on node2. node1's vtapd sends copies of
# vm1's web traffic through its VXLAN device (external mode: the sink program
# sets remote + VNI on the copy only); node2's vtapd, given a receive
# section, delivers VNI 4242 to the monitor's port. The monitor's frames
# equal the receiver's matching frames byte for byte; the underlay carries
# VXLAN (UDP 4789, VNI 4242) as tshark decodes it; counters agree on both
# nodes; copies are cut to fit the underlay MTU and counted; GSO traffic
# (iperf3) arrives whole and well formed.
. "$(dirname "$0")/lib.sh"
N1=${VT_PREFIX}-n1 N2=${VT_PREFIX}-n2
cleanup() {
	for pid in ${VPIDS:-}; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	topo_down
}
trap cleanup EXIT
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
ip netns add "$N1"; ip netns add "$N2"
n1() { ip netns exec "$N1" "$@"; }
n2() { ip netns exec "$N2" "$@"; }
for n in "$N1" "$N2"; do ip netns exec "$n" ip link set lo up; done
ip link add u1 netns "$N1" type veth peer name u2 netns "$N2"
n1 ip addr add 192.168.88.1/24 dev u1; n1 ip link set u1 mtu 1600 up
n2 ip addr add 192.168.88.2/24 dev u2; n2 ip link set u2 mtu 1600 up
n1 ip link add br1 type bridge; n1 ip link set br1 up
# VMs: namespaces with eth0, host ports vm1p/vm2p in node1, monp in node2
vm() { # NAME NODE IP PORT
	ip netns add "${VT_PREFIX}-$1"
	ip link add "$4" netns "$2" type veth peer name eth0 netns "${VT_PREFIX}-$1"
	nsx "$1" ip link set lo up; nsx "$1" ip link set eth0 up
	[ -n "$3" ] && nsx "$1" ip addr add "$3/24" dev eth0
	ip netns exec "$2" ip link set "$4" up
	nsx "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip netns exec "$2" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1"
}
vm vm1 "$N1" 10.77.0.1 vm1p; vm vm2 "$N1" 10.77.0.2 vm2p; vm mon "$N2" "" monp
n1 ip link set vm1p master br1; n1 ip link set vm2p master br1
m1=$(nsx vm1 cat /sys/class/net/eth0/address); m2=$(nsx vm2 cat /sys/class/net/eth0/address)
nsx vm1 ip neigh replace 10.77.0.2 lladdr "$m2" dev eth0 nud permanent
nsx vm2 ip neigh replace 10.77.0.1 lladdr "$m1" dev eth0 nud permanent
for v in vm1 vm2; do nsx $v ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done

mkdir -p "$VT_RUN/p1" "$VT_RUN/p2"
cat >"$VT_RUN/p1/tap.yaml" <<YAML
monitors:
  - { name: far, type: vxlan, remote: 192.168.88.2, vni: 4242 }
policies:
  - name: web
    source: { ports: [vm1p] }
    direction: both
    match: { protocol: tcp, dst_ports: [80, 5201] }
    monitor: far
YAML
cat >"$VT_RUN/p2/recv.yaml" <<YAML
receive:
  - { vni: 4242, port: monp }
YAML
VPIDS=
# vtapd_on NODE N EXTRA...: a vtapd inside the node's namespace
vtapd_on() {
	local node=$1 n=$2; shift 2
	ip netns exec "$node" "$VTAPD" --policy-dir "$VT_RUN/p$n" --pin-root "/sys/fs/bpf/${VT_PREFIX}-vx$n-$$" \
		--socket "$VT_RUN/vtapd$n.sock" "$@" 2>>"$VT_RUN/vtapd$n.log" &
	eval "VPID$n=$!"
	VPIDS="$VPIDS $!"
	for _ in $(seq 400); do [ -S "$VT_RUN/vtapd$n.sock" ] && return 0; sleep 0.05; done
	sed 's/^/# /' "$VT_RUN/vtapd$n.log"; return 1
}
ctl_on() { local n=$1; shift; "$VTAPCTL" --socket "$VT_RUN/vtapd$n.sock" "$@"; }

check "node1's vtapd starts (vxlan monitor, --underlay-mtu 1600)" vtapd_on "$N1" 1 --underlay-mtu 1600
check "node2's vtapd starts (receive section)" vtapd_on "$N2" 2
sleep 0.3
check "node1: vtap-vxlan is external (collect_md), UDP 4789, carries the sink program" \
	bash -c "ip netns exec $N1 ip -d link show vtap-vxlan | grep -q 'external' && ip netns exec $N1 ip -d link show vtap-vxlan | grep -q 'dstport 4789' && ip netns exec $N1 $OUT/tools/tcx_progs vtap-vxlan | grep -q '^vtap_sink '"
check "node2: vtap-vxlan carries vtap_rx on ingress" \
	bash -c "ip netns exec $N2 tc filter show dev vtap-vxlan ingress | grep -q vtap_rx"

capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
capture_start mon "$VT_RUN/mon.pcap"
n2 tcpdump -i u2 -nn -U --immediate-mode -s 0 -B 16384 -w "$VT_RUN/underlay.pcap" udp port 4789 2>"$VT_RUN/ul.log" &
ULPID=$!
sleep 0.5
nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
SRV=$!
sleep 0.3
for i in 1 2 3; do nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null; done
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
wait $SRV 2>/dev/null
capture_stop
kill -TERM $ULPID; wait $ULPID 2>/dev/null
n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "vm2 saw $n_vm2 port-80 frames; the monitor on node2 $n_mon"
check "the receiver saw port-80 traffic" test "$n_vm2" -gt 10
check "monitor (node2) capture equals the receiver's (node1) matching frames byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/mon.pcap"
vnis=$(tshark -r "$VT_RUN/underlay.pcap" -d udp.port==4789,vxlan -T fields -e vxlan.vni -e udp.dstport 2>/dev/null | sort | uniq -c | awk '{print $2 "/" $3 "=" $1}' | tr '\n' ' ')
diag "underlay: VNI/port=count: $vnis"
check "the underlay carries VXLAN to UDP 4789 with VNI 4242 only, one packet per copy" \
	test "$vnis" = "4242/4789=$n_mon "
copies=$(ctl_on 1 stats web --json | json_of '.policies[] | select(.name == "web") | .copies')
recv=$(ctl_on 2 stats --json | json_of '.receive[] | select(.vni == 4242) | .delivered')
diag "node1 copies $copies; node2 delivered $recv"
diag "node2 vtap-vxlan: $(n2 ip -s link show vtap-vxlan | tr -s ' \n' ' ')"
diag "node2 stats: $(ctl_on 2 stats --json)"
check "counters: node1's copies == node2's delivered == the monitor's frames" \
	test "$copies" -eq "$n_mon" -a "$recv" -eq "$n_mon"

# GSO: iperf3 with offloads on, 40 Mbit/s for 2 s; the monitor gets every byte
for v in vm1 vm2; do nsx $v ethtool -K eth0 tso on gso on gro on >/dev/null 2>&1; done
nsx vm2 iperf3 -s -1 -B 10.77.0.2 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
capture_start vm2 "$VT_RUN/vm2-gso.pcap" tcp port 5201
capture_start mon "$VT_RUN/mon-gso.pcap" tcp port 5201
nsx vm1 iperf3 -c 10.77.0.2 -t 2 -b 40M >/dev/null 2>&1
wait $SRV 2>/dev/null
capture_stop
sum() { tshark -r "$1" -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
s_vm2=$(sum "$VT_RUN/vm2-gso.pcap"); s_mon=$(sum "$VT_RUN/mon-gso.pcap")
max_vm2=$(tshark -r "$VT_RUN/vm2-gso.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
max_mon=$(tshark -r "$VT_RUN/mon-gso.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
bad=$(tshark -r "$VT_RUN/mon-gso.pcap" -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | wc -l)
diag "GSO: TCP payload at vm2 $s_vm2, at the monitor $s_mon; largest frame vm2 $max_vm2, monitor $max_mon; malformed $bad"
check "GSO: the remote monitor gets the same TCP payload as the receiver, frames no larger than the receiver's, none malformed" \
	test "$s_vm2" -gt 5000000 -a "$s_mon" -eq "$s_vm2" -a "${max_mon:-0}" -le "${max_vm2:-0}" -a "$bad" -eq 0

# MTU: an underlay of 1500 and the default --underlay-mtu 1500: a full-size
# copy (1514 bytes) cannot travel whole; it is cut to 1464 (+50 = 1514 on the
# underlay) and counted
kill -TERM "$VPID1"; wait "$VPID1" 2>/dev/null
check "node1's vtapd removed its VXLAN device on stop" bash -c "! ip netns exec $N1 ip link show vtap-vxlan 2>/dev/null"
n1 ip link set u1 mtu 1500; n2 ip link set u2 mtu 1500
check "node1's vtapd starts again (default --underlay-mtu 1500)" vtapd_on "$N1" 1
sleep 0.3
for v in vm1 vm2; do nsx $v ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done
capture_start vm2 "$VT_RUN/vm2-mtu.pcap" tcp port 80
capture_start mon "$VT_RUN/mon-mtu.pcap"
web_gets 1
capture_stop
full=$(tcpdump -r "$VT_RUN/vm2-mtu.pcap" -nn 'greater 1514' 2>/dev/null | wc -l)
max=$(tshark -r "$VT_RUN/mon-mtu.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
n_mon=$(count "$VT_RUN/mon-mtu.pcap"); n_vm2=$(count "$VT_RUN/vm2-mtu.pcap")
too_big=$(ctl_on 1 stats --json | json_of '.sinks[0].too_big')
diag "vm2: $n_vm2 frames, $full of 1514 bytes; monitor: $n_mon frames, largest $max; node1 sink too_big $too_big"
diag "node1 stats: $(ctl_on 1 stats --json)"
diag "node1 vtap-vxlan: $(n1 ip -s link show vtap-vxlan | tr -s ' \n' ' ')"
check "copies of 1514-byte frames reach the monitor cut to 1464 bytes, each cut counted" \
	test "$full" -gt 5 -a "$n_mon" -eq "$n_vm2" -a "${max:-0}" -eq 1464 -a "$too_big" -eq "$full"
tap_end
