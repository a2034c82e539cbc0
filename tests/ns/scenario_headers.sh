#!/usr/bin/env bash
# scenario_headers (after lib.sh and scenarios.sh, for the engine use_engine
# chose): `snaplen: headers`. vm1 and vm2 also talk IPv6 and over QinQ
# (802.1ad 100 + 802.1Q 10: frames made by hdrpeer.py, this kernel has no
# VLAN devices); TCP (options on every segment) and UDP (IPv6: hop-by-hop
# and destination options headers) in both directions. Judged with tshark (headers_judge.py): every copy is its
# original up to the end of the L4 header, one per original, and a capture
# monitor's records keep the original length.
HDR_JUDGE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/headers_judge.py
HDR_PEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hdrpeer.py

# hdr_vms_up: IPv6 addresses in vm1 (::1) and vm2 (::2), static neighbours
# (no ND in the captures)
hdr_vms_up() {
	local vm n mac
	for vm in vm1 vm2; do
		nsx $vm sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
		nsx $vm ip addr add "2001:db8:77::${vm#vm}/64" dev eth0 nodad
	done
	for vm in vm1 vm2; do
		n=$((3 - ${vm#vm}))
		mac=$(nsx vm$n cat /sys/class/net/eth0/address)
		nsx $vm ip neigh replace "2001:db8:77::$n" lladdr "$mac" dev eth0 nud permanent
	done
}

# hdr_qinq FROM TO N: QinQ frames from vm FROM to vm TO (addresses 10.78.0.N,
# 2001:db8:78::N)
hdr_qinq() {
	local a=${1#vm} b=${2#vm}
	nsx "$1" python3 "$HDR_PEER" qinq "$(nsx "$1" cat /sys/class/net/eth0/address)" \
		"$(nsx "$2" cat /sys/class/net/eth0/address)" "10.78.0.$a" "10.78.0.$b" \
		"2001:db8:78::$a" "2001:db8:78::$b"
}

scenario_headers() {
	local mode=local out qinq=12
	[ "$ENGINE" = dpdk ] && qinq=6 # (the 6 vm1 sent; see the capture below)
	[ "$CUT_LEN" = 60 ] || mode=capture
	cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - $(eng_monitor)
policies:
  - name: hdrs
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: tcp }
    snaplen: headers
    monitor: mon
  - name: hdrs-udp
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: udp }
    snaplen: headers
    monitor: mon
YAML
	eng_apply "with the snaplen: headers policies"
	# vm1's own view is the reference: it holds both directions, and what a
	# wire in front of it changed (vtap-dpdk's net_af_xdp wire loses the
	# outer tag of QinQ frames it receives: XDP on a veth does not see the
	# tag the stack holds) is what the tap saw too
	capture_start vm1 "$VT_RUN/vm1h.pcap"
	eng_mon_start "$VT_RUN/monh.pcap"
	nsx vm2 timeout 20 python3 "$HDR_PEER" serve 4 10.77.0.2 2001:db8:77::2 &
	local srv=$!
	sleep 0.5
	check "[$ENGINE] the exchanges complete (IPv4, IPv6 with extension headers)" \
		nsx vm1 timeout 15 python3 "$HDR_PEER" send 10.77.0.2 2001:db8:77::2
	wait "$srv" 2>/dev/null
	hdr_qinq vm1 vm2
	hdr_qinq vm2 vm1
	capture_stop
	eng_mon_stop "$VT_RUN/monh.pcap"
	out=$(python3 "$HDR_JUDGE" "$VT_RUN/vm1h.pcap" "$VT_RUN/monh.pcap" $mode \
		'ip.addr == 10.77.0.1 || ip.addr == 10.78.0.1 || ipv6.addr == 2001:db8:77::1 || ipv6.addr == 2001:db8:78::1' 2>&1)
	diag "[$ENGINE] $(echo "$out" | head -6 | tr '\n' ' ')"
	kv() { sed -n "s/^$1=//p" <<<"$out"; }
	check "[$ENGINE] every copy is its original cut after the L4 header, one per original ($mode monitor)" \
		grep -qx OK <<<"$out"
	[ "$(tail -1 <<<"$out")" = OK ] || echo "$out" | tail -n +7 | head -30 | sed 's/^/# /'
	check "[$ENGINE] the originals had TCP options, IPv6 extension headers and QinQ, and payload to cut" \
		test "$(kv tcp_options)" -gt 10 -a "$(kv ipv6_ext)" -eq 10 -a "$(kv qinq)" -eq $qinq -a "$(kv cut)" -gt 20
	check "[$ENGINE] counters: copies == the monitor's copies, no failure" \
		test "$(($(stat_of hdrs copies) + $(stat_of hdrs-udp copies)))" -eq "$(kv copies)" \
		-a "$(stat_of hdrs copy_fail)" -eq 0 -a "$(stat_of hdrs-udp copy_fail)" -eq 0
}
