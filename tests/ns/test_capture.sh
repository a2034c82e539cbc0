#!/usr/bin/env bash
# Monitor type capture (§6.1 through vtapd's AF_XDP reader): vtapd makes the
# sink veth, puts bpf/vtap_xsk.bpf.c on its peer and writes pcapng. The
# records of policy web equal, byte for byte and in number, the matching
# frames captured at the receiver; each policy is its own interface; snaplen
# keeps the original length; `vtapctl capture` streams live pcapng to tshark;
# counters agree; the sink veth and XDP program go with vtapd.
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
CAP=${VT_PREFIX}-cap
mkdir -p "$VT_RUN/rec"

cat >"$VT_POL/cap.yaml" <<YAML
monitors:
  - { name: rec, type: capture, port: $CAP, file: $VT_RUN/rec/all.pcapng }
policies:
  - name: web
    priority: 10
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: tcp, dst_ports: [80] }
    monitor: rec
  - name: web-in
    priority: 11
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: in
    match: { protocol: tcp, dst_ports: [80] }
    monitor: rec
  - name: udp-cut
    priority: 20
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: udp, dst_ports: [9999] }
    snaplen: 60
    monitor: rec
  - name: jumbo
    priority: 30
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: udp, dst_ports: [9998] }
    monitor: rec
YAML
# the TC tap: plain frames and GSO super-frames reach the capture through
# the ring buffer, whole; after a frame with a stack-held VLAN tag, every
# copy through the sink veth (super-frames segmented there, cut to its
# MTU, sink counters); the XDP tap is test_xdp.sh
check "vtapd starts with a capture monitor (--attach tc)" vtapd_start --attach tc
for i in $(seq 40); do
	ip link show "$CAP" >/dev/null 2>&1 && sink_on "$CAP" && break
	sleep 0.05
done
check "vtapd made the sink veth $CAP and put the sink program on it" \
	sink_on "$CAP"
check "the peer ${CAP}p carries the XDP program vtap_xsk" \
	bash -c "ip -d link show ${CAP}p | grep -q 'prog/xdp'"
ctl capture nope -w "$VT_RUN/x.pcapng" 2>"$VT_RUN/err.txt"
rc=$?
diag "vtapctl capture nope: exit $rc: $(cat "$VT_RUN/err.txt")"
check "vtapctl capture refuses a policy that does not exist" \
	test "$rc" -ne 0 -a "$(grep -c 'no policy named nope' "$VT_RUN/err.txt")" -eq 1

# Byte-for-byte first, with segmentation offloads off in the VMs: the
# receiver then sees the frames as sent. (With them on, it sees GSO/GRO
# super-frames: through the ring whole, on the sink veth segmented; below.)
for vm in vm1 vm2; do nsx $vm ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done

# a live stream of 5 records of web, read by tshark from a pipe
( ctl capture web -c 5 -w - | tshark -r - -T fields -e frame.interface_name -e frame.len \
	>"$VT_RUN/live.txt" 2>"$VT_RUN/live.err" ) &
LIVE=$!
# not through ctl: $! must be vtapctl itself, to be sent SIGINT
"$VTAPCTL" --socket "$VT_SOCK" capture web -w "$VT_RUN/live-file.pcapng" &
LIVEF=$!
sleep 0.5

capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
SRV=$!
sleep 0.3
for i in 1 2 3; do
	nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null
done
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(b"u" * 500, ("10.77.0.2", 9999))'
wait $SRV 2>/dev/null
capture_stop
sleep 0.3
kill -INT $LIVEF 2>/dev/null; wait $LIVEF 2>/dev/null; rc_livef=$?
wait $LIVE 2>/dev/null
check "vtapctl capture stopped by SIGINT: exit 0" test "$rc_livef" -eq 0

REC=$VT_RUN/rec/all.pcapng
ifaces=$(tshark -r "$REC" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
diag "records per interface: $ifaces"
check "one pcapng interface per policy (web, web-in, udp-cut), named" \
	test "$(capinfos -I "$REC" 2>/dev/null | grep -E -c 'Name = (web|web-in|udp-cut)$')" -eq 3
# web's and web-replies' records together, as a pcap, against vm2's capture
tshark -r "$REC" -Y 'frame.interface_name == "web" || frame.interface_name == "web-in"' \
	-F pcap -w "$VT_RUN/rec-web.pcap" 2>/dev/null
n_vm2=$(count "$VT_RUN/vm2.pcap"); n_rec=$(count "$VT_RUN/rec-web.pcap")
diag "vm2 saw $n_vm2 port-80 frames, the capture holds $n_rec"
check "the receiver saw port-80 traffic" test "$n_vm2" -gt 10
check "capture records equal the receiver's matching frames byte for byte" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/rec-web.pcap"
n_req=$(tshark -r "$REC" -Y 'frame.interface_name == "web" && tcp.dstport == 80' 2>/dev/null | wc -l)
n_rep=$(tshark -r "$REC" -Y 'frame.interface_name == "web-in" && tcp.srcport == 80' 2>/dev/null | wc -l)
check "requests on interface web ($n_req), replies on web-in ($n_rep), nothing else" \
	test "$n_req" -gt 5 -a "$n_rep" -gt 5 -a $((n_req + n_rep)) -eq "$n_rec"
cut=$(tshark -r "$REC" -Y 'frame.interface_name == "udp-cut"' -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u | tr '\t\n' ' ')
diag "udp-cut records (cap_len len): $cut"
check "snaplen 60 keeps the original length (4 records of 60 of 542 bytes)" \
	test "$(tshark -r "$REC" -Y 'frame.interface_name == "udp-cut" && frame.cap_len == 60 && frame.len == 542' 2>/dev/null | wc -l)" -eq 4
ts=$(tshark -r "$REC" -T fields -e frame.time_epoch -c 1 2>/dev/null)
diag "first record at $ts (now $(date +%s.%N))"
check "nanosecond timestamps (if_tsresol 9) within this run" \
	python3 -c 'import sys, time; t = sys.argv[1]; sys.exit(not (len(t.split(".")[1]) == 9 and time.time() - 120 < float(t) <= time.time()))' "$ts"
copies=$(($(stat_of web copies) + $(stat_of web-in copies) + $(stat_of udp-cut copies)))
total=$(tshark -r "$REC" 2>/dev/null | wc -l)
diag "vtapctl: copies $copies; records in the file $total"
check "every copy is a record in the file (copies == records)" test "$copies" -eq "$total"
written=$(ctl_json '.monitor_sinks[0].written' status)
check "vtapctl status counts the records written ($written)" test "$written" -eq "$total"
ring=$(ctl_json '.monitor_sinks[0].from_ring' status); sock=$(ctl_json '.monitor_sinks[0].received' status)
diag "plain frames: $ring records through the ring buffer, $sock through the sink veth's socket"
check "plain frames came through the ring buffer, none through the sink veth" \
	test "$ring" -eq "$total" -a "$sock" -eq 0
check "live stream through tshark: 5 records of web" \
	bash -c "[ \$(wc -l <$VT_RUN/live.txt) -eq 5 ] && [ \$(grep -c '^web	' $VT_RUN/live.txt) -eq 5 ]"
check "live stream to a file (stopped by SIGINT): web's $n_req records" \
	test "$(tshark -r "$VT_RUN/live-file.pcapng" -Y 'frame.interface_name == "web"' 2>/dev/null | wc -l)" -eq "$n_req"

# A plain frame longer than the sink veth carries: through the ring buffer,
# whole (a 5042-byte UDP frame of 9000-byte MTU VMs is one record of 5042
# bytes), no cut counted
for l in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$l" mtu 9000; done
for vm in vm1 vm2; do nsx $vm ip link set eth0 mtu 9000; done
before=$(tshark -r "$REC" 2>/dev/null | wc -l)
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"j" * 5000, ("10.77.0.2", 9998))'
sleep 0.5
jl=$(tshark -r "$REC" -Y "frame.number > $before && frame.interface_name == \"jumbo\"" -T fields -e frame.cap_len -e frame.len 2>/dev/null | tr '\t\n' ' ')
too_big=$(sink_stat too_big)
diag "jumbo record (cap_len len): $jl; sink too_big $too_big"
check "a 5042-byte plain frame is one whole record (the ring), no cut counted" \
	test "$jl" = "5042 5042 " -a "$too_big" -eq 0
for l in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$l" mtu 1500; done
for vm in vm1 vm2; do nsx $vm ip link set eth0 mtu 1500; done

# GSO on: vm2 answers with super-frames (up to 64 KiB). Through the ring
# the capture holds them whole, byte for byte as vm2 sent them (as a local
# monitor and tcpdump on the VM's port see them): one record each, no
# segments, nothing through the sink veth
for vm in vm1 vm2; do nsx $vm ethtool -K eth0 tso on gso on >/dev/null 2>&1; done
# gets_captured N PCAP: N web GETs, vm2's side of them into PCAP; before:
# how many records the capture held until then
gets_captured() {
	before=$(tshark -r "$REC" 2>/dev/null | wc -l)
	capture_start vm2 "$2" tcp port 80
	web_gets "$1"
	capture_stop
	sleep 0.3
}
# gso_checks LABEL: the TCP payload vm2 sent is all in the records after
# $before, none malformed, in the order the copies were made; largest
# record in max_rec
gso_checks() {
	local sum_vm2 sum_rec bad ooo
	big=$(tcpdump -r "$VT_RUN/vm2-gso.pcap" -nn 'greater 1515' 2>/dev/null | wc -l)
	sum_vm2=$(tshark -r "$VT_RUN/vm2-gso.pcap" -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	sum_rec=$(tshark -r "$REC" -Y "frame.number > $before && tcp" -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	max_rec=$(tshark -r "$REC" -Y "frame.number > $before" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
	bad=$(tshark -r "$REC" -Y "frame.number > $before && (_ws.malformed || _ws.expert.severity >= error)" 2>/dev/null | wc -l)
	ooo=$(tshark -r "$REC" -Y "frame.number > $before && (tcp.analysis.out_of_order || tcp.analysis.retransmission || tcp.analysis.ack_lost_segment || tcp.analysis.lost_segment)" 2>/dev/null | wc -l)
	diag "$1: vm2 sent $big frames over 1514 bytes; TCP payload vm2 $sum_vm2, capture $sum_rec; largest record $max_rec; malformed $bad; out of order $ooo"
	check "$1: the receiver did get super-frames (the case is exercised)" test "$big" -gt 0
	check "$1: the capture carries the same TCP payload, none malformed" \
		test "$sum_vm2" -gt 60000 -a "$sum_vm2" -eq "$sum_rec" -a "$bad" -eq 0
	check "$1: the records are in the order the copies were made (tshark's TCP analysis: $ooo out of order, retransmitted or lost)" \
		test "$ooo" -eq 0
}
ring0=$(ctl_json '.monitor_sinks[0].from_ring' status); sock0=$(ctl_json '.monitor_sinks[0].received' status)
gets_captured 3 "$VT_RUN/vm2-gso.pcap"
gso_checks "GSO (ring)"
tshark -r "$REC" -Y "frame.number > $before" -F pcap -w "$VT_RUN/rec-gso.pcap" 2>/dev/null
whole() { [ "${max_rec:-0}" -gt 1514 ] && same_frames "$@"; }
check "GSO (ring): the records are vm2's frames byte for byte, super-frames whole (largest $max_rec bytes)" \
	whole "$VT_RUN/vm2-gso.pcap" "$VT_RUN/rec-gso.pcap"
ring1=$(ctl_json '.monitor_sinks[0].from_ring' status); sock1=$(ctl_json '.monitor_sinks[0].received' status)
n_gso=$(count "$VT_RUN/rec-gso.pcap")
diag "GSO (ring): ring $ring0 -> $ring1, socket $sock0 -> $sock1, records $n_gso"
check "GSO (ring): every record came through the ring, none through the sink veth" \
	test $((ring1 - ring0)) -eq "$n_gso" -a "$sock1" -eq "$sock0"
sink=$(cat "/sys/class/net/$CAP/ifindex")
check "GSO (ring): the capture is not moved to the sink veth (no vtap_cap_veth[$sink])" \
	map_true vtap_cap_veth "[.[] | select(.formatted.key == $sink)] | length == 0"

# A TCP stream vm1 -> vm2 (1 MB, TSO): super-frames up to 64 KiB, longer
# than one piece of the ring's scratch buffer (16 KiB): reserved at their
# size and read into the ring in pieces; whole, byte for byte as vm2
# received them
# push_mb PCAP: 1 MB vm1 -> vm2:80, vm2's side into PCAP; vm2's count of
# the bytes in $VT_RUN/drained.txt
listening() { nsx vm2 ss -Htln 'sport = :80' | grep -q .; }
push_mb() {
	capture_start vm2 "$1" tcp port 80
	nsx vm2 timeout 10 python3 "$WEBPEER" drain 10.77.0.2 80 >"$VT_RUN/drained.txt" &
	SRV=$!
	for _ in $(seq 100); do listening && break; sleep 0.05; done
	nsx vm1 python3 "$WEBPEER" push 10.77.0.2 80 1000000
	wait $SRV 2>/dev/null
	capture_stop
	sleep 0.3
}
before=$(tshark -r "$REC" 2>/dev/null | wc -l)
push_mb "$VT_RUN/vm2-bulk.pcap"
tshark -r "$REC" -Y "frame.number > $before" -F pcap -w "$VT_RUN/rec-bulk.pcap" 2>/dev/null
max_rec=$(tshark -r "$VT_RUN/rec-bulk.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
long=$(tshark -r "$VT_RUN/rec-bulk.pcap" -Y 'frame.cap_len > 16384' 2>/dev/null | wc -l)
ring2=$(ctl_json '.monitor_sinks[0].from_ring' status); sock2=$(ctl_json '.monitor_sinks[0].received' status)
diag "TCP stream: vm2 read $(cat "$VT_RUN/drained.txt") bytes; records $(count "$VT_RUN/rec-bulk.pcap"), $long over 16 KiB, largest $max_rec; ring $ring1 -> $ring2, socket $sock1 -> $sock2; web's ring_full $(stat_of web ring_full)"
check "TCP stream: the copies of super-frames over 16 KiB are whole records ($long, largest $max_rec bytes)" \
	test "$long" -gt 0 -a "$(cat "$VT_RUN/drained.txt")" = 1000000
check "TCP stream: the records are vm2's frames byte for byte" \
	same_frames "$VT_RUN/vm2-bulk.pcap" "$VT_RUN/rec-bulk.pcap"
check "TCP stream: all through the ring" \
	test $((ring2 - ring1)) -eq "$(count "$VT_RUN/rec-bulk.pcap")" -a "$sock2" -eq "$sock1"
sock1=$sock2

# A frame whose VLAN tag the stack holds outside its data (a tagged frame
# from vm1: the host port's receive takes the tag into skb->vlan_tci
# before TC) the ring's read would miss: it takes the sink veth, whose sink
# program puts the tag back, and from then on the capture takes all its
# copies that way (the two paths would reach vtapd tens of µs apart: the
# file's order). This kernel has no 8021q module: a packet socket sends it.
before=$(tshark -r "$REC" 2>/dev/null | wc -l)
nsx vm1 python3 - "$(nsx vm1 cat /sys/class/net/eth0/address)" \
	"$(nsx vm2 cat /sys/class/net/eth0/address)" <<'PY'
import socket, struct, sys
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
udp = struct.pack("!HHHH", 40000, 9999, 508, 0) + b"v" * 500
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 528, 1, 0, 64, 17, 0,
                 socket.inet_aton("10.77.0.1"), socket.inet_aton("10.77.0.2"))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
s.send(mac(sys.argv[2]) + mac(sys.argv[1]) + struct.pack("!HH", 0x8100, 7) + b"\x08\x00" + ip + udp)
PY
sleep 0.5
vl=$(tshark -r "$REC" -Y "frame.number > $before && frame.interface_name == \"udp-cut\" && vlan.id == 7 && frame.len == 546" 2>/dev/null | wc -l)
sock2=$(ctl_json '.monitor_sinks[0].received' status)
diag "VLAN 7 frame: records with the tag $vl; socket $sock1 -> $sock2"
check "a frame with a stack-held VLAN tag is one record, the tag in it, through the sink veth" \
	test "$vl" -eq 1 -a $((sock2 - sock1)) -eq 1
check "the capture is on the sink veth for good now (vtap_cap_veth[$sink])" \
	map_true vtap_cap_veth "[.[] | select(.formatted.key == $sink)] | length == 1"
ring0=$(ctl_json '.monitor_sinks[0].from_ring' status); sock0=$sock2
nsx vm1 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4):
    s.sendto(b"u" * 500, ("10.77.0.2", 9999))'
sleep 0.5
ring1=$(ctl_json '.monitor_sinks[0].from_ring' status); sock1=$(ctl_json '.monitor_sinks[0].received' status)
diag "4 plain frames after the VLAN one: ring $ring0 -> $ring1, socket $sock0 -> $sock1"
check "... 4 plain frames after it came through the socket, not the ring" \
	test "$ring1" -eq "$ring0" -a $((sock1 - sock0)) -eq 4
# GSO on the sink veth: the super-frames' segments, each at most the VMs'
# MTU, well formed, carrying all the payload
gets_captured 3 "$VT_RUN/vm2-gso.pcap"
gso_checks "GSO (sink veth)"
sock2=$(ctl_json '.monitor_sinks[0].received' status)
check "GSO (sink veth): segments of at most 1514 bytes (largest $max_rec), through the sink veth's socket" \
	test "${max_rec:-0}" -le 1514 -a "$sock2" -gt "$sock1"
# An entry for a port that is no sink (left while no vtapd ran) would hold
# a slot a new capture's switch needs: an apply removes it, keeps the sink's
gone=$((sink + 100000))
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
bpftool map update pinned "$VT_PIN/vtap_cap_veth" key $(le32 $gone) value 1 0 0 0
check "(an entry for port $gone, no sink, put into vtap_cap_veth)" \
	map_true vtap_cap_veth "[.[] | select(.formatted.key == $gone)] | length == 1"
ctl reload >/dev/null
check "a reload removes the entry of the port that is no sink and keeps the capture's" \
	map_true vtap_cap_veth "([.[] | select(.formatted.key == $gone)] | length == 0) and ([.[] | select(.formatted.key == $sink)] | length == 1)"

# 9000-byte MTU VMs, GSO on: vm2's super-frames' segments of 8948 bytes
# are more than the sink veth carries (MTU 3000, near what non-frags XDP on
# a veth takes): the sink program cuts such a copy to one frame of what it
# carries, the original length kept, and counts the cut.
for l in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$l" mtu 9000; done
for vm in vm1 vm2; do nsx $vm ip link set eth0 mtu 9000; done
tb0=$(sink_stat too_big)
gets_captured 1 "$VT_RUN/vm2-jumbo.pcap"
big=$(tcpdump -r "$VT_RUN/vm2-jumbo.pcap" -nn 'greater 9015' 2>/dev/null | wc -l)
cutgso=$(tshark -r "$REC" -Y "frame.number > $before && frame.interface_name == \"web-in\" && frame.cap_len == 3010 && frame.len > 9014" 2>/dev/null | wc -l)
cut=$(tshark -r "$REC" -Y "frame.number > $before && frame.cap_len == 3010 && frame.len > 3010" 2>/dev/null | wc -l)
over=$(tshark -r "$REC" -Y "frame.number > $before && frame.cap_len > 3010" 2>/dev/null | wc -l)
too_big=$(($(sink_stat too_big) - tb0))
diag "jumbo GSO: vm2 saw $big frames over 9014 bytes; records cut to 3010: $cut ($cutgso of super-frames); records over 3010: $over; sink too_big +$too_big"
check "jumbo GSO: the receiver did get super-frames over its MTU (the case is exercised)" test "$big" -gt 0
check "a GSO copy whose segments the sink cannot carry is cut to one frame, its length kept, counted" \
	test "$cutgso" -eq "$big" -a "$over" -eq 0 -a "$too_big" -eq "$cut"

# a live stream without -c that vtapd ends (it stops): vtapctl says so, 1
"$VTAPCTL" --socket "$VT_SOCK" capture web -w "$VT_RUN/live-end.pcapng" 2>"$VT_RUN/live-end.err" &
LIVEE=$!
sleep 0.3
vtapd_stop
wait $LIVEE 2>/dev/null; rc_livee=$?
diag "vtapctl capture when vtapd stopped: exit $rc_livee: $(cat "$VT_RUN/live-end.err")"
check "vtapctl capture whose stream vtapd ends: exit 1, saying so" \
	eval "[ $rc_livee -eq 1 ] && grep -q 'vtapd ended the stream' '$VT_RUN/live-end.err'"
check "vtapd's stop removes the sink veth it made" bash -c "! ip link show $CAP 2>/dev/null"

# A ring too small for super-frames (--ring-size 128K: a 64 KiB copy is
# more than a quarter of it, reserved only while the ring is nearly
# empty): the capture takes the sink veth at its first such copy, and the
# stream reaches the file as segments, none lost
for l in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$l" mtu 1500; done
for vm in vm1 vm2; do nsx $vm ip link set eth0 mtu 1500; done
sed -i "s|file: $VT_RUN/rec/all.pcapng|file: $VT_RUN/rec/small.pcapng|" "$VT_POL/cap.yaml"
check "vtapd starts with a 128 KiB ring" vtapd_start --attach tc --ring-size 128K
for _ in $(seq 40); do sink_on "$CAP" && break; sleep 0.05; done
REC=$VT_RUN/rec/small.pcapng
before=0
push_mb "$VT_RUN/vm2-small.pcap"
sink=$(cat "/sys/class/net/$CAP/ifindex")
sum_rec=$(tshark -r "$REC" -Y 'tcp.dstport == 80' -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
# the stream's bytes the file covers, as one range of relative sequence
# numbers (a retransmission vm1 made is a frame of its own: its bytes
# count twice in sum_rec, once here)
cover=$(tshark -r "$REC" -Y 'tcp.dstport == 80 && tcp.len > 0' -T fields -e tcp.seq -e tcp.len 2>/dev/null |
	sort -n | awk '{ s = $1; e = $1 + $2 } NR == 1 { a = s; b = e; next } { if (s > b) gaps++; if (e > b) b = e } END { print (gaps || !NR ? "gaps" : a "-" b) }')
max_rec=$(tshark -r "$REC" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
big=$(tcpdump -r "$VT_RUN/vm2-small.pcap" -nn 'greater 32768' 2>/dev/null | wc -l)
sock=$(ctl_json '.monitor_sinks[0].received' status)
diag "small ring: vm2 read $(cat "$VT_RUN/drained.txt") bytes, $big frames over 32 KiB; TCP payload in the file $sum_rec covering $cover, largest record $max_rec, $sock through the sink veth's socket; web's ring_full $(stat_of web ring_full), copy_fail $(stat_of web copy_fail)"
check "small ring: vm1 sent super-frames over a quarter of the ring (the case is exercised)" test "$big" -gt 0
check "small ring: the capture moved to the sink veth (vtap_cap_veth[$sink])" \
	map_true vtap_cap_veth "[.[] | select(.formatted.key == $sink)] | length == 1"
check "small ring: the stream is whole in the file (no record over 32 KiB; segments through the socket after the move), nothing lost at the tap" \
	test "$cover" = 1-1000001 -a "$sum_rec" -ge 1000000 -a "${max_rec:-0}" -le 32768 -a "$sock" -gt 0 -a "$(stat_of web ring_full)" -eq 0 -a "$(stat_of web copy_fail)" -eq 0
vtapd_stop
tap_end
