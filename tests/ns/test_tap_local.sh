#!/usr/bin/env bash
# Acceptance scenario §6.1 (tests/ns/scenarios.sh, scenario_web), by eBPF:
# vm1's TCP to vm2:80 tapped in both directions, first by TC to a local
# monitor, then with vm1's out frames by XDP (through the ring buffer) to a
# capture monitor. The monitor's copies must equal, byte for byte and in
# number, the matching frames captured at vm2; nothing else reaches the
# monitor; vtapctl's counters agree with both captures. (vtap-dpdk runs the
# same scenario in test_dpdk.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
trap topo_down EXIT
topo_up

# flow_cache: every frame the taps looked at got its verdict from the flow
# cache or the classifier, and a flow's later frames hit the cache
flow_cache() {
	local i seen hits misses
	# (a frame another CPU is tapping while the counters are read may be
	# counted as seen but not yet as a hit or miss: read again until they agree)
	for i in 1 2 3 4 5; do
		read -r -d '' seen hits misses < <(ctl_json '.global | .seen, .cache_hits, .cache_misses' status)
		[ "$((hits + misses))" -eq "$seen" ] && break
		sleep 0.2
	done
	diag "[$ENGINE] frames seen $seen: flow cache hits $hits, misses $misses"
	check "[$ENGINE] flow cache: hits + misses == frames seen, and later frames of a flow hit" \
		test "$((hits + misses))" -eq "$seen" -a "$hits" -gt 0 -a "$misses" -gt 0
}

for engine in tc xdp; do
	use_engine "$engine"
	scenario_web
	flow_cache
	eng_stop
done
tap_end
