#!/usr/bin/env bash
# vtapd's engine choice per port: eBPF where it can attach, the DPDK engine
# where it cannot (auto), or every VM port to DPDK (--engine dpdk, or
# --dpdk-ports). The reason is logged and shown by vtapctl status. Here eBPF
# really cannot attach to vm1's port: a legacy ingress qdisc owns it (as an
# old policer setup would), so clsact cannot be created there.
: "${VT_PREFIX:=vde}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
VM1=${VT_PREFIX}-vm1 VM2=${VT_PREFIX}-vm2

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: web
    source: { ports: [$VM1, $VM2] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: mon
YAML
cp "$VT_POL/p.yaml" "$VT_RUN/both.yaml"
has_tap() { tc filter show dev "$1" ingress | grep -q vtap_tc_out; }

out=$("$VTAPD" --engine bpf --socket "$VT_RUN/x.sock" 2>&1); rc=$?
check "a bad --engine is refused, named" bash -c "[ $rc -eq 2 ] && grep -q 'bpf is not auto, ebpf or dpdk' <<<'$out'"

# ---- --engine dpdk: no eBPF on VM ports, the monitor keeps its sink
check "vtapd --engine dpdk starts" vtapd_start --engine dpdk
check "no tap attached to the VM ports" bash -c "$(declare -f has_tap); ! has_tap $VM1 && ! has_tap $VM2"
check "status: vm1 and vm2 are the dpdk engine's, configured" \
	bash -c "[ '$(port_of "$VM1" engine)' = dpdk ] && [ '$(port_of "$VM2" engine)' = dpdk ] && grep -q 'configured (--engine dpdk)' <<<'$(port_of "$VM1" engine_reason)'"
check "status text shows the ENGINE column" bash -c "ctl() { $VTAPCTL --socket $VT_SOCK \"\$@\"; }; ctl status | grep -qE '^$VM1 +[0-9]+ +dpdk +configured'"
check "the reason is logged" grep -q "port $VM1: engine dpdk: configured" "$VT_RUN/vtapd.log"
vtapd_stop

# ---- auto: vm1 cannot take vtap's filters, vm2 can
BLK=$(( 7000 + $$ % 1000 ))
tc qdisc add dev "$VM1" ingress_block $BLK egress_block $((BLK + 1000)) clsact
check "vtapd (auto) starts" vtapd_start
check "vm2 is tapped by eBPF" has_tap "$VM2"
check "status: vm2 ebpf, vm1 dpdk" \
	bash -c "[ '$(port_of "$VM2" engine)' = ebpf ] && [ '$(port_of "$VM1" engine)' = dpdk ]"
why=$(port_of "$VM1" engine_reason)
diag "vm1: $why"
check "the reason says eBPF cannot attach" grep -q "eBPF cannot attach to clsact" <<<"$why"
check "the reason is logged" grep -q "port $VM1: engine dpdk: eBPF cannot attach" "$VT_RUN/vtapd.log"
check "vtap left the shared blocks alone and put no filter in them" \
	bash -c "tc qdisc show dev $VM1 | grep -q 'ingress_block $BLK' && [ -z \"\$(tc filter show block $BLK)\" ]"
vtapd_stop

# ---- the whole fallback: vtapd leaves vm1 to DPDK, vtap-dpdk taps it with
# the same policy files (a policy on vm1 only, so every copy at the monitor
# is vtap-dpdk's), as a bump in the wire between vm1 and the bridge
cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: web
    source: { ports: [$VM1] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: mon
YAML
check "vtapd (auto) starts with a policy on vm1 alone" vtapd_start
check "vtapd gives vm1 to the DPDK engine" bash -c "[ '$(port_of "$VM1" engine)' = dpdk ]"
. "$(dirname "$0")/dpdk-lib.sh"
dpdk_wire
trap 'vdp_stop; topo_down' EXIT
check "vtap-dpdk serves vm1 with the same policy directory" \
	vdp_start --vm "$(xdp 0 "$VM1")" --net "$(xdp 1 "$W")" --monitor "$(xdp 2 "${VT_PREFIX}-mon")"
capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
capture_start mon "$VT_RUN/mon.pcap"
web_traffic
capture_stop
n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "vm2 saw $n_vm2 matching frames, the monitor $n_mon (vtap-dpdk copies $(dstat web copies))"
check "vm1's web traffic reached vm2 through vtap-dpdk" test "$n_vm2" -gt 10
check "the monitor got vm1's matching frames, byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/mon.pcap"
check "vtap-dpdk's counters agree with the captures" \
	test "$(dstat web matched_pkts)" -eq "$n_mon" -a "$(dstat web copies)" -eq "$n_mon"
vdp_stop
vtapd_stop
ip link del "$W"
ip link set "$VM1" master "${VT_PREFIX}-br"
cp "$VT_RUN/both.yaml" "$VT_POL/p.yaml"

# ---- --engine ebpf: the same port is an error, not a fallback
check "vtapd --engine ebpf starts" vtapd_start --engine ebpf
# not_dpdk PORT: vtapctl status lists no PORT of the dpdk engine
not_dpdk() { ctl status --json | json_true 'all(.ports[]; .name != $p or .engine != "dpdk")' --arg p "$1"; }
check "status: vm1 is not given to dpdk" not_dpdk "$VM1"
check "the attach failure is logged as an error" grep -q "error: cannot attach vtap_tc_.* to $VM1" "$VT_RUN/vtapd.log"
vtapd_stop
tc qdisc del dev "$VM1" clsact

# ---- --dpdk-ports: by name
check "vtapd --dpdk-ports starts" vtapd_start --dpdk-ports "${VT_PREFIX}-vm1,nomatch*"
check "vm1 dpdk (--dpdk-ports), vm2 ebpf" \
	bash -c "[ '$(port_of "$VM1" engine)' = dpdk ] && [ '$(port_of "$VM2" engine)' = ebpf ] && grep -q -- '--dpdk-ports' <<<'$(port_of "$VM1" engine_reason)'"
tap_end
