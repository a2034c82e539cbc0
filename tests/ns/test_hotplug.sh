#!/usr/bin/env bash
# Ports that come and go while vtapd runs (§2 netlink, §7 "port appears →
# tapped < 100 ms"): a policy whose source.ports is a glob taps a VM port
# created after vtapd started, within 100 ms of the link appearing, and its
# traffic is copied; when the port is deleted vtapd forgets it, and the
# active generation of vtap_ports holds no entry for its old ifindex (nor any
# generation, after one more apply).
: "${VT_PREFIX:=vthp}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

VM3=${VT_PREFIX}-vm3
cat >"$VT_POL/hp.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: vms
    source: { ports: ["${VT_PREFIX}-vm*"] }
    direction: both
    match: { protocol: icmp }
    # every frame copied at both tapped ports: the counts below say where
    # a frame was tapped (one copy per frame: test_dedup.sh)
    dedup: false
    monitor: mon
YAML
check "vtapd starts with a glob policy" vtapd_start
check "the ports present at start (vm1, vm2) are tapped" \
	bash -c "tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap_tc_out && tc filter show dev ${VT_PREFIX}-vm2 ingress | grep -q vtap_tc_out"
check "vm3's port does not exist yet" bash -c "! ip link show $VM3 >/dev/null 2>&1"


# --- the port appears: vm_add's steps, timed from the creation of the link ---
ip netns add "${VT_PREFIX}-vm3"
t0=$(date +%s%N)
ip link add "$VM3" type veth peer name eth0 netns "${VT_PREFIX}-vm3"
t_link=$(date +%s%N)
tapped_at=
for i in $(seq 400); do
	if tc filter show dev "$VM3" ingress 2>/dev/null | grep -q vtap_tc_out; then
		tapped_at=$(date +%s%N); break
	fi
done
ms() { echo $((($1 - t0) / 1000000)); }
[ -n "$tapped_at" ] && diag "link created in $(ms "$t_link") ms; vtap_tc_out on it $(ms "$tapped_at") ms after 'ip link add' started"
check "vm3's new port got the tap" test -n "$tapped_at"
check "... within 100 ms of the link appearing" test -n "$tapped_at" -a $(( (${tapped_at:-0} - t0) / 1000000 )) -lt 100
ip link set "$VM3" master "${VT_PREFIX}-br" up
nsx vm3 ip link set lo up
nsx vm3 ip link set eth0 up
nsx vm3 ip addr add 10.77.0.3/24 dev eth0
check "both hooks on vm3's port (vtap_tc_in on egress)" \
	bash -c "tc filter show dev $VM3 egress | grep -q vtap_tc_in"
check "vtapctl status lists vm3's port" bash -c "grep -qw $VM3 <<<'$(status_ports)'"
VM3_IF=$(cat /sys/class/net/$VM3/ifindex)

# --- vm3's traffic is copied ---
m3=$(nsx vm3 cat /sys/class/net/eth0/address)
m2=$(nsx vm2 cat /sys/class/net/eth0/address)
nsx vm3 ip neigh replace 10.77.0.2 lladdr "$m2" dev eth0 nud permanent
nsx vm2 ip neigh replace 10.77.0.3 lladdr "$m3" dev eth0 nud permanent
capture_start mon "$VT_RUN/mon.pcap" --immediate-mode
c0=$(stat_of vms copies)
nsx vm3 ping -c 5 -i 0.1 -q 10.77.0.2 >/dev/null
check "vm3 reaches vm2" test $? -eq 0
capture_stop
c1=$(stat_of vms copies)
n3=$(tcpdump -r "$VT_RUN/mon.pcap" -nn 'icmp and host 10.77.0.3' 2>/dev/null | wc -l)
n_all=$(count "$VT_RUN/mon.pcap")
diag "monitor: $n3 ICMP frames of vm3 ($n_all frames in all); policy copies $c0 -> $c1"
# each echo and reply crosses two tapped ports (vm3's and vm2's): 4 copies a ping
check "vm3's pings are copied: 20 frames at the monitor (5 pings x 2 frames x 2 tapped ports)" test "$n3" -eq 20
check "vm3's requests are copied as sent by vm3 (out at vm3's port)" \
	test "$(tcpdump -r "$VT_RUN/mon.pcap" -nn 'icmp[icmptype] == icmp-echo and src host 10.77.0.3' 2>/dev/null | wc -l)" -eq 10
check "the policy's copies counter rose by the monitor's frames" test $((c1 - c0)) -eq "$n_all"

# --- the port goes ---
gen_before=$(status_of active_generation)
vm_del vm3
gone=
for i in $(seq 100); do
	# (a failed read of the status is not "gone")
	sp=$(status_ports) && ! grep -qw "$VM3" <<<"$sp" && { gone=1; break; }
	sleep 0.02
done
check "vtapctl status no longer lists vm3's port" test -n "$gone"
# port_entries IFINDEX GENSPEC: entries of vtap_ports for IFINDEX
# (GENSPEC: "active" or "any")
port_entries() {
	local gen
	gen=$(map_active_gen) || return 1
	map_json vtap_ports '[.[].formatted.key | select(.ifindex == $ifi and ($which == "any" or .gen == $gen))] |
		length' --argjson ifi "$1" --argjson gen "$gen" --arg which "$2"
}
diag "generation $gen_before before the delete, $(status_of active_generation) after; vm3's old ifindex $VM3_IF has $(port_entries "$VM3_IF" any) entries in vtap_ports (any generation)"
check "vtap_ports: no entry for vm3's old ifindex in the active generation" test "$(port_entries "$VM3_IF" active)" -eq 0
check "vm1 and vm2 are still in the active generation, both directions (the reapply kept them)" \
	test "$(port_entries "$(cat /sys/class/net/${VT_PREFIX}-vm1/ifindex)" active)$(port_entries "$(cat /sys/class/net/${VT_PREFIX}-vm2/ifindex)" active)" = 22
out=$(ctl reload 2>&1)
check "vtapctl reload (one more apply) succeeds" test $? -eq 0
check "after one more apply no generation holds vm3's old ifindex" test "$(port_entries "$VM3_IF" any)" -eq 0
c2=$(stat_of vms copies)
nsx vm1 ping -c 2 -i 0.1 -q 10.77.0.2 >/dev/null
c3=$(stat_of vms copies)
check "copies of vm1 <-> vm2 still flow after vm3 left (8 copies for 2 pings)" test $((c3 - c2)) -eq 8
tap_end
