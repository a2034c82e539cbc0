#!/usr/bin/env bash
# Acceptance scenario §6.1: vm1's TCP to vm2:80 tapped in both directions to a
# local monitor. The monitor's capture must equal, byte for byte and in
# number, the matching frames captured at vm2; nothing else reaches the
# monitor; vtapctl's counters agree with both captures.
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: web
    source: { ports: [${VT_PREFIX}-vm1] }
    destination: { cidr: 10.77.0.0/24 }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: mon
YAML
check "vtapd starts with the policy" vtapd_start
check "vm1's port has the tap on both hooks" \
	bash -c "tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap_tc_out && tc filter show dev ${VT_PREFIX}-vm1 egress | grep -q vtap_tc_in"
check "the monitor port has the sink program" \
	bash -c "tc filter show dev ${VT_PREFIX}-mon egress | grep -q vtap_sink"

capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
capture_start mon "$VT_RUN/mon.pcap"
# the matching traffic: an HTTP-like TCP exchange on port 80, and noise that
# must not be copied (ping, TCP to another port, UDP to port 80)
nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
SRV=$!
nsx vm2 timeout 10 python3 "$WEBPEER" sink 10.77.0.2 8080 &
SRV2=$!
sleep 0.3
for i in 1 2 3; do
	nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null
done
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
nsx vm1 python3 "$WEBPEER" noise 10.77.0.2 8080
wait $SRV $SRV2 2>/dev/null
capture_stop

n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "vm2 saw $n_vm2 matching frames, the monitor $n_mon"
check "the receiver saw matching traffic" test "$n_vm2" -gt 10
check "monitor capture equals the receiver's matching frames byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/mon.pcap"
check "nothing but port-80 TCP reached the monitor" \
	test "$(tcpdump -r "$VT_RUN/mon.pcap" -nn 'not (tcp port 80)' 2>/dev/null | wc -l)" -eq 0
check "copies in both directions (requests and replies)" \
	bash -c "[ \$(tcpdump -r $VT_RUN/mon.pcap -nn 'tcp dst port 80' 2>/dev/null | wc -l) -gt 0 ] && [ \$(tcpdump -r $VT_RUN/mon.pcap -nn 'tcp src port 80' 2>/dev/null | wc -l) -gt 0 ]"
matched=$(stat_of web matched_pkts); copies=$(stat_of web copies); failed=$(stat_of web copy_fail)
diag "vtapctl: matched $matched, copies $copies, failed $failed"
check "counters: matched == copies == monitor's frames" \
	test "$matched" -eq "$n_mon" -a "$copies" -eq "$n_mon" -a "$failed" -eq 0
delivered=$(ctl stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sinks"][0]["delivered"])')
check "sink counter: delivered == monitor's frames" test "$delivered" -eq "$n_mon"
# every frame the taps looked at got its verdict from the flow cache or the
# classifier, and a flow's later frames hit the cache
# (a frame another CPU is tapping while the counters are read may be counted
# as seen but not yet as a hit or miss: read again until they agree)
for i in 1 2 3 4 5; do
	read -r seen hits misses < <(ctl status --json | python3 -c 'import json,sys; g=json.load(sys.stdin)["global"]; print(g["seen"], g["cache_hits"], g["cache_misses"])')
	[ "$((hits + misses))" -eq "$seen" ] && break
	sleep 0.2
done
diag "frames seen $seen: flow cache hits $hits, misses $misses"
check "flow cache: hits + misses == frames seen, and later frames of a flow hit" \
	test "$((hits + misses))" -eq "$seen" -a "$hits" -gt 0 -a "$misses" -gt 0
tap_end
