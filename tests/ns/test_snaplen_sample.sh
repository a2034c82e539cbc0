#!/usr/bin/env bash
# snaplen and sample (tests/ns/scenarios.sh, scenario_cut), by eBPF: TC to a
# local monitor, then XDP through the ring buffer to a capture monitor.
# Copies are cut to snaplen bytes (the original is not), and 1 of every N
# matching frames is copied; the rest are counted as sampled out. (vtap-dpdk
# runs the same scenario in test_dpdk.sh.)
: "${VT_PREFIX:=vts}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
trap topo_down EXIT
topo_up

for engine in tc xdp; do
	use_engine "$engine"
	scenario_cut
	eng_stop
done
tap_end
