#!/usr/bin/env bash
# One copy per frame (tests/ns/scenario_dedup.sh) by eBPF: TC on both hooks
# of both VMs to a local monitor; then XDP for the frames they send and TC
# for those they receive (no skb metadata crosses from one to the other) to
# a capture monitor; then vtap-dpdk as the bump in the wire of both VMs
# (two wires, one process), to a local monitor.
: "${VT_PREFIX:=vtd}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
. "$(dirname "$0")/scenario_dedup.sh"
cleanup() { vdp_stop; topo_down; }
trap cleanup EXIT
topo_up

for engine in tc xdp; do
	use_engine "$engine"
	scenario_dedup
	eng_stop
done

# vtap-dpdk: vm1 behind ${VT_PREFIX}-w1 (dpdk_wire), vm2 behind ${VT_PREFIX}-w2
dpdk_wire
W2=${VT_PREFIX}-w2
ip link set "${VT_PREFIX}-vm2" nomaster
ip link add "$W2" type veth peer name "${W2}b"
ip link set "${W2}b" master "${VT_PREFIX}-br" up
ip link set "$W2" up
use_engine dpdk
eng_start() {
	check "[dpdk] vtap-dpdk starts with two wires $1" vdp_start \
		--vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
		--vm "$(xdp 2 "${VT_PREFIX}-vm2")" --net "$(xdp 3 "$W2")" \
		--monitor "$(xdp 4 "${VT_PREFIX}-mon")"
}
scenario_dedup
eng_stop
tap_end
