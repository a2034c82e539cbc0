#!/usr/bin/env bash
# Monitor groups (type: group): three local members (mon, mon2, mon3), a
# policy tapping vm1's TCP to vm2 both ways to the group. 300 connections,
# each from its own source port (the same ports every round; a connection
# ends with an RST, so no TIME_WAIT keeps its ports): every connection's
# frames, both directions, reach exactly one member; each member gets
# 20..47 % of the connections. mon2's port down: only mon2's connections
# move, to the other two (counted rehashed); mon2 up again: they come back.
# By eBPF: TC to the three local members; XDP (vm1's out frames) and TC
# (its in frames) to three capture members, mon2's sink port going down and
# up; then by vtap-dpdk with the three local ports as --monitor ports.
: "${VT_PREFIX:=vtg}"
. "$(dirname "$0")/lib.sh"
cleanup() { [ -n "${VDP_PID:-}" ] && vdp_stop; topo_down; }
trap cleanup EXIT
topo_up
# two more monitor VMs, like mon: a port off the bridge that only gets copies
for m in mon2 mon3; do
	ip netns add "${VT_PREFIX}-$m"
	ip link add "${VT_PREFIX}-$m" type veth peer name eth0 netns "${VT_PREFIX}-$m"
	sysctl -qw "net.ipv6.conf.${VT_PREFIX}-$m.disable_ipv6=1" 2>/dev/null
	ip link set "${VT_PREFIX}-$m" up
	nsx $m ip link set eth0 up
	nsx $m sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
done
cat >"$VT_POL/group.yaml" <<YAML
monitors:
  - { name: m1, type: local, port: ${VT_PREFIX}-mon }
  - { name: m2, type: local, port: ${VT_PREFIX}-mon2 }
  - { name: m3, type: local, port: ${VT_PREFIX}-mon3 }
  - { name: ids, type: group, members: [m1, m2, m3] }
policies:
  - name: web
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: tcp }
    monitor: ids
YAML
cp "$VT_POL/group.yaml" "$VT_RUN/group-local.yaml"
check "the group policy is valid" ctl validate "$VT_POL/group.yaml"
check "vtapd starts with the group policy" vtapd_start

# mon_start ROUND, mon_stop ROUND: what each member (mon, mon2, mon3) got
# in the round, as $VT_RUN/ROUND-MEMBER.pcap. Local members: tcpdump in
# their namespaces, the headers only (the ports are all the test reads; a
# whole-frame ring holds 256 frames, lib.sh), and none of it lost.
local_start() {
	local m
	for m in mon mon2 mon3; do
		CAP_SNAPLEN=128 capture_start $m "$VT_RUN/$1-$m.pcap" tcp ||
			diag "$1: the capture on $m was not ready in 5 s"
	done
}
local_stop() {
	capture_stop
	check "[$e] $1: the members' captures lost no frame" \
		captures_complete "$VT_RUN/$1"-{mon,mon2,mon3}.pcap
}
mon_start() { local_start "$@"; }
mon_stop() { local_stop "$@"; }
DOWN_PORT=${VT_PREFIX}-mon2

# conns ROUND: 300 connections vm1 -> vm2:5001 from ports 30000..30299
# while each member's port is captured; then $VT_RUN/ROUND.assign: one line
# per connection seen, "PORT MEMBER DIRECTIONS" (DIRECTIONS: 2 when frames
# of both directions reached that member)
conns() {
	local round=$1 m
	nsx vm2 timeout 60 python3 - <<'PY' &
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 5001)); s.listen(512); s.settimeout(20)
for _ in range(300):
    c, _ = s.accept()
    try:
        c.recv(64); c.sendall(b"pong"); c.recv(64)  # until the client's RST
    except ConnectionResetError:
        pass
    c.close()
PY
	local srv=$!
	mon_start "$round"
	sleep 0.3
	nsx vm1 python3 - <<'PY'
import socket, struct
for p in range(30000, 30300):
    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("10.77.0.1", p)); c.connect(("10.77.0.2", 5001))
    c.sendall(b"ping"); c.recv(64)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()  # an RST: no TIME_WAIT, the port is free for the next round
PY
	wait "$srv"
	mon_stop "$round"
	for m in mon mon2 mon3; do
		tshark -r "$VT_RUN/$round-$m.pcap" -T fields -e tcp.srcport -e tcp.dstport 2>/dev/null |
			awk -v m=$m '{ if ($2 == 5001) { p = $1; d = "o" } else { p = $2; d = "i" }
				seen[p, d] = 1; ports[p] = 1 }
				END { for (p in ports) print p, m, seen[p, "o"] + seen[p, "i"] }'
	done | sort -n >"$VT_RUN/$round.assign"
}
# every connection (300) at exactly one member, with both directions there
one_member_each() {
	local a=$VT_RUN/$1.assign
	[ "$(wc -l <"$a")" -eq 300 ] && [ "$(cut -d' ' -f1 "$a" | sort -u | wc -l)" -eq 300 ] &&
		[ "$(awk '$3 != 2' "$a" | wc -l)" -eq 0 ] && return 0
	diag "$(wc -l <"$a") (port, member) pairs, $(cut -d' ' -f1 "$a" | sort -u | wc -l) ports, $(awk '$3 != 2' "$a" | wc -l) with one direction only"
	return 1
}
share() { awk -v m="$2" '$2 == m' "$VT_RUN/$1.assign" | wc -l; }

# rounds ENGINE: the three rounds (all up, mon2 down, mon2 up) and their
# checks, the engine's counters through $VT_CTL
rounds() {
	local e=$1 r0 r1 copies members
	conns all
	diag "[$e] all up: mon $(share all mon), mon2 $(share all mon2), mon3 $(share all mon3) connections"
	diag "[$e] members' copies: $(gstat '[.groups[] | "\(.member) \(.copies)"] | join(", ")'); received: $(for m in mon mon2 mon3; do echo -n "$m $(count "$VT_RUN/all-$m.pcap") "; done)"
	check "[$e] all up: every connection's frames, both directions, at exactly one member" one_member_each all
	for m in mon mon2 mon3; do
		check "[$e] all up: $m has 20..47 % of the connections ($(share all $m) of 300)" \
			test "$(share all $m)" -ge 60 -a "$(share all $m)" -le 141
	done
	r0=$(gstat '[.groups[] | select(.member == "m1" or .member == "m3") | .rehashed] | total')

	ip link set "$DOWN_PORT" down
	sleep 1
	conns down
	check "[$e] mon2 down: every connection at exactly one member" one_member_each down
	check "[$e] mon2 down: mon2 got nothing" test "$(share down mon2)" -eq 0
	check "[$e] mon2 down: mon's and mon3's connections stayed where they were" \
		test -z "$(join <(awk '$2 != "mon2" {print $1, $2}' "$VT_RUN/all.assign") <(awk '{print $1, $2}' "$VT_RUN/down.assign") | awk '$2 != $3')"
	check "[$e] mon2 down: its $(share all mon2) connections moved to mon and mon3" \
		test "$(join <(awk '$2 == "mon2" {print $1}' "$VT_RUN/all.assign") <(awk '{print $1, $2}' "$VT_RUN/down.assign") | awk '$2 == "mon" || $2 == "mon3"' | wc -l)" -eq "$(share all mon2)"
	r1=$(gstat '[.groups[] | select(.member == "m1" or .member == "m3") | .rehashed] | total')
	diag "[$e] rehashed copies at m1 + m3: $r0 -> $r1"
	check "[$e] mon2 down: their copies were counted rehashed at the others" test "$r1" -gt "$r0"

	ip link set "$DOWN_PORT" up
	sleep 1
	conns back
	check "[$e] mon2 up again: every connection at exactly one member" one_member_each back
	check "[$e] mon2 up again: every connection is back where it was with all up" \
		cmp -s "$VT_RUN/all.assign" "$VT_RUN/back.assign"
	copies=$(stat_of web copies)
	members=$(gstat '[.groups[] | select(.group == "ids") | .copies] | total')
	check "[$e] counters: the members' copies add up to the policy's ($copies), no failure" \
		test "$members" -eq "$copies" -a "$(stat_of web copy_fail)" -eq 0
}
gstat() { "${VT_CTL:-ctl}" stats --json | json_of "$@"; }

rounds tc
# the members reordered: a member's counters are by its place in the list,
# so a changed list starts them at 0 (they showed m1's count as m3's)
before=$(gstat '[.groups[] | select(.group == "ids") | .copies] | total')
sed "s/members: \[m1, m2, m3\]/members: [m3, m2, m1]/" "$VT_RUN/group-local.yaml" >"$VT_RUN/g.tmp"
mv "$VT_RUN/g.tmp" "$VT_POL/group.yaml"
ctl reload >/dev/null
after=$(gstat '[.groups[] | select(.group == "ids") | .copies] | total')
check "[tc] members reordered: their counters start at 0 ($before before, $after after)" \
	test "$before" -gt 0 -a "$after" -eq 0
cp "$VT_RUN/group-local.yaml" "$VT_POL/group.yaml"
vtapd_stop

# XDP for vm1's frames out, TC for those in, to three capture monitors
# (the ring's records routed to the member the tap chose); mon2's sink
# port goes down and up
mkdir -p "$VT_RUN/rec"
sed -i "s|{ name: m\\([123]\\), type: local, port: ${VT_PREFIX}-mon[23]* }|{ name: m\\1, type: capture, port: ${VT_PREFIX}-c\\1, file: $VT_RUN/rec/m\\1.pcapng }|" \
	"$VT_POL/group.yaml"
check "[xdp] the group of capture members is valid" ctl validate "$VT_POL/group.yaml"
for vm in vm1 vm2; do nsx $vm ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done
check "[xdp] vtapd starts in xdp mode" vtapd_start --attach xdp
check "[xdp] vm1's out frames by XDP" bash -c "[ '$(port_of "${VT_PREFIX}-vm1" hooks)' = 'out(xdp) in' ]"
MEMBER_FILE=([1]=mon [2]=mon2 [3]=mon3)
mon_start() {
	local i
	for i in 1 2 3; do
		eval "BEFORE_$i=$(tshark -r "$VT_RUN/rec/m$i.pcapng" 2>/dev/null | wc -l)"
	done
}
mon_stop() {
	local i b
	sleep 0.5
	for i in 1 2 3; do
		b=BEFORE_$i
		tshark -r "$VT_RUN/rec/m$i.pcapng" -Y "frame.number > ${!b}" -F pcap \
			-w "$VT_RUN/$1-${MEMBER_FILE[$i]}.pcap" 2>/dev/null
	done
}
DOWN_PORT=${VT_PREFIX}-c2
rounds xdp
vtapd_stop
cp "$VT_RUN/group-local.yaml" "$VT_POL/group.yaml"
mon_start() { local_start "$@"; }
mon_stop() { local_stop "$@"; }
DOWN_PORT=${VT_PREFIX}-mon2

# vtap-dpdk: vm1 behind its wire (dpdk-lib.sh), the three monitor ports
# its --monitor ports
. "$(dirname "$0")/dpdk-lib.sh"
dpdk_wire
check "[dpdk] vtap-dpdk starts with three monitor ports" vdp_start \
	--vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
	--monitor "$(xdp 2 "${VT_PREFIX}-mon")" --monitor "$(xdp 3 "${VT_PREFIX}-mon2")" \
	--monitor "$(xdp 4 "${VT_PREFIX}-mon3")"
VT_CTL=dctl
rounds dpdk
vdp_stop
tap_end
