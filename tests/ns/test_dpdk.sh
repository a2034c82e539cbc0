#!/usr/bin/env bash
# vtap-dpdk, the DPDK fallback datapath, with net_af_xdp ports on veths.
# Acceptance scenario §6.1 through it: vm1's host port is not on the bridge;
# vtap-dpdk is the bump in the wire between it and a veth to the bridge
# (${VT_PREFIX}-w1), and copies matching frames to the monitor's port. The
# monitor's capture must equal the matching frames captured at vm2, byte
# for byte; nothing else reaches it; vtapctl's counters (over vtap-dpdk's
# socket) agree with the captures. Then snaplen + sample after a reload,
# bad input, and a clean teardown.
: "${VT_PREFIX:=vdp}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dpdk-lib.sh"
cleanup() { vdp_stop; topo_down; }
trap cleanup EXIT
dpdk_wire_up
VM_ARGS=(--vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" --monitor "$(xdp 2 "${VT_PREFIX}-mon")")

# ---- bad input: clear errors that name the culprit, nothing left running
# refused VDP_ARGS... PATTERN: vtap-dpdk exits non-zero, its output matches
refused() {
	local pat=${*: -1} rc
	"${VDP_ENV[@]}" "$VDP" "${@:1:$#-1}" --policy-dir "$VT_POL" --socket "$VDP_SOCK" >"$VT_RUN/err.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && grep -qE -- "$pat" "$VT_RUN/err.log" && return 0
	diag "exit $rc:"; sed 's/^/# /' "$VT_RUN/err.log" | tail -5
	return 1
}
check "an unknown device is refused, named" \
	refused --vm net_bogus0,iface=x --net "$(xdp 1 "$W")" "error: --vm net_bogus0"
check "a missing interface is refused, named" \
	refused --vm "$(xdp 0 "${VT_PREFIX}-nope")" --net "$(xdp 1 "$W")" "error: --vm .*${VT_PREFIX}-nope"
printf 'policies:\n  - name: broken\n    direction: sideways\n' >"$VT_POL/bad.yaml"
check "a malformed policy is refused with FILE:LINE:COLUMN" \
	refused "${VM_ARGS[@]}" "bad.yaml:3:[0-9]+: "
rm -f "$VT_POL/bad.yaml"
check "no XDP program left on the ports after the refusals" \
	bash -c "! ip link show ${VT_PREFIX}-vm1 | grep -q xdp && ! ip link show $W | grep -q xdp"

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
check "vtap-dpdk starts with the policy" vdp_start "${VM_ARGS[@]}"
check "vtapctl status over its socket shows the dpdk engine and the wire" \
	bash -c "$VTAPCTL --socket $VDP_SOCK status | grep -q '^engine: *dpdk' && $VTAPCTL --socket $VDP_SOCK status | grep -q '^vm *${VT_PREFIX}-vm1'"
quiet_ping() { nsx vm1 ping -c 2 -W 2 -q 10.77.0.2 >/dev/null; }
check "frames cross the wire (ping vm1 -> vm2)" quiet_ping

capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
capture_start mon "$VT_RUN/mon.pcap"
web_traffic
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
matched=$(dstat web matched_pkts); copies=$(dstat web copies); failed=$(dstat web copy_fail)
bytes=$(dstat web matched_bytes)
cap_bytes=$(tshark -r "$VT_RUN/mon.pcap" -T fields -e frame.len 2>/dev/null | awk '{s += $1} END {print s + 0}')
diag "vtapctl: matched $matched ($bytes bytes), copies $copies, failed $failed; monitor $cap_bytes bytes"
check "counters: matched == copies == monitor's frames, no failure" \
	test "$matched" -eq "$n_mon" -a "$copies" -eq "$n_mon" -a "$failed" -eq 0
check "counters: matched bytes == the monitor's captured bytes" test "$bytes" -eq "$cap_bytes"
check "sink counter: delivered == monitor's frames" test "$(dsink_stat delivered)" -eq "$n_mon"

# ---- reload (vtapctl reload): snaplen and sample, one direction
cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: cut
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: udp, dst_ports: [9000] }
    snaplen: 60
    sample: 3
    monitor: mon
YAML
check "vtapctl reload swaps the rule set" dctl reload
capture_start vm2 "$VT_RUN/vm2u.pcap" udp port 9000
capture_start mon "$VT_RUN/monu.pcap"
N=30
nsx vm1 python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range('$N'):
    u.sendto(bytes([i]) * 400, ("10.77.0.2", 9000))
    time.sleep(0.002)'
capture_stop
n_vm2=$(count "$VT_RUN/vm2u.pcap"); n_mon=$(count "$VT_RUN/monu.pcap")
diag "vm2 received $n_vm2 datagrams, the monitor $n_mon copies"
check "the receiver got every original, whole" \
	test "$n_vm2" -eq $N -a "$(tcpdump -r "$VT_RUN/vm2u.pcap" -nn 'len == 442' 2>/dev/null | wc -l)" -eq $N
check "1 in 3 copied: $(((N + 2) / 3)) copies" test "$n_mon" -eq $(((N + 2) / 3))
check "every copy is cut to 60 bytes" \
	test "$(tshark -r "$VT_RUN/monu.pcap" -T fields -e frame.len 2>/dev/null | sort -u)" = 60
orig=$(frames "$VT_RUN/vm2u.pcap" | cut -c1-120 | sort -u)
bad=0
while read -r f; do
	grep -qx "$f" <<<"$orig" || bad=$((bad + 1))
done < <(frames "$VT_RUN/monu.pcap")
check "every copy equals the head of an original" test "$bad" -eq 0
check "counters: matched $N, copies $n_mon, sampled out $((N - n_mon))" \
	test "$(dstat cut matched_pkts)" -eq $N -a "$(dstat cut copies)" -eq "$n_mon" \
	-a "$(dstat cut sampled_out)" -eq $((N - n_mon))
check "sink counted every truncation" test "$(dsink_stat truncated)" -eq "$n_mon"
check "DPDK telemetry serves the same counters" \
	bash -c "[ -S /var/run/dpdk/vtap-dpdk-$VDP_PID/dpdk_telemetry.v2 ] && python3 - /var/run/dpdk/vtap-dpdk-$VDP_PID/dpdk_telemetry.v2 $n_mon <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.recv(4096)
s.send(b'/vtap/stats,cut')
d = json.loads(s.recv(65536))['/vtap/stats']
sys.exit(0 if d['copies'] == int(sys.argv[2]) else 1)
PY"

# ---- teardown
pid=$VDP_PID
vdp_stop
check "vtap-dpdk exits 0 on SIGTERM" test "$VDP_RC" -eq 0
check "its socket, runtime directory and XDP programs are gone" \
	bash -c "[ ! -e $VDP_SOCK ] && [ ! -e /var/run/dpdk/vtap-dpdk-$pid ] && ! ip link show ${VT_PREFIX}-vm1 | grep -q xdp && ! ip link show $W | grep -q xdp && ! ip link show ${VT_PREFIX}-mon | grep -q xdp"
tap_end
