#!/usr/bin/env bash
# vtapctl extcap as Wireshark's extcap: `tshark -D` lists vtap-POLICY for
# every capture policy of the running vtapd and for no other policy, and
# `tshark -i vtap-POLICY -a packets:N -w FILE` captures the copies of live
# traffic: the frames vm2 itself saw, byte for byte, as many as the policy
# counted. tshark as root looks for extcaps only in Wireshark's system
# folder (design.md §4): the test links its wrapper there (under a name of
# its own) and removes it at the end.
. "$(dirname "$0")/../ns/lib.sh"
EXTDIR=$(tshark -G folders 2>/dev/null | awk -F'\t' '$1 ~ /^Extcap path/ { print $2 }' | tr ':' '\n' | grep '^/usr/lib' | head -1)
EXT=${EXTDIR:-/usr/lib/x86_64-linux-gnu/wireshark/extcap}/vtap-test-${VT_PREFIX}-$$
TPID=
cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	rm -f "$EXT"
	topo_down
}
trap cleanup EXIT
topo_up

cat >"$VT_POL/a.yaml" <<YAML
monitors:
  - { name: ids, port: ${VT_PREFIX}-mon }
  - { name: rec, type: capture, port: ${VT_PREFIX}-cap0 }
  - { name: rec2, type: capture, port: ${VT_PREFIX}-cap1 }
policies:
  - { name: web, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: tcp }, monitor: ids }
  - { name: vm2-icmp, source: { ports: ["${VT_PREFIX}-vm2"] }, match: { protocol: icmp }, monitor: rec }
  - { name: vm1-udp, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: udp }, monitor: rec2 }
  - { name: no-ssh, priority: 1, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: tcp, dst_ports: [22] }, action: skip }
YAML
vtapd_start

# the wrapper make install puts there runs `vtapctl extcap`; this one names
# the test's socket (vtapctl --socket)
printf '#!/bin/sh\nexec %s --socket %s extcap "$@"\n' "$(realpath "$VTAPCTL")" "$VT_SOCK" >"$EXT"
chmod 755 "$EXT"
check "the installed wrapper's form: make builds $OUT/extcap/vtap-extcap, running vtapctl extcap" \
	grep -q 'vtapctl extcap "\$@"' "$OUT/extcap/vtap-extcap"

ifaces=$(tshark -D 2>/dev/null | grep -o 'vtap-[a-z0-9.-]* ' | sort | tr -d ' ' | tr '\n' ' ')
check "tshark -D lists the two capture policies, and only them ($ifaces)" \
	test "$ifaces" = "vtap-vm1-udp vtap-vm2-icmp "
out=$("$EXT" --extcap-interfaces --extcap-version=4.0)
check "--extcap-interfaces: an extcap line with vtap's version first" \
	bash -c "[[ '$(head -1 <<<"$out")' == 'extcap {version=$(cat VERSION)'* ]]"
check "--extcap-dlts: Ethernet" bash -c \
	"'$EXT' --extcap-dlts --extcap-interface vtap-vm2-icmp | grep -q '^dlt {number=1}{name=EN10MB}'"
check "--extcap-config: the --socket option, this vtapd's socket as default" bash -c \
	"'$EXT' --extcap-config --extcap-interface vtap-vm2-icmp | grep -qF '{call=--socket}' &&
	 '$EXT' --extcap-config --extcap-interface vtap-vm2-icmp | grep -qF '{default=$VT_SOCK}'"
out=$("$EXT" --capture --extcap-interface vtap-web --fifo "$VT_RUN/nofifo" 2>&1)
check "--capture of a policy that is not a capture one: refused ($out)" \
	bash -c "[[ '$out' == *'web is not a capture policy'* ]]"
out=$("$VTAPCTL" --socket "$VT_RUN/none.sock" extcap --extcap-interfaces)
rc=$?
check "no vtapd on the socket: exit 0 ($rc), the extcap line and no interface" \
	test "$rc" -eq 0 -a "$(wc -l <<<"$out")" -eq 1 -a "${out:0:7}" = "extcap "

# a live capture through tshark: 5 pings are 10 frames at vm2's port
capture_start vm2 "$VT_RUN/vm2.pcap" icmp
tshark -i vtap-vm2-icmp -a packets:10 -a duration:20 -w "$VT_RUN/ws.pcapng" >"$VT_RUN/tshark.log" 2>&1 &
TPID=$!
for i in $(seq 100); do # its stream is open once vtapd counts a live client
	[ "$(ctl status --json | json_of '.monitor_sinks[] | select(.monitor == "rec") | .clients')" = 1 ] && break
	sleep 0.05
done
check "tshark's capture is a live client of the rec monitor" \
	test "$(ctl status --json | json_of '.monitor_sinks[] | select(.monitor == "rec") | .clients')" = 1
nsx vm1 ping -c 5 -i 0.1 -q 10.77.0.2 >/dev/null
wait "$TPID"
rc=$?
TPID=
capture_stop
check "tshark -i vtap-vm2-icmp -a packets:10 ends by itself (exit $rc)" test "$rc" -eq 0
check "it wrote 10 frames ($(count "$VT_RUN/ws.pcapng"))" test "$(count "$VT_RUN/ws.pcapng")" -eq 10
check "... the frames vm2 saw, byte for byte" same_frames "$VT_RUN/ws.pcapng" "$VT_RUN/vm2.pcap"
check "... as many as the policy copied ($(stat_of vm2-icmp copies))" \
	test "$(stat_of vm2-icmp copies)" -eq 10
check "tshark's stream is closed: no live client left" \
	test "$(ctl status --json | json_of '.monitor_sinks[] | select(.monitor == "rec") | .clients')" = 0

tap_end
