#!/usr/bin/env bash
# A capture monitor's sink veth, made by vtapd, named by a local monitor in
# the next set: the veth stays (the capture's sink goes, its veth does not)
# and the local monitor's copies leave through it. A review found that the
# retiring sink removed the veth it had made whatever the new set named, so
# the local monitor's port vanished under it and its copies counted as copy
# failures.
: "${VT_PREFIX:=vtmk}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
S=${VT_PREFIX}-s0

# put TYPE: monitor m of TYPE on $S, policy p: vm1's ICMP to it
put() {
	cat >"$VT_RUN/put.tmp" <<YAML
monitors:
  - { name: m, type: $1, port: $S }
policies:
  - { name: p, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: m }
YAML
	mv "$VT_RUN/put.tmp" "$VT_POL/10.yaml"
}
sink_state() { ctl status --json | json_of '.monitor_sinks[0].state // "none"'; }
sinks_n() { ctl status --json | json_of '.monitor_sinks | length'; }
link_is() { ip link show "$1" >/dev/null 2>&1; }
rx_of() { cat "/sys/class/net/$1/statistics/rx_packets" 2>/dev/null || echo 0; }

put capture
check "vtapd starts with capture monitor m on $S" vtapd_start
for i in $(seq 100); do [ "$(sink_state)" = ok ] && break; sleep 0.05; done
check "vtapd made the veth $S for the capture" link_is "$S"
P=$(ctl status --json | json_of '.monitor_sinks[0].peer')
diag "sink $S, peer $P"

put local
check "the reload to a local monitor on $S succeeds" ctl reload
for i in $(seq 100); do [ "$(sinks_n)" = 0 ] && break; sleep 0.05; done
check "the capture's sink is gone" test "$(sinks_n)" = 0
check "the veth $S stays: the local monitor names it" link_is "$S"
check "its peer $P stays" link_is "$P"
check "vtapd's sink program is on $S" sink_on "$S"
c0=$(stat_of p copies) f0=$(stat_of p copy_fail) r0=$(rx_of "$P")
nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
for i in $(seq 50); do [ $(($(rx_of "$P") - r0)) -ge 5 ] && break; sleep 0.02; done
c=$(($(stat_of p copies) - c0)) f=$(($(stat_of p copy_fail) - f0)) r=$(($(rx_of "$P") - r0))
diag "copies +$c, copy_fail +$f, $P received +$r"
check "vm1's 5 pings are 5 copies, no copy_fail" test "$c" -eq 5 -a "$f" -eq 0
check "the peer $P received the 5 copies" test "$r" -ge 5

vtapd_stop
tap_end
