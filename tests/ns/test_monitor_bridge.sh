#!/usr/bin/env bash
# Issue 19 items 1 and 2: ports through which copies would come back (a
# loop) or that carry other links' traffic are refused as monitor ports:
#  - the VMs' bridge itself (copies sent into it flooded back out of the VM
#    ports and were tapped again: 87 matched for 10 pings, duplicates at the
#    VMs);
#  - a member of that bridge (vm2's own port);
#  - a veth whose other end, in this namespace, is a member of the bridge;
#  - the lower device of a macvlan.
# Each time: refused with the reason in status, no sink program on it,
# vm1's 10 pings reach vm2 once each (no duplicates at either VM), the
# policy's matched count equals the traffic (10 requests out, 10 replies
# in) and all its copies are counted as copy_fail.
# (A bond or team member is refused by the same rule as a bridge member,
# any master: this kernel has no bonding or team driver to show it.)
: "${VT_PREFIX:=vtmb}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
BR=${VT_PREFIX}-br VM1=${VT_PREFIX}-vm1 VM2=${VT_PREFIX}-vm2
PA=${VT_PREFIX}-pa PB=${VT_PREFIX}-pb LW=${VT_PREFIX}-lw MV=${VT_PREFIX}-mv

# a veth pair with one end on the bridge; a veth (other end in a
# namespace) under a macvlan
ip link add "$PA" type veth peer name "$PB"
ip link set "$PB" master "$BR" up
ip link set "$PA" up
ip netns add "$LW"
ip link add "$LW" type veth peer name eth0 netns "$LW"
ip link set "$LW" up
ip link add "$MV" link "$LW" type macvlan mode bridge
ip link set "$MV" up

# put FILE: stdin becomes FILE in one rename (one reload)
put() { cat >"$VT_RUN/put.tmp"; mv "$VT_RUN/put.tmp" "$1"; }
policy() { # MONITOR-PORT: vm1's ICMP both ways to a local monitor on it
	put "$VT_POL/10.yaml" <<YAML
monitors:
  - { name: m, type: local, port: $1 }
policies:
  - name: p
    source: { ports: [$VM1] }
    direction: both
    match: { protocol: icmp }
    monitor: m
YAML
}

# round PORT REASON: the monitor on PORT is refused for REASON, and no copy
# loops
round() {
	local port=$1 why=$2 ok0 m0 f0 m f c n1 n2 pr
	ok0=$(status_of reloads_ok)
	policy "$port"
	wait_status reloads_ok $((ok0 + 1)) >/dev/null
	check "[$port] refused, status says why: $why" \
		eval 'ctl status --json | json_true "[.refused_monitors[] | select(.port == \$p and (.reason | contains(\$w)))] | length == 1" --arg p "$port" --arg w "$why"'
	check "[$port] log says why" \
		grep -qF "monitor m: refusing port $port: it carries the host's own traffic ($why" \
		"$VT_RUN/vtapd.log"
	check "[$port] no sink program on it" \
		eval "! sink_on $port"
	m0=$(stat_of p matched_pkts); f0=$(stat_of p copy_fail)
	capture_start vm2 "$VT_RUN/vm2.pcap" icmp
	capture_start vm1 "$VT_RUN/vm1.pcap" icmp
	# ping's own count tells a lost reply from one tcpdump missed
	pr=$(nsx vm1 ping -c 10 -i 0.05 -q 10.77.0.2 | awk '/received/ { print $4 }')
	capture_stop
	n2=$(tcpdump -r "$VT_RUN/vm2.pcap" -nn 'icmp[icmptype] == icmp-echo' 2>/dev/null | wc -l)
	n1=$(tcpdump -r "$VT_RUN/vm1.pcap" -nn 'icmp[icmptype] == icmp-echoreply' 2>/dev/null | wc -l)
	m=$(( $(stat_of p matched_pkts) - m0 )); f=$(( $(stat_of p copy_fail) - f0 ))
	c=$(stat_of p copies)
	diag "[$port] vm2 got $n2 requests, vm1 $n1 replies (ping: ${pr:-?} received); matched $m, copy_fail $f, copies $c"
	check "[$port] each ping once at each VM: 10 requests at vm2, 10 replies at vm1" \
		test "$n2" -eq 10 -a "$n1" -eq 10
	check "[$port] matched == the traffic (20), all copy_fail, no copy sent" \
		test "$m" -eq 20 -a "$f" -eq 20 -a "$c" -eq 0
}

policy "${VT_PREFIX}-mon"
check "vtapd starts (a clean monitor port first)" vtapd_start
check "the clean port is not refused" \
	eval 'ctl status --json | json_true ".refused_monitors | length == 0"'
round "$BR" "it is a bridge"
round "$VM2" "it is a member of $BR (a bridge)"
round "$PA" "its veth peer $PB: it is a member of $BR (a bridge)"
round "$LW" "it is the lower device of $MV (a macvlan)"
tap_end
