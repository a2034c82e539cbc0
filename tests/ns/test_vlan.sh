#!/usr/bin/env bash
# VLAN on real traffic: the stack takes the outer tag out of the frame
# (skb->vlan_tci) before tc sees it, in both directions. A policy on VLAN
# 100 must copy the VMs' tagged frames (sent and received), and not their
# untagged ones; a policy on vlan 0 (untagged) must not copy tagged frames.
: "${VT_PREFIX:=vtvl}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
# This kernel has no 8021q module: the VMs send tagged frames through a packet
# socket. send_tagged NS SRC_IP DST_IP VID COUNT: UDP to port 5000 in an
# 802.1Q tag (VID 0: untagged), to the other VM's MAC.
send_tagged() {
	local ns=$1 peer
	peer=$( [ "$ns" = vm1 ] && echo vm2 || echo vm1 )
	nsx "$ns" python3 - "$(nsx "$ns" cat /sys/class/net/eth0/address)" \
		"$(nsx "$peer" cat /sys/class/net/eth0/address)" "$2" "$3" "$4" "$5" <<'PY'
import socket, struct, sys, time
src, dst, sip, dip, vid, n = sys.argv[1:7]
mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for i in range(int(n)):
    payload = b"vlan-test-%04d" % i
    udp = struct.pack("!HHHH", 40000, 5000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     socket.inet_aton(sip), socket.inet_aton(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    tag = struct.pack("!HH", 0x8100, int(vid)) if int(vid) else b""
    s.send(mac(dst) + mac(src) + tag + b"\x08\x00" + ip + udp)
    time.sleep(0.01)
PY
}

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: v100
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: udp, vlan: 100 }
    monitor: mon
  - name: untagged
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: udp, vlan: 0 }
    monitor: mon
YAML
check "vtapd starts" vtapd_start
capture_start vm2 "$VT_RUN/vm2.pcap" udp port 5000 or '(vlan and udp port 5000)'
capture_start mon "$VT_RUN/mon.pcap"
send_tagged vm1 10.77.0.1 10.77.0.2 100 4   # out, tagged
send_tagged vm2 10.77.0.2 10.77.0.1 100 3   # in (to vm1), tagged
send_tagged vm1 10.77.0.1 10.77.0.2 0 5     # out, untagged
capture_stop
diag "v100 copies $(stat_of v100 copies), untagged copies $(stat_of untagged copies)"
check "VLAN 100: the 4 tagged frames vm1 sent and the 3 it received" \
	test "$(stat_of v100 copies)" -eq 7
check "vlan 0: only the 5 untagged frames" test "$(stat_of untagged copies)" -eq 5
check "the monitor got 7 frames tagged VLAN 100" \
	test "$(tcpdump -r "$VT_RUN/mon.pcap" -nn 'vlan 100 and udp port 5000' 2>/dev/null | wc -l)" -eq 7
# vm2's capture holds the 9 frames vm1 sent it and the 3 it sent vm1: all
# 12 were copied, so the two captures hold the same frames, tags included
check "the monitor's frames equal vm2's, byte for byte, tags included" \
	same_frames "$VT_RUN/vm2.pcap" "$VT_RUN/mon.pcap"
tap_end
