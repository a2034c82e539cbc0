#!/usr/bin/env bash
# snaplen and sample: copies are cut to snaplen bytes (the original is not),
# and 1 of every N matching frames is copied; the rest are counted as sampled
# out. The sender is pinned to one CPU so per-CPU sampling is exact.
: "${VT_PREFIX:=vts}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

cat >"$VT_POL/p.yaml" <<YAML
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
check "vtapd starts" vtapd_start
capture_start vm2 "$VT_RUN/vm2.pcap" udp port 9000
capture_start mon "$VT_RUN/mon.pcap"
N=30
nsx vm1 taskset -c 0 python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range('$N'):
    u.sendto(bytes([i]) * 400, ("10.77.0.2", 9000))
    time.sleep(0.002)'
capture_stop

n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "vm2 received $n_vm2 frames, the monitor $n_mon copies"
check "the receiver got every original, whole" \
	test "$n_vm2" -eq $N -a "$(tcpdump -r "$VT_RUN/vm2.pcap" -nn 'len == 442' 2>/dev/null | wc -l)" -eq $N
check "1 in 3 copied: $(( (N + 2) / 3 )) copies" test "$n_mon" -eq $(( (N + 2) / 3 ))
check "every copy is cut to 60 bytes" \
	test "$(tshark -r "$VT_RUN/mon.pcap" -T fields -e frame.len 2>/dev/null | sort -u)" = 60
# each copy is the first 60 bytes of one of the originals
orig=$(frames "$VT_RUN/vm2.pcap" | cut -c1-120 | sort -u)
bad=0
while read -r f; do
	grep -qx "$f" <<<"$orig" || bad=$((bad + 1))
done < <(frames "$VT_RUN/mon.pcap")
check "every copy equals the head of an original" test "$bad" -eq 0
check "counters: matched $N, copies $n_mon, sampled out $((N - n_mon))" \
	test "$(stat_of cut matched_pkts)" -eq $N -a "$(stat_of cut copies)" -eq "$n_mon" \
	-a "$(stat_of cut sampled_out)" -eq $((N - n_mon))
trunc=$(ctl stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sinks"][0]["truncated"])')
check "sink counted every truncation" test "$trunc" -eq "$n_mon"
tap_end
