#!/usr/bin/env bash
# XDP mode (vtapd --attach xdp): the frames vm1 sends are tapped by native
# XDP on its host port and copied through the ring buffer to a capture
# monitor; the frames it receives by TC, to the same monitor. The records
# equal the receiver's matching frames byte for byte; xdp.frags lets the VM
# keep a 9000-byte MTU and jumbo copies are whole; a foreign XDP program on
# a port is never replaced (TC taps that port, said in the log and status)
# and survives vtapd's start, reload and stop; a full ring is counted;
# nothing of vtap's stays behind.
. "$(dirname "$0")/lib.sh"
# (iproute2's /sys/fs/bpf/{tc,xdp,ip}, made by `ip link set ... xdpdrv`, are
# removed by scripts/run-tests.sh after the suite)
trap topo_down EXIT
topo_up
CAP=${VT_PREFIX}-cap
P1=${VT_PREFIX}-vm1
P3=${VT_PREFIX}-vm3
mkdir -p "$VT_RUN/rec"
vm_add vm3 10.77.0.3

# a foreign XDP program (XDP_PASS) on vm3's port, put there by "someone else"
cat >"$VT_RUN/foreign.c" <<'C'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int foreign_pass(struct xdp_md *ctx) { return XDP_PASS; }
char _license[] __attribute__((section("license"), used)) = "GPL";
C
clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$VT_RUN/foreign.c" -o "$VT_RUN/foreign.o"
ip link set dev "$P3" xdpdrv obj "$VT_RUN/foreign.o" sec xdp
# xdp_id PORT: the id of the XDP program on PORT, 0 when it has none
xdp_id() { ip -j -d link show "$1" | json_of '.[] | .xdp.prog.id // 0'; }
FOREIGN=$(xdp_id "$P3")
check "a foreign XDP program is on $P3 (id $FOREIGN)" test "${FOREIGN:-0}" -gt 0

cat >"$VT_POL/xdp.yaml" <<YAML
monitors:
  - { name: rec, type: capture, port: $CAP, file: $VT_RUN/rec/all.pcapng }
policies:
  - name: web
    priority: 10
    source: { ports: [$P1] }
    direction: out
    match: { protocol: tcp, dst_ports: [80] }
    monitor: rec
  - name: web-in
    priority: 11
    source: { ports: [$P1] }
    direction: in
    match: { protocol: tcp, dst_ports: [80] }
    monitor: rec
  - name: udp-cut
    priority: 20
    source: { ports: [$P1] }
    direction: out
    match: { protocol: udp, dst_ports: [9999] }
    snaplen: 60
    monitor: rec
  - name: jumbo
    priority: 30
    source: { ports: [$P1] }
    direction: out
    match: { protocol: udp, dst_ports: [9998] }
    monitor: rec
  - name: vm3-out
    priority: 40
    source: { ports: [$P3] }
    direction: out
    monitor: rec
YAML
check "vtapd starts in xdp mode" vtapd_start --attach xdp
diag "$P1 hooks: $(port_of "$P1" hooks); $P3 hooks: $(port_of "$P3" hooks) ($(port_of "$P3" hook_note))"
check "$P1: out by XDP (vtap_xdp_out, native), in by TC" \
	bash -c "[ '$(port_of "$P1" hooks)' = 'out(xdp) in' ] && ip -d link show $P1 | grep -q 'prog/xdp id .* name vtap_xdp_out'"
check "$P1: no TC tap on its ingress (one hook per direction)" \
	bash -c "! tc filter show dev $P1 ingress | grep -q vtap"
check "$P3 keeps the foreign XDP program (same id) and is tapped by TC" \
	test "$(xdp_id "$P3")" = "$FOREIGN" -a "$(port_of "$P3" hooks)" = "out"
ctl status >"$VT_RUN/status.txt"
check "vtapctl status says why: the foreign program" \
	grep -q "^$P3 .*XDP program id $FOREIGN (foreign_pass) is on the port already" "$VT_RUN/status.txt"
check "the log says so too" grep -q "$P3: out frames tapped with TC: XDP program id $FOREIGN" "$VT_RUN/vtapd.log"

# Byte for byte, offloads off in the VMs (the receiver then sees frames as sent)
for vm in vm1 vm2 vm3; do nsx $vm ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done
capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
SRV=$!
sleep 0.3
for i in 1 2 3; do nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null; done
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(b"u" * 500, ("10.77.0.2", 9999))'
nsx vm3 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
wait $SRV 2>/dev/null
capture_stop
sleep 0.3
REC=$VT_RUN/rec/all.pcapng
tshark -r "$REC" -Y 'frame.interface_name == "web" || frame.interface_name == "web-in"' \
	-F pcap -w "$VT_RUN/rec-web.pcap" 2>/dev/null
n_vm2=$(count "$VT_RUN/vm2.pcap"); n_rec=$(count "$VT_RUN/rec-web.pcap")
n_out=$(tshark -r "$REC" -Y 'frame.interface_name == "web"' 2>/dev/null | wc -l)
diag "vm2 saw $n_vm2 port-80 frames; the capture holds $n_rec ($n_out by XDP)"
check "the receiver saw port-80 traffic, and XDP copied vm1's requests ($n_out)" \
	test "$n_vm2" -gt 10 -a "$n_out" -gt 5
check "capture records (XDP out + TC in) equal the receiver's port-80 frames byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/rec-web.pcap"
check "XDP copies are counted: web copies == its records, nothing failed" \
	test "$(stat_of web copies)" -eq "$n_out" -a "$(stat_of web copy_fail)" -eq 0 -a "$(stat_of web ring_full)" -eq 0
check "snaplen 60 through the ring keeps the original length (4 records of 60 of 542 bytes)" \
	test "$(tshark -r "$REC" -Y 'frame.interface_name == "udp-cut" && frame.cap_len == 60 && frame.len == 542' 2>/dev/null | wc -l)" -eq 4
n3=$(tshark -r "$REC" -Y 'frame.interface_name == "vm3-out" && icmp' 2>/dev/null | wc -l)
check "the port with the foreign program is still tapped (TC): 3 pings copied ($n3)" test "$n3" -eq 3

# a port moved to another network namespace keeps vtap's XDP program (the
# kernel moves it along, not the clsact): vtapd says so, and takes it back
# when the port comes back (not a TC out tap beside it: frames twice)
x0=$(xdp_id "$P1")
ip netns add "${VT_PREFIX}-away"
ip link set "$P1" netns "${VT_PREFIX}-away"
moved_said() { grep -q "port $P1 moved to another network namespace with vtap's XDP tap" "$VT_RUN/vtapd.log"; }
for _ in $(seq 40); do moved_said && break; sleep 0.05; done
check "[netns] the log says $P1 left with vtap's XDP tap on it" moved_said
ip -n "${VT_PREFIX}-away" link set "$P1" netns 1
ip netns del "${VT_PREFIX}-away"
ip link set "$P1" up
for _ in $(seq 60); do [ "$(port_of "$P1" hooks)" = "out(xdp) in" ] && break; sleep 0.05; done
check "[netns] back: vtapd took its XDP program back (id $x0 -> $(xdp_id "$P1")), hooks $(port_of "$P1" hooks)" \
	test "$(xdp_id "$P1")" = "$x0" -a "$(port_of "$P1" hooks)" = "out(xdp) in"
check "[netns] no TC tap on $P1's ingress beside it" \
	bash -c "! tc filter show dev $P1 ingress 2>/dev/null | grep -q vtap"

# xdp.frags: the VM side may keep a jumbo MTU while the tap is attached,
# and a 5042-byte frame is copied whole through the ring
ip link set "$P1" mtu 9000 && ip link set "${VT_PREFIX}-vm2" mtu 9000
check "xdp.frags: vm1 sets MTU 9000 with the XDP tap attached" nsx vm1 ip link set eth0 mtu 9000
nsx vm2 ip link set eth0 mtu 9000
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"j" * 5000, ("10.77.0.2", 9998))'
sleep 0.5
jl=$(tshark -r "$REC" -Y 'frame.interface_name == "jumbo"' -T fields -e frame.cap_len -e frame.len 2>/dev/null | tr '\t\n' ' ')
check "a 5042-byte frame is copied whole ($jl)" test "$jl" = "5042 5042 "
nsx vm1 ip link set eth0 mtu 1500

# GSO/TSO: the VM side loses them while the tap is attached (veth)
tso=$(nsx vm1 ethtool -k eth0 2>/dev/null | awk '/^tcp-segmentation-offload:/ {print $2}')
nsx vm1 ethtool -K eth0 tso on gso on >/dev/null 2>&1
tso_on=$(nsx vm1 ethtool -k eth0 2>/dev/null | awk '/^tcp-segmentation-offload:/ {print $2}')
diag "vm1 eth0 TSO with the XDP tap on its peer, after asking for it: $tso_on"
check "documented cost: the VM side cannot turn TSO on while the tap is attached" test "$tso_on" = "off"

# reload: the foreign program stays
ctl reload >/dev/null
check "after reload, $P3 still has the foreign program (id $FOREIGN)" test "$(xdp_id "$P3")" = "$FOREIGN"

# --attach tc: the same set is tapped by TC; a policy's source.hook: xdp
# takes its port back to XDP
vtapd_stop
check "vtapd's stop takes its XDP program off $P1" test "$(xdp_id "$P1")" = 0
check "vtapd's stop leaves the foreign program on $P3 (id $FOREIGN)" test "$(xdp_id "$P3")" = "$FOREIGN"
check "vtapd's stop leaves no TC filter on $P1" bash -c "! tc filter show dev $P1 ingress 2>/dev/null | grep -q vtap"
tso_after=$(nsx vm1 ethtool -k eth0 2>/dev/null | awk '/^tcp-segmentation-offload:/ {print $2}')
check "TSO can be on again on the VM side once the tap is gone ($tso_after)" test "$tso_after" = "on"

# a full ring is counted: a 4 KiB ring, vtapd stopped (SIGSTOP) while vm1
# sends a burst, then resumed
# (the capture file is continued across runs: the earlier runs' records stay)
recs0=$(tshark -r "$VT_RUN/rec/all.pcapng" -Y 'frame.interface_name == "udp-cut"' 2>/dev/null | wc -l)
check "vtapd starts with a 4 KiB ring" vtapd_start --attach xdp --ring-size 4096
check "the pinned ring has 4096 bytes" \
	bash -c "bpftool map show pinned $VT_PIN/vtap_ring | grep -q 'max_entries 4096'"
kill -STOP "$VTAPD_PID"
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(200):
    s.sendto(b"u" * 100, ("10.77.0.2", 9999))'
kill -CONT "$VTAPD_PID"
sleep 0.5
m=$(stat_of udp-cut matched_pkts); cp=$(stat_of udp-cut copies); rf=$(stat_of udp-cut ring_full); cf=$(stat_of udp-cut copy_fail)
recs=$(tshark -r "$REC" -Y 'frame.interface_name == "udp-cut"' 2>/dev/null | wc -l)
diag "udp-cut: matched $m copies $cp ring_full $rf copy_fail $cf; records now $recs"
check "the ring overflowed and it is counted (ring_full > 0, in copy_fail)" test "$rf" -gt 0 -a "$cf" -eq "$rf"
check "copies + ring_full == matched frames" test $((cp + rf)) -eq "$m"
ctl stats >"$VT_RUN/stats.txt"
check "vtapctl stats shows the RINGFULL column" \
	test "$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RINGFULL") c = i }
		$1 == "udp-cut" && c { print $c }' "$VT_RUN/stats.txt")" = "$rf"
vtapd_stop
REC2=$VT_RUN/rec/all.pcapng
recs=$(tshark -r "$REC2" -Y 'frame.interface_name == "udp-cut"' 2>/dev/null | wc -l)
check "every copy counted is a record in the file ($recs == $recs0 earlier + $cp)" \
	test "$recs" -eq $((recs0 + cp))

# --keep: the XDP tap stays (copying goes on), the next vtapd adopts it
# without a gap, and the offline `vtapctl teardown` removes it
vtapd_start --attach xdp --keep
kept=$(xdp_id "$P1")
vtapd_stop
check "--keep: vtap's XDP program stays on $P1 after SIGTERM" \
	test "$kept" -gt 0 -a "$(xdp_id "$P1")" = "$kept"
: >"$VT_RUN/vtapd.log"
vtapd_start --attach xdp --keep
check "the next vtapd adopts it (same program id $kept, logged)" \
	bash -c "[ $(xdp_id "$P1") = $kept ] && grep -q 'adopted vtap.s filters on $P1' $VT_RUN/vtapd.log"
vtapd_stop
ctl teardown >"$VT_RUN/teardown.txt" 2>&1
check "offline vtapctl teardown removes the kept XDP program" \
	bash -c "grep -q 'removed vtap.s XDP program from $P1' $VT_RUN/teardown.txt && [ $(xdp_id "$P1") = 0 ]"
check "no vtap XDP program, TC filter or pin is left" \
	bash -c "[ $(xdp_id "$P1") = 0 ] && ! tc filter show dev $P1 ingress 2>/dev/null | grep -q vtap && [ ! -e $VT_PIN ]"
check "the foreign program survived it all (id $FOREIGN)" test "$(xdp_id "$P3")" = "$FOREIGN"
ip link set dev "$P3" xdpdrv off
tap_end
