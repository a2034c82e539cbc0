#!/usr/bin/env bash
# vtapd --sink-hook nft: a local monitor whose copies are never cut has no
# sink program on its port; an nftables egress chain (the guard) drops the
# frames the host itself sends out of the port, and the tap counts the
# copies. The sink's promises hold as with a sink program: copies reach
# the monitor and are counted delivered, the host's own frames do not and
# are counted foreign.
#  a. the guard on the port, no vtap_sink on it (TCX or clsact), status
#     says guard(nft); copies of both directions pass the guard;
#  b. a copy longer than the port's MTU: counted too_big (and the policy's
#     copy_fail), not sent; the original passes;
#  c. a snaplen on the monitor's policy: the sink program comes back, the
#     guard goes (copies cut, counted once); without it, the other way;
#  d. SIGKILL, then a new vtapd: the guard adopted, one chain;
#  e. a vtapd in auto mode over it: the sink program on, the guard gone;
#  f. SIGTERM: no guard and no table left; an offline vtapctl teardown
#     removes a killed vtapd's table;
#  g. no nft on the host: the sink program instead, with a warning; nft
#     installed since: vtapctl reload puts the guard on (a file change does not).
: "${VT_PREFIX:=vtsg}"
. "$(dirname "$0")/lib.sh"
MON=${VT_PREFIX}-mon
cleanup() { capture_stop; vtapd_stop; topo_down; }
trap cleanup EXIT
topo_up

policies() { # policies [SNAPLEN]
	cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: m, type: local, port: $MON }
policies:
  - { name: p, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: m${1:+, snaplen: $1} }
  - { name: q, source: { ports: [${VT_PREFIX}-vm1] }, direction: in, match: { protocol: icmp }, monitor: m${1:+, snaplen: $1} }
YAML
}
policies

no_sink() { ! sink_on "$MON"; }
# promises WHAT: vm1's 5 pings are 10 copies at mon, request out and reply
# in (lib.sh, sink_promises)
promises() { sink_promises "$1" 10; }
chains() { nft list table netdev "$(nft_table)" 2>/dev/null | grep -c "chain g_"; }

# --- a. the guard ---
check "[guard] vtapd --sink-hook nft starts" vtapd_start --sink-hook nft
diag "[guard] $(nft list table netdev "$(nft_table)" 2>&1 | tr '\n\t' '  ')"
check "[guard] the guard is on $MON, no vtap_sink on its egress" eval "guard_on $MON && no_sink"
check "[guard] vtapctl status: $MON's hooks are guard(nft)" test "$(port_of "$MON" hooks)" = "guard(nft)"
check "[guard] the log says so" grep -q "guarded $MON with nftables" "$VT_RUN/vtapd.log"
promises guard

# --- b. a copy the port cannot carry ---
check "[mtu] the port's slot says it carries 1518 bytes (MTU 1500, Ethernet, VLAN)" \
	eval "map_true vtap_bare_ports '[.[].formatted.value | select(.room == 1518)] | length == 1'"
# the veth forwards what its peer takes: both ends' MTU go down
ip link set "$MON" mtu 1000
nsx mon ip link set eth0 mtu 1000
# vtapd follows the port's MTU into the tap's table of guarded ports
room() { map_json vtap_bare_ports "[.[].formatted.value | select(.ifindex == $(cat /sys/class/net/$MON/ifindex)) | .room] | .[0]"; }
for i in $(seq 60); do [ "$(room)" = 1018 ] && break; sleep 0.05; done
check "[mtu] vtapd follows the port's new MTU (room 1018 in vtap_bare_ports)" test "$(room)" = 1018
tb0=$(sink_stat too_big); cf0=$(stat_of p copy_fail)
capture_start mon "$VT_RUN/mon-big.pcap"
check "[mtu] a 1400-byte ping from vm1 gets its reply (the original passes)" \
	nsx vm1 ping -c 1 -W 2 -s 1400 -q 10.77.0.2
capture_stop
tb=$(sink_stat too_big); cf=$(stat_of p copy_fail)
diag "[mtu] too_big $tb0 -> $tb, p's copy_fail $cf0 -> $cf, mon got $(count "$VT_RUN/mon-big.pcap")"
check "[mtu] both copies (request, reply) counted too_big, the request's as p's copy_fail, none at mon" \
	eval "[ $((tb - tb0)) -eq 2 ] && [ $((cf - cf0)) -eq 1 ] && [ \"\$(count '$VT_RUN/mon-big.pcap')\" -eq 0 ]"
nsx mon ip link set eth0 mtu 1500
ip link set "$MON" mtu 1500
# an MTU below IPv6's minimum took IPv6 off the port; back above it, the
# host would start IPv6 there again (link-local address, DAD, router
# solicitations: frames the guard drops, counted foreign)
sysctl -qw "net.ipv6.conf.$MON.disable_ipv6=1"
nsx mon sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1

# --- c. a snaplen brings the sink program back, and back again ---
policies 64
ctl reload >/dev/null
check "[snaplen] vtap_sink is on $MON, the guard is gone" eval "sink_on $MON && ! guard_on $MON"
check "[snaplen] vtapctl status: $MON's hooks are sink(tcx)" test "$(port_of "$MON" hooks)" = "sink(tcx)"
promises snaplen
check "[snaplen] the copies are cut to 64 bytes" \
	eval "tcpdump -r '$VT_RUN/mon-snaplen.pcap' -nn -e icmp 2>/dev/null | grep -c 'length 64:' | grep -qx 10"
policies
ctl reload >/dev/null
check "[snaplen] without it: the guard again, no vtap_sink" eval "guard_on $MON && no_sink"
promises unsnapped

# --- c2. the one-copy check, as for a local monitor with a sink program ---
cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: m, type: local, port: $MON }
policies:
  - { name: p, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: m }
  - { name: r, source: { ports: [${VT_PREFIX}-vm2] }, direction: in, match: { protocol: icmp }, monitor: m }
YAML
ctl reload >/dev/null
dd0=$(stat_of r deduplicated)
capture_start mon "$VT_RUN/mon-dedup.pcap"
nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
capture_until "$VT_RUN/mon-dedup.pcap" 5
sleep 0.2
capture_stop
dd=$(stat_of r deduplicated)
diag "[dedup] mon got $(count "$VT_RUN/mon-dedup.pcap") frames; r deduplicated $dd0 -> $dd"
check "[dedup] each request seen at vm1 out and vm2 in reaches mon once (5), the second copies counted deduplicated" \
	eval "[ \"\$(count '$VT_RUN/mon-dedup.pcap')\" -eq 5 ] && [ $((dd - dd0)) -eq 5 ] && guard_on $MON && no_sink"
policies
ctl reload >/dev/null

# --- c3. the guard removed behind vtapd's back ---
nft delete chain netdev "$(nft_table)" "g_$MON"
check "[gone] the guard is off $MON (removed by another tool)" eval "! guard_on $MON"
ctl reload >/dev/null
check "[gone] the next reload puts it on again" eval "guard_on $MON && no_sink"
check "[gone] the log says it was removed" grep -q "vtap's filter on $MON was removed by someone else" "$VT_RUN/vtapd.log"
promises regarded
# emptied behind vtapd's back (nft flush chain): a chain without its rule
# guards nothing, and is put right the same way
nft flush chain netdev "$(nft_table)" "g_$MON"
ctl reload >/dev/null
check "[flushed] the next reload puts the chain's rule back" \
	eval "nft list chain netdev $(nft_table) g_$MON | grep -q 'counter packets [0-9]* bytes [0-9]* drop'"

# --- d. killed, then adopted ---
dk=$(sink_stat delivered)
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK"
check "[killed] the guard stays" guard_on "$MON"
check "[adopt] a new vtapd --sink-hook nft starts" vtapd_start --sink-hook nft
check "[adopt] the log says it adopted the guard" grep -q "adopted the nftables guard on $MON" "$VT_RUN/vtapd.log"
check "[adopt] one guard chain, no vtap_sink" eval "[ \"\$(chains)\" -eq 1 ] && guard_on $MON && no_sink"
check "[adopt] the port's delivered count goes on ($dk before the kill)" test "$(sink_stat delivered)" -eq "$dk"
promises adopted

# --- e. auto over a kept guard ---
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK"
check "[auto] a vtapd in auto mode starts over the guard" vtapd_start
check "[auto] vtap_sink on $MON, the guard gone" eval "sink_on $MON && ! guard_on $MON"
promises auto
vtapd_stop

# --- f. teardown ---
check "[stop] vtapd --sink-hook nft starts again" vtapd_start --sink-hook nft
check "[stop] its guard is on $MON" guard_on "$MON"
vtapd_stop
check "[stop] SIGTERM: no guard, no table" eval "! guard_on $MON && ! nft list table netdev $(nft_table) >/dev/null 2>&1"
check "[teardown] vtapd --sink-hook nft starts again" vtapd_start --sink-hook nft
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK"
out=$(ctl teardown 2>&1)
diag "[teardown] $(tr '\n' ' ' <<<"$out")"
check "[teardown] vtapctl teardown without a daemon removes the killed one's table" \
	eval "grep -q 'removed nftables table netdev $(nft_table)' <<<\"\$out\" && ! nft list table netdev $(nft_table) >/dev/null 2>&1"

# --- g. no nft ---
: >"$VT_RUN/vtapd.log"
mkdir -p "$VT_RUN/nonft"
for t in ip tc sh seq sleep sed cat; do ln -sf "$(command -v $t)" "$VT_RUN/nonft/$t"; done
PATH="$VT_RUN/nonft" check "[no nft] vtapd --sink-hook nft starts without nft in its PATH" \
	vtapd_start --sink-hook nft
check "[no nft] $MON gets vtap_sink instead, with a warning" \
	eval "sink_on $MON && grep -q 'cannot guard $MON with nftables (no nft on this host): it gets the sink program' '$VT_RUN/vtapd.log'"
promises no-nft
# nft installed since: a reload on a file change leaves the port as it is,
# an operator's reload (vtapctl reload, SIGHUP) tries the guard again
ln -sf "$(command -v nft)" "$VT_RUN/nonft/nft"
r0=$(status_of reloads_ok)
policies
check "[nft installed] a reload on a file change keeps vtap_sink on $MON" \
	eval "wait_status reloads_ok $((r0 + 1)) && sink_on $MON && ! guard_on $MON"
check "[nft installed] vtapctl reload tries again: the guard on, vtap_sink off" \
	eval "ctl reload >/dev/null && guard_on $MON && no_sink"
check "[nft installed] vtapctl status: guard(nft)" test "$(port_of "$MON" hooks)" = "guard(nft)"
promises nft-installed
vtapd_stop
tap_end
