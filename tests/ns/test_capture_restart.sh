#!/usr/bin/env bash
# Issue 19 item 10 (b): a capture survives a restart of vtapd with --keep,
# under steady traffic (100 pings a second), with every copy accounted:
#  - tc: the copies reach the sink veth's peer (a VLAN-tagged frame first,
#    which the ring buffer cannot carry, puts the capture on the sink veth
#    for good: bpf/vtap_maps.h, vtap_cap_veth). The capture's XDP program
#    stays there with its maps pinned under the pin root; between the old
#    vtapd's socket closing and the new one's opening, it drops them and
#    counts no_socket (a socket dies with its process: that gap cannot be
#    closed from user space). The new vtapd loads its program on the same
#    maps, replaces the old one in place and continues the same file (its
#    section and interfaces, after the old run's last whole block).
#  - xdp: the copies go through the pinned ring buffer, which the new vtapd
#    drains: nothing is lost.
# Either way: records in the file (both runs) == the policy's copies -
# no_socket - ring_full - fill_empty (copies and no_socket are pinned and
# span both runs; ring_full and fill_empty are the second vtapd's socket's
# only, which holds as long as the first run's socket dropped nothing — its
# few hundred copies never fill 2048 frames), and the first run's records
# are still in it. At the end vtapd (without
# --keep) takes the program off the peer and removes the capture's pins.
: "${VT_PREFIX:=vtcr}"
. "$(dirname "$0")/lib.sh"
PING=
cleanup() { [ -n "$PING" ] && kill "$PING" 2>/dev/null; topo_down; }
trap cleanup EXIT
topo_up
CAP=${VT_PREFIX}-cap VM1=${VT_PREFIX}-vm1

records() { tcpdump -r "$1" -nn 2>/dev/null | wc -l; }
cap_stat() { ctl status --json | json_of '.monitor_sinks[] | select(.monitor == "rec") | .[$f]' --arg f "$1"; }
# until the policy's copies stop growing (the traffic has stopped)
settle() {
	local a b i
	b=$(stat_of p copies)
	for i in $(seq 50); do
		sleep 0.2
		a=$b; b=$(stat_of p copies)
		[ "$a" = "$b" ] && return 0
	done
	return 1
}

for mode in tc xdp; do
	FILE=$VT_RUN/$mode.pcapng
	cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: rec, type: capture, port: $CAP, file: $FILE }
policies:
  - name: p
    source: { ports: [$VM1] }
    direction: out
    match: { protocol: icmp }
    monitor: rec
YAML
	check "[$mode] vtapd starts (--keep)" vtapd_start --keep --attach "$mode"
	if [ "$mode" = tc ]; then
		m2=$(nsx vm2 cat /sys/class/net/eth0/address)
		echo "{ eth(da=$m2), vlan(id=7), ipv4(saddr=10.77.0.1, daddr=10.77.0.2, ttl=64), icmp4(echorequest, id=1, seq=1), fill(0x00, 8) }" \
			>"$VT_RUN/tagged.cfg"
		nsx vm1 trafgen -o eth0 -i "$VT_RUN/tagged.cfg" -n 1 -Q >/dev/null 2>&1
		sink=$(cat "/sys/class/net/$CAP/ifindex")
		on_veth() { map_true vtap_cap_veth "[.[] | select(.formatted.key == $sink)] | length == 1"; }
		for _ in $(seq 40); do on_veth && break; sleep 0.05; done
		check "[tc] a tagged copy put the capture on the sink veth (vtap_cap_veth[$sink])" on_veth
	fi
	# (not through nsx: $! must be ping itself)
	ip netns exec "${VT_PREFIX}-vm1" ping -i 0.01 -q 10.77.0.2 >/dev/null 2>&1 &
	PING=$!
	sleep 1
	c1=$(stat_of p copies)
	kill -TERM "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
	r1=$(records "$FILE")
	diag "[$mode] first run: $c1 copies before the stop, $r1 records in the file after it"
	check "[$mode] the first run wrote its records" test "$r1" -ge "$c1" -a "$c1" -gt 50
	if [ "$mode" = tc ]; then
		check "[tc] during the restart the capture's program stays on ${CAP}p" \
			bash -c "ip -d link show ${CAP}p | grep -q 'prog/xdp'"
		check "[tc] ... its maps pinned under the pin root" \
			test -e "$VT_PIN/capture-${CAP}p/vtap_xsks" -a -e "$VT_PIN/capture-${CAP}p/vtap_xsk_stats"
	fi
	sleep 0.5 # the gap: traffic goes on
	check "[$mode] vtapd starts again (it adopts what the first one kept)" \
		vtapd_start --attach "$mode"
	sleep 1
	kill "$PING"; wait "$PING" 2>/dev/null; PING=
	check "[$mode] the copies settle" settle
	sleep 0.3 # the last copies read and written
	c=$(stat_of p copies); f=$(stat_of p copy_fail)
	ns=$(cap_stat no_socket); rf=$(($(cap_stat ring_full) + $(cap_stat fill_empty))); bad=$(cap_stat bad)
	r=$(records "$FILE"); w=$(cap_stat written)
	unrouted=$(ctl_json .ring.unrouted status)
	lost=$((ns + rf))
	diag "[$mode] XDP program on the peer: received $(cap_stat xdp_received); vtapd's socket: received $(cap_stat received); ring records $(ctl_json .ring.records status)"
	diag "[$mode] copies $c (copy_fail $f), records in the file $r ($r1 from the first run, $w from the second), no_socket $ns, ring_full + fill_empty $rf, bad $bad"
	check "[$mode] records == copies - no_socket - ring_full - fill_empty ($r == $c - $lost)" \
		test "$r" -eq $((c - lost))
	check "[$mode] no ring copy went unrouted ($unrouted)" test "$unrouted" -eq 0
	check "[$mode] the first run's records are still there, the second run's follow" \
		test "$r" -eq $((r1 + w)) -a "$w" -gt 0
	if [ "$mode" = xdp ]; then
		check "[xdp] nothing lost: no_socket, ring_full and fill_empty are 0" test "$lost" -eq 0
	else
		diag "[tc] $ns copies arrived while no vtapd had the socket: dropped, counted no_socket"
		check "[tc] the copies came through the sink veth's socket, none through the ring" \
			test "$(cap_stat from_ring)" -eq 0 -a "$(cap_stat received)" -gt 0
	fi
	check "[$mode] tshark reads every record, each under its policy's interface" \
		test "$(tshark -r "$FILE" -Y 'frame.interface_name == "p"' 2>/dev/null | wc -l)" -eq "$r"
	vtapd_stop
	check "[$mode] stopped without --keep: the program is off ${CAP}p (the veth is gone)" \
		bash -c "! ip -d link show ${CAP}p 2>/dev/null | grep -q 'prog/xdp'"
	check "[$mode] ... and the capture's pins are gone" \
		bash -c "! ls -d $VT_PIN/capture-* 2>/dev/null | grep -q ."
done
tap_end
