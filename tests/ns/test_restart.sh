#!/usr/bin/env bash
# Restart without a gap (issue 8.1): after SIGKILL, and after SIGTERM with
# --keep, the taps stay attached and the maps pinned, so copies keep flowing
# while vtapd is down; a new vtapd adopts the filters (same program, not
# replaced, no duplicate) and the counters continue. Over the whole run the
# monitor's frames equal the receiver's matching frames.
: "${VT_PREFIX:=vtrs}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: udp
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: udp, dst_ports: [7000] }
    monitor: mon
YAML
prog_id() { tc -j filter show dev "${VT_PREFIX}-vm1" ingress | json_of '[.[].options.prog.id // empty] | join(" ")'; }
sink_tx() { cat "/sys/class/net/${VT_PREFIX}-mon/statistics/tx_packets"; }
restart() {
	rm -f "$VT_SOCK" # a killed vtapd leaves its socket; vtapd_start waits for a new one
	vtapd_start "$@"
}

check "vtapd starts" vtapd_start
# CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_IPC_LOCK (14), CAP_PERFMON (38) and CAP_BPF (39) only, in the effective and bounding sets
caps() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$VTAPD_PID/status"; }
check "vtapd keeps only CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, CAP_PERFMON and CAP_BPF (CapEff $(caps CapEff))" \
	test "$(caps CapEff)" = 000000c000007000 -a "$(caps CapBnd)" = 000000c000007000
id0=$(prog_id)
check "vtap's program is on vm1's ingress (id $id0)" test -n "$id0"
capture_start vm2 "$VT_RUN/vm2.pcap" udp port 7000
capture_start mon "$VT_RUN/mon.pcap"
# 6 s of UDP at 250 frames/s from vm1, while vtapd is killed and restarted twice
nsx vm1 python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.time()
for i in range(1500):
    u.sendto(i.to_bytes(4, "big") * 16, ("10.77.0.2", 7000))
    time.sleep(max(0, t0 + (i + 1) / 250 - time.time()))' &
GEN=$!
sleep 1
copies_before=$(stat_of udp copies)
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
check "after SIGKILL the tap stays attached (same program)" test "$(prog_id)" = "$id0"
check "after SIGKILL the maps stay pinned" test -e "$VT_PIN/vtap_stats"
tx0=$(sink_tx); sleep 1; tx1=$(sink_tx)
diag "while vtapd was down the monitor port sent $((tx1 - tx0)) copies"
check "copies keep flowing while vtapd is down" test $((tx1 - tx0)) -gt 150
check "a new vtapd (--keep) starts" restart --keep
check "it adopted the filters: same program id, nothing replaced" test "$(prog_id)" = "$id0"
check "exactly one vtap filter per hook" \
	test "$(tc filter show dev "${VT_PREFIX}-vm1" ingress | grep -c vtap_tc_out)" -eq 1
check "the log says so" grep -q "adopted vtap's filters on ${VT_PREFIX}-vm1" "$VT_RUN/vtapd.log"
copies_after=$(stat_of udp copies)
diag "copies before the kill $copies_before, after the restart $copies_after"
check "the counters continue (not reset)" test "$copies_after" -gt "$copies_before"
sleep 1
kill -TERM "$VTAPD_PID"; wait "$VTAPD_PID"; rc=$?; VTAPD_PID=
check "SIGTERM with --keep: exit 0, the tap left attached" test $rc -eq 0 -a "$(prog_id)" = "$id0"
check "... and the pins" test -e "$VT_PIN/vtap_stats"
sleep 0.5
check "vtapd adopts again" restart
check "... the same program" test "$(prog_id)" = "$id0"
wait $GEN
capture_stop

n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "vm2 received $n_vm2 datagrams, the monitor $n_mon copies"
check "the receiver got all 1500" test "$n_vm2" -eq 1500
check "no gap: the monitor's frames equal the receiver's, byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/mon.pcap"
check "the counters continued across two restarts: copies == 1500" \
	test "$(stat_of udp copies)" -eq 1500
vtapd_stop
check "a plain SIGTERM detaches and unpins" test -z "$(prog_id)" -a ! -e "$VT_PIN"
tap_end
