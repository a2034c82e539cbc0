#!/usr/bin/env bash
# vtap-dpdk toward a remote monitor: copies of vm1's web traffic leave the
# --vxlan port (net_af_xdp on a veth to the "monitor host" n2) in VXLAN, the
# kernel path's wire format (UDP 4789, the monitor's VNI, TTL 64, UDP
# checksum 0). n2 decapsulates with a plain kernel VXLAN device: the frames
# it yields equal the matching frames captured at vm2, byte for byte; the
# counters agree; a policy whose monitor cannot be reached counts failures;
# each datagram has an IPv4 ID of its own; a group whose member is a vxlan
# monitor sends through that member's tunnel.
: "${VT_PREFIX:=vdx}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dpdk-lib.sh"
cleanup() { vdp_stop; topo_down; }
trap cleanup EXIT
dpdk_wire_up
U=${VT_PREFIX}-u1 N2=${VT_PREFIX}-n2
# the monitor's host: an underlay address and a kernel VXLAN device
ip netns add "$N2"
ip link add "$U" mtu 1600 type veth peer name eth0 netns "$N2"
sysctl -qw "net.ipv6.conf.$U.disable_ipv6=1"
ip link set "$U" up
nsx n2 ip link set lo up
nsx n2 ip link set eth0 mtu 1600 up
nsx n2 ip addr add 192.0.2.2/24 dev eth0
nsx n2 ip link add vx0 type vxlan id 4242 dstport 4789 local 192.0.2.2 nolearning
nsx n2 sysctl -qw net.ipv6.conf.vx0.disable_ipv6=1
# the monitor host hands on each decapsulated frame as it came: no GRO on
# vx0, which could merge two copies of one flow's segments into one frame
nsx n2 ethtool -K vx0 gro off >/dev/null
nsx n2 ip link set vx0 up
gw=$(nsx n2 cat /sys/class/net/eth0/address)

cat >"$VT_POL/far.yaml" <<YAML
monitors:
  - { name: far, type: vxlan, remote: 192.0.2.2, vni: 4242 }
  - { name: nowhere, type: local, port: ${VT_PREFIX}-none }
policies:
  - name: web
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: far
  - name: pings
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: nowhere
YAML
check "vtap-dpdk starts with a --vxlan underlay port" \
	vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
	--vxlan "$(xdp 2 "$U")" --vxlan-local 192.0.2.1 --vxlan-gw "$gw" --underlay-mtu 1600
check "the monitor it has no port for is named in a warning" \
	grep -q "monitor nowhere (local ${VT_PREFIX}-none) is not a --monitor port" "$VT_RUN/vdp.log"

capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
capture_start n2 "$VT_RUN/outer.pcap" udp port 4789
capture_on n2 vx0 "$VT_RUN/inner.pcap"
web_traffic
capture_stop
check "no capture lost a frame (vm2, the underlay, vx0)" \
	captures_complete "$VT_RUN/vm2.pcap" "$VT_RUN/outer.pcap" "$VT_RUN/inner.pcap"

n_vm2=$(count "$VT_RUN/vm2.pcap"); n_in=$(count "$VT_RUN/inner.pcap")
# (tcpdump prints a VXLAN datagram on two lines: count frames with tshark)
n_out=$(tshark -r "$VT_RUN/outer.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
diag "vm2 saw $n_vm2 matching frames; n2 got $n_out VXLAN datagrams, $n_in frames out of vx0"
check "the receiver saw matching traffic" test "$n_vm2" -gt 10
check "decapsulated copies equal the receiver's matching frames byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/inner.pcap"
check "every datagram on the underlay is one copy" test "$n_out" -eq "$n_in"
fmt=$(tshark -r "$VT_RUN/outer.pcap" -T fields -E occurrence=f -e ip.src -e ip.dst -e ip.ttl -e udp.dstport \
	-e udp.checksum -e vxlan.flags -e vxlan.vni 2>/dev/null | sort -u)
diag "outer headers: $fmt"
check "the kernel path's wire format: 192.0.2.1 -> 192.0.2.2, TTL 64, UDP 4789 checksum 0, I flag, VNI 4242" \
	test "$fmt" = "$(printf '192.0.2.1\t192.0.2.2\t64\t4789\t0x0000\t0x0800\t4242')"
n_ids=$(tshark -r "$VT_RUN/outer.pcap" -T fields -e ip.id 2>/dev/null | sort -u | wc -l)
check "each datagram has an IPv4 ID of its own, as the kernel's ($n_ids of $n_out)" test "$n_ids" -eq "$n_out"
matched=$(dstat web matched_pkts); copies=$(dstat web copies); failed=$(dstat web copy_fail)
diag "vtapctl: web matched $matched, copies $copies, failed $failed"
check "counters: matched == copies == frames out of vx0" \
	test "$matched" -eq "$n_in" -a "$copies" -eq "$n_in" -a "$failed" -eq 0
pm=$(dstat pings matched_pkts); pf=$(dstat pings copy_fail)
check "copies for a monitor without a port are counted as failures ($pf of $pm)" \
	test "$pm" -ge 3 -a "$pf" -eq "$pm"

# ---- the default underlay MTU (1500): full-size copies no longer fit once
# encapsulated; they are cut to 1464 bytes and counted, never dropped
# rerun TAG WHAT MONITOR [VDP ARGS]: vtap-dpdk restarted with policy web
# (vm1's port 80, both ways) to MONITOR, far and group g of far defined;
# the web traffic captured at vm2 and out of vx0 as vm2TAG/innerTAG.pcap
rerun() {
	local tag=$1 what=$2 mon=$3
	shift 3
	vdp_stop
	cat >"$VT_POL/far.yaml" <<YAML
monitors:
  - { name: far, type: vxlan, remote: 192.0.2.2, vni: 4242 }
  - { name: g, type: group, members: [far] }
policies:
  - { name: web, source: { ports: [${VT_PREFIX}-vm1] }, direction: both,
      match: { protocol: tcp, dst_ports: [80] }, monitor: $mon }
YAML
	check "vtap-dpdk restarts $what" \
		vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
		--vxlan "$(xdp 2 "$U")" --vxlan-local 192.0.2.1 --vxlan-gw "$gw" "$@"
	capture_start vm2 "$VT_RUN/vm2$tag.pcap" tcp port 80
	capture_on n2 vx0 "$VT_RUN/inner$tag.pcap"
	web_traffic
	capture_stop
	check "no capture lost a frame (vm2, vx0)" \
		captures_complete "$VT_RUN/vm2$tag.pcap" "$VT_RUN/inner$tag.pcap"
}
rerun b "with the default underlay MTU" far
big=$(tshark -r "$VT_RUN/vm2b.pcap" -T fields -e frame.len 2>/dev/null | awk '$1 > 1464' | wc -l)
cut=$(tshark -r "$VT_RUN/innerb.pcap" -T fields -e frame.len 2>/dev/null | awk '$1 == 1464' | wc -l)
longest=$(tshark -r "$VT_RUN/innerb.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
diag "vm2 got $big frames over 1464 bytes; n2 got $cut copies of 1464 bytes, the longest $longest"
check "full-size frames were sent" test "$big" -gt 0
check "their copies arrive cut to 1464 bytes, none longer" test "$cut" -eq "$big" -a "$longest" -eq 1464
check "the cuts are counted: too_big == truncated == $big" \
	test "$(dsink_stat too_big)" -eq "$big" -a "$(dsink_stat truncated)" -eq "$big"
check "and are still copies, not failures" test "$(dstat web copy_fail)" -eq 0

# ---- a group with a vxlan member: its copies take the member's tunnel
rerun c "with group g of vxlan monitor far" g --underlay-mtu 1600
n_in=$(count "$VT_RUN/innerc.pcap")
matched=$(dstat web matched_pkts); copies=$(dstat web copies); failed=$(dstat web copy_fail)
diag "group: web matched $matched, copies $copies, failed $failed; $n_in frames out of vx0"
check "through the group: decapsulated copies equal the receiver's frames byte for byte" \
	same_frames "$VT_RUN/vm2c.pcap" "$VT_RUN/innerc.pcap"
check "through the group: matched == copies == frames out of vx0, no failure" \
	test "$matched" -gt 10 -a "$matched" -eq "$n_in" -a "$copies" -eq "$n_in" -a "$failed" -eq 0
tap_end
