#!/usr/bin/env bash
# Issue 19 item 1, while vtapd runs: a monitor port that becomes the host's
# (an address added, a route through it, enslaved to a bridge, an fe80::
# address added by hand) is refused at once — the rtnetlink event makes
# vtapd reconcile: its sink program comes off, the host's traffic through
# it works, the policy's copies count as copy_fail — and when it is clean
# again it is accepted again at once and the copies reach the monitor. The
# IPv6 link-local address the kernel gives the port itself when IPv6 is on
# does not make it the host's (docs/limits.md, "Monitor ports").
: "${VT_PREFIX:=vtmc}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
MON=${VT_PREFIX}-mon BR2=${VT_PREFIX}-br2
ip link add "$BR2" type bridge
ip link set "$BR2" up

cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
policies:
  - name: p
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: mon
YAML

now_ms() { date +%s%3N; }
refused() { ctl status --json | json_true '.refused_monitors | length == 1' >/dev/null 2>&1; }
# until STATE (refused | accepted), 3 s at most; says how long it took
wait_for() {
	local t0 i
	t0=$(now_ms)
	for i in $(seq 300); do
		if [ "$1" = refused ] && refused; then break; fi
		if [ "$1" = accepted ] && ! refused; then break; fi
		sleep 0.01
	done
	diag "$1 after $(($(now_ms) - t0)) ms"
	[ "$1" = refused ] && refused && return 0
	[ "$1" = accepted ] && ! refused
}
mon_sink() { sink_on "$MON"; }
# copies_go: 5 pings of vm1 are 5 more copies, and the monitor gets them
copies_go() {
	local c0 c f n
	c0=$(stat_of p copies)
	capture_start mon "$VT_RUN/m.pcap" icmp
	nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
	capture_until "$VT_RUN/m.pcap" 5
	capture_stop
	c=$(( $(stat_of p copies) - c0 )); n=$(count "$VT_RUN/m.pcap")
	diag "copies +$c, the monitor captured $n"
	[ "$c" -eq 5 ] && [ "$n" -eq 5 ]
}
# copies_fail: 5 pings of vm1 are 5 more copy failures, no copy
copies_fail() {
	local c0 f0 c f
	c0=$(stat_of p copies); f0=$(stat_of p copy_fail)
	nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
	c=$(( $(stat_of p copies) - c0 )); f=$(( $(stat_of p copy_fail) - f0 ))
	diag "copies +$c, copy_fail +$f"
	[ "$c" -eq 0 ] && [ "$f" -eq 5 ]
}
# change WHAT UNDO REASON: WHAT makes the port the host's; UNDO cleans it
change() {
	local what=$1 undo=$2 why=$3
	eval "$what"
	check "[$what] refused at once (within 3 s)" wait_for refused
	check "[$what] status and log say why: $why" \
		eval 'ctl status --json | json_true ".refused_monitors[0].reason == \$w" --arg w "$why" &&
			grep -qF "monitor mon: refusing port $MON: it carries the host'"'"'s own traffic ($why" "$VT_RUN/vtapd.log"'
	check "[$what] the sink program is off $MON" eval '! mon_sink'
	check "[$what] vm1's copies count as copy_fail" copies_fail
	eval "$undo"
	check "[$undo] accepted again at once (within 3 s)" wait_for accepted
	check "[$undo] the sink program is back on $MON" mon_sink
	check "[$undo] copies reach the monitor again" copies_go
	check "[$undo] vtapd never took $MON for gone (a bridge's RTM_DELLINK is of its bridge port)" \
		eval '! grep -q "port $MON (ifindex [0-9]*) is gone" "$VT_RUN/vtapd.log"'
}

check "vtapd starts" vtapd_start
check "the clean monitor port is accepted, copies reach it" copies_go

nsx mon ip addr add 10.79.0.2/24 dev eth0
ip addr add 10.79.0.1/24 dev "$MON"
check "an address added: refused at once (within 3 s)" wait_for refused
check "... status and log name the address" \
	eval 'ctl status --json | json_true ".refused_monitors[0].reason == \"it has the address 10.79.0.1/24\"" &&
		grep -qF "monitor mon: refusing port $MON: it carries the host'"'"'s own traffic (it has the address 10.79.0.1/24)" "$VT_RUN/vtapd.log"'
check "... the sink program is off $MON" eval '! mon_sink'
out=$(ping -c 5 -i 0.1 -W 1 10.79.0.2 2>&1)
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
check "... the host's pings through it work (${rx:-0} of 5)" test "${rx:-0}" -eq 5
check "... vm1's copies count as copy_fail" copies_fail
ip addr del 10.79.0.1/24 dev "$MON"
check "the address removed: accepted again at once (within 3 s)" wait_for accepted
check "... the sink program is back" mon_sink
check "... copies reach the monitor again" copies_go
check "... the log says it is accepted" \
	grep -qF "monitor mon: port $MON no longer carries the host's own traffic; copies go to it again" \
	"$VT_RUN/vtapd.log"

change "ip route add 10.80.0.0/24 dev $MON" "ip route del 10.80.0.0/24 dev $MON" \
	"it carries the route to 10.80.0.0/24 (table 254)"
change "ip link set $MON master $BR2" "ip link set $MON nomaster" \
	"it is a member of $BR2 (a bridge)"

# IPv6 on: the kernel's own link-local address is no reason to refuse
sysctl -qw "net.ipv6.conf.$MON.disable_ipv6=0"
for i in $(seq 100); do
	ip -6 addr show dev "$MON" scope link | grep -q fe80:: && break
	sleep 0.05
done
ll=$(ip -6 -o addr show dev "$MON" scope link | awk '{print $4}')
diag "the kernel gave $MON ${ll:-no link-local address}"
check "IPv6 on: the kernel's link-local address ${ll:-?} is there" test -n "$ll"
sleep 0.3
check "... and the port is not refused for it" eval '! refused'
check "... copies still reach the monitor" copies_go
change "ip addr add fe80::99/64 dev $MON" "ip addr del fe80::99/64 dev $MON" \
	"it has the address fe80::99/64"
tap_end
