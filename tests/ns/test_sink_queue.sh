#!/usr/bin/env bash
# A capture sink's receive side off the tapped port's CPU
# (user/kernel/sink_queue.c): on a veth pair the operator made, vtapd runs
# the peer's NAPI in its own thread, timer-polled, with a pfifo (handle
# 7a70:) as the sink's root qdisc; a burst at full speed arrives whole (every
# copy a record, none dropped by the veth or the queue); vtapd's stop puts
# every setting back. A sink whose root qdisc is somebody else's keeps it:
# vtapd warns and the capture works as before.
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
CAP=${VT_PREFIX}-cq
PEER=${VT_PREFIX}-cqp
mkdir -p "$VT_RUN/rec"
ip link add "$CAP" type veth peer name "$PEER"
ip link set "$PEER" up
ip link set "$CAP" up

sysv() { cat "/sys/class/net/$1/$2"; }
settings() { echo "$(sysv "$PEER" threaded) $(sysv "$PEER" napi_defer_hard_irqs) $(sysv "$PEER" gro_flush_timeout)"; }
before=$(settings)
diag "the peer before vtapd (threaded napi_defer_hard_irqs gro_flush_timeout): $before"

cat >"$VT_POL/cap.yaml" <<YAML
monitors:
  - { name: rec, type: capture, port: $CAP, file: $VT_RUN/rec/all.pcapng }
policies:
  - { name: all, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: udp }, monitor: rec }
YAML
check "vtapd starts with a capture monitor on an operator's veth" vtapd_start --attach tc
for i in $(seq 40); do
	ip -d link show "$PEER" | grep -q 'prog/xdp' && break
	sleep 0.05
done
now=$(settings)
diag "the peer with vtapd: $now; sink qdisc: $(tc qdisc show dev "$CAP" root)"
check "the peer's NAPI runs in its own thread, timer-polled" test "$now" = "1 100 50000"
check "the peer's NAPI thread exists" bash -c "pgrep -x 'napi/$PEER-[0-9]*' >/dev/null"
check "the sink has vtap's pfifo as its root qdisc" \
	bash -c "tc qdisc show dev $CAP root | grep -q '^qdisc pfifo 7a70: root.*limit 10000p'"

# a burst faster than one CPU can receive: 20000 UDP frames from vm1, VLAN
# tagged, so that their copies take the sink veth (the stack holds the tag
# outside the frame at TC, and only the sink program puts it back in; a
# plain frame's copy goes to a capture through the ring buffer instead)
m2=$(nsx vm2 cat /sys/class/net/eth0/address)
cat >"$VT_RUN/burst.cfg" <<EOF
{ eth(da=$m2), vlan(id=7), ipv4(saddr=10.77.0.1, daddr=10.77.0.99, ttl=64), udp(sp=4000, dp=9), fill(0x00, 18) }
EOF
nsx vm1 trafgen -o eth0 -i "$VT_RUN/burst.cfg" -n 20000 -P 1 -C -Q >/dev/null 2>&1
for i in $(seq 100); do
	[ "$(ctl_json '.monitor_sinks[0].written' status)" -ge "$(stat_of all copies)" ] && break
	sleep 0.1
done
copies=$(stat_of all copies)
written=$(ctl_json '.monitor_sinks[0].written' status)
qdrop=$(ctl_json '.monitor_sinks[0].sink_dropped' status)
vdrop=$(sysv "$CAP" statistics/tx_dropped)
rfull=$(ctl_json '.monitor_sinks[0].ring_full' status)
fempty=$(ctl_json '.monitor_sinks[0].fill_empty' status)
diag "burst: copies $copies, records $written, sink_dropped $qdrop, veth tx_dropped $vdrop, ring_full $rfull, fill_empty $fempty"
diag "$(tc -s qdisc show dev "$CAP" root | tr '\n' ' ')"
check "the burst was copied (20000 copies)" test "$copies" -ge 20000
# (xdp_received: what the peer's XDP program redirected to the socket, which
# counts the frames the socket then drops too)
check "through the sink veth's socket (the case is exercised)" \
	test "$(ctl_json '.monitor_sinks[0].xdp_received' status)" -ge 20000
check "none lost by the veth or its queue" test "$qdrop" -eq 0 -a "$vdrop" -eq 0
# vtapd itself may fall behind on a loaded host: then the kernel counts what
# the socket could not take (ring_full: its receive ring full; fill_empty:
# no free UMEM frame), once each; either way no copy goes uncounted
check "every copy is a record or counted once, ring_full or fill_empty" \
	test "$((written + rfull + fempty))" -eq "$copies"
check "vtapctl status --json counts sink_dropped" test -n "$qdrop"

vtapd_stop
after=$(settings)
diag "the peer after vtapd: $after; sink qdisc: $(tc qdisc show dev "$CAP" root)"
check "vtapd's stop puts the peer's settings back" test "$after" = "$before"
check "and removes its qdisc" bash -c "! tc qdisc show dev $CAP root | grep -q 7a70"
check "the operator's veth stays" ip link show "$CAP"

# somebody else's root qdisc on the sink: left alone
tc qdisc add dev "$CAP" root handle 1: pfifo limit 123
check "vtapd starts again" vtapd_start --attach tc
for i in $(seq 40); do
	ip -d link show "$PEER" | grep -q 'prog/xdp' && break
	sleep 0.05
done
check "a foreign root qdisc stays as it was" \
	bash -c "tc qdisc show dev $CAP root | grep -q '^qdisc pfifo 1: root.*limit 123p'"
check "vtapd says the receive work stays on the tapped ports' CPUs" \
	grep -q "receives on the tapped ports' CPUs" "$VT_RUN/vtapd.log"
nsx vm1 trafgen -o eth0 -i "$VT_RUN/burst.cfg" -n 50 -P 1 -C -Q >/dev/null 2>&1
for i in $(seq 50); do
	[ "$(ctl_json '.monitor_sinks[0].written' status)" -ge 50 ] && break
	sleep 0.1
done
check "the capture works all the same (50 records)" \
	test "$(ctl_json '.monitor_sinks[0].written' status)" -ge 50
vtapd_stop
check "the foreign qdisc is still there after vtapd's stop" \
	bash -c "tc qdisc show dev $CAP root | grep -q '^qdisc pfifo 1: root'"
ip link del "$CAP"
echo "1..$TAP_N"
exit $((TAP_FAILED > 0))
