#!/usr/bin/env bash
# snaplen: headers (tests/ns/scenario_headers.sh) by eBPF: TC to a local
# monitor, then XDP through the ring buffer (vm1's out frames) and TC (its
# in frames) to a capture monitor, whose pcapng records keep the original
# lengths. (vtap-dpdk runs the same scenario in test_dpdk.sh.)
: "${VT_PREFIX:=vth}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
. "$(dirname "$0")/scenario_headers.sh"
trap topo_down EXIT
topo_up
hdr_vms_up

for engine in tc xdp; do
	use_engine "$engine"
	scenario_headers
	eng_stop
done
tap_end
