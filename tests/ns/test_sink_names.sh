#!/usr/bin/env bash
# Capture and ovs monitors without `port` (issue 16 item 6): vtapd names
# their sink veths itself, "vt" + the monitor name's first 7 characters +
# "-" + 4 hex digits of a hash of the whole name (core/sink_name.h).
#  a. Two capture monitors whose names share their first 7 characters get
#     two different sinks, both of that form, at most 14 characters (the
#     peer NAMEp fits 15); a live capture through one of them gives the
#     frames vm2 saw, byte for byte.
#  b. The names hold across a reload and a restart of vtapd.
#  c. A host interface that already has the name (not vtap's) is left alone:
#     the monitor's sink takes another name.
#  d. An ovs monitor without port: copies reach the monitor through OVS (a
#     private instance, AF_XDP netdev), byte for byte.
#  e. vtapd's stop removes the sinks it named.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/ovs-lib.sh"
OVSD=$VT_RUN/ovs
BR=${VT_PREFIX}-obr
# monitor names start with the prefix, so their sinks start with vt$VT_PREFIX
M=${VT_PREFIX}records
cleanup() {
	vtapd_stop
	ovs_stop "$OVSD" >/dev/null 2>&1
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^vt${VT_PREFIX}"); do
		ip link del "$l" 2>/dev/null
	done
	topo_down
}
trap cleanup EXIT
topo_up

# sink_of MONITOR: the sink port vtapctl status names for MONITOR
sink_of() {
	ctl status --json | json_of '.monitor_sinks[] | select(.monitor == $m) | .port' --arg m "$1"
}
well_formed() { # NAME MONITOR: vt + the monitor's first 7 characters + -hhhh
	[[ "$1" =~ ^vt${2:0:7}-[0-9a-f]{4}$ ]] && [ ${#1} -le 14 ] && ip link show "$1" >/dev/null 2>&1 &&
		ip link show "${1}p" >/dev/null 2>&1
}

# ---------------- a ----------------
cat >"$VT_POL/cap.yaml" <<YAML
monitors:
  - { name: ${M}-east, type: capture }
  - { name: ${M}-west, type: capture }
policies:
  - { name: icmp-east, source: { ports: [${VT_PREFIX}-vm2] }, match: { protocol: icmp }, monitor: ${M}-east }
  - { name: udp-west, source: { ports: [${VT_PREFIX}-vm2] }, match: { protocol: udp }, monitor: ${M}-west }
YAML
quiet() { "$@" >/dev/null; }
check "a: vtapctl validate takes capture monitors without port" quiet ctl validate "$VT_POL/cap.yaml"
check "a: vtapd starts" vtapd_start
east=$(sink_of "${M}-east"); west=$(sink_of "${M}-west")
diag "sinks: ${M}-east -> $east, ${M}-west -> $west"
check "a: ${M}-east's sink $east is vt${M:0:7}-hhhh, with its peer" well_formed "$east" "${M}-east"
check "a: ${M}-west's sink $west too" well_formed "$west" "${M}-west"
check "a: the two names differ though the monitors' first 7 characters are the same" \
	test "$east" != "$west"
check "a: both sinks work" bash -c "[ \"\$(echo '$(ctl status --json)' | jq -r '[.monitor_sinks[].state] | join(\" \")')\" = 'ok ok' ]"
capture_start vm2 "$VT_RUN/vm2.pcap" icmp
ctl capture icmp-east -c 6 -w "$VT_RUN/east.pcapng" &
cpid=$!
for i in $(seq 100); do
	[ "$(ctl status --json | json_of '.monitor_sinks[] | select(.monitor == $m) | .clients' --arg m "${M}-east")" = 1 ] && break
	sleep 0.05
done
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
for i in $(seq 100); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.05; done
kill "$cpid" 2>/dev/null # not ended by itself within 5 s: fewer than 6 copies
wait "$cpid"
capture_stop
check "a: the live capture through $east: the 6 frames vm2 saw, byte for byte" \
	same_frames "$VT_RUN/east.pcapng" "$VT_RUN/vm2.pcap"

# ---------------- b ----------------
ctl reload >/dev/null
check "b: the same names after a reload" test "$(sink_of "${M}-east") $(sink_of "${M}-west")" = "$east $west"
vtapd_stop
check "e: vtapd's stop removed both sinks" bash -c "! ip link show $east 2>/dev/null && ! ip link show $west 2>/dev/null"
vtapd_start
check "b: the same names after a restart" test "$(sink_of "${M}-east") $(sink_of "${M}-west")" = "$east $west"
vtapd_stop

# ---------------- c ----------------
ip link add "$east" type veth peer name "${VT_PREFIX}-x0"
vtapd_start
taken=$(sink_of "${M}-east")
diag "with $east already a host interface: ${M}-east -> $taken"
check "c: ${M}-east's sink takes another name ($taken), of the same form" \
	bash -c "[ '$taken' != '$east' ] && $(declare -f well_formed); well_formed '$taken' '${M}-east'"
check "c: the host's $east is left as it was (no alias, no XDP, its peer kept)" \
	bash -c "[ -z \"\$(cat /sys/class/net/$east/ifalias)\" ] && ! ip -d link show $east | grep -q prog/xdp &&
		ip link show ${VT_PREFIX}-x0 >/dev/null"
vtapd_stop
check "c: vtapd's stop leaves the host's $east" bash -c "ip link show $east >/dev/null"
ip link del "$east"
rm -f "$VT_POL/cap.yaml"

# ---------------- d ----------------
check "d: OVS starts (private instance)" ovs_start "$OVSD"
ovs_add_br "$BR" >/dev/null
check "d: the monitor's port is an OVS port" ovs_add_system_port "$BR" "${VT_PREFIX}-mon"
cat >"$VT_POL/ovs.yaml" <<YAML
monitors:
  - { name: ${VT_PREFIX}switch, type: ovs, bridge: $BR, ovs_port: ${VT_PREFIX}-mon }
policies:
  - { name: icmp, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: ${VT_PREFIX}switch }
YAML
OVS_RUNDIR=$OVSD check "d: vtapd starts with an ovs monitor without port" vtapd_start --attach tc
sw=$(sink_of "${VT_PREFIX}switch")
check "d: its sink $sw is vt${VT_PREFIX}switch's name form" well_formed "$sw" "${VT_PREFIX}switch"
for i in $(seq 100); do
	[ "$(ovs_ofctl dump-flows "$BR" 2>/dev/null | grep -c dl_vlan=)" -ge 1 ] && break
	sleep 0.1
done
on_bridge() { ovs_vsctl list-ports "$BR" | grep -qx "$1"; }
check "d: vtapd added ${sw}p to $BR" on_bridge "${sw}p"
sleep 0.5
capture_start vm2 "$VT_RUN/vm2o.pcap" icmp and src host 10.77.0.1
capture_start mon "$VT_RUN/mono.pcap"
nsx vm1 ping -c 5 -i 0.1 -q 10.77.0.2 >/dev/null
capture_stop
check "d: the monitor behind OVS got vm1's 5 echo requests ($(count "$VT_RUN/mono.pcap") frames), byte for byte" \
	same_frames "$VT_RUN/mono.pcap" "$VT_RUN/vm2o.pcap"
check "d: ... as many as the policy copied ($(stat_of icmp copies))" test "$(stat_of icmp copies)" -eq 5
vtapd_stop
check "e: vtapd's stop removed $sw" bash -c "! ip link show $sw 2>/dev/null"
off_bridge() { ! on_bridge "$1"; }
check "e: ... and its OVS port" off_bridge "${sw}p"
tap_end
