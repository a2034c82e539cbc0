#!/usr/bin/env bash
# rate caps (tests/ns/scenario_rate.sh) by eBPF: TC to a local monitor,
# then XDP through the ring buffer to a capture monitor. (vtap-dpdk runs
# the same scenario in test_dpdk.sh.)
: "${VT_PREFIX:=vtr}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
. "$(dirname "$0")/scenario_rate.sh"
trap topo_down EXIT
topo_up

for engine in tc xdp; do
	use_engine "$engine"
	scenario_rate
	eng_stop
done
tap_end
