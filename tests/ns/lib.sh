#!/usr/bin/env bash
# Shared by the namespace tests and the demo: a small cloud of namespaces on
# this host. vm1 and vm2 are VMs whose host-side ports (vtap-vm1, vtap-vm2)
# sit on a bridge; mon is a monitor VM behind the host port vtap-mon.
# Everything is named with $VT_PREFIX so a run never touches anything else.
set -u
# policy files writable by group or others are refused: whatever umask the
# caller has, the files and directories the tests write are 0644 and 0755
umask 022
: "${OUT:=build}"
: "${VT_PREFIX:=vtap}"
VTAPD=${VTAPD:-$OUT/vtapd}
VTAPCTL=${VTAPCTL:-$OUT/vtapctl}
WEBPEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/webpeer.py
VT_RUN=${VT_RUN:-$(mktemp -d /tmp/vtap-ns.XXXXXX)}
VT_SOCK=$VT_RUN/vtapd.sock
VT_PIN=/sys/fs/bpf/${VT_PREFIX}-test-$$
VT_POL=$VT_RUN/policies
mkdir -p "$VT_POL"

TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's exit status
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
diag() { echo "# $*"; }

nsx() { local ns=$1; shift; ip netns exec "${VT_PREFIX}-$ns" "$@"; }

# vm_add NAME IP: a VM namespace with eth0 (IP/24), its host port vtap-NAME on the bridge
vm_add() {
	local name=$1 ip=$2 ns="${VT_PREFIX}-$1" port="${VT_PREFIX}-$1"
	ip netns add "$ns"
	ip link add "$port" type veth peer name eth0 netns "$ns"
	ip link set "$port" master "${VT_PREFIX}-br" up
	nsx "$name" ip link set lo up
	nsx "$name" ip link set eth0 up
	[ -n "$ip" ] && nsx "$name" ip addr add "$ip/24" dev eth0
	return 0
}

vm_del() {
	ip link del "${VT_PREFIX}-$1" 2>/dev/null
	ip netns del "${VT_PREFIX}-$1" 2>/dev/null
	return 0
}

topo_up() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	ip link add "${VT_PREFIX}-br" type bridge
	ip link set "${VT_PREFIX}-br" up
	vm_add vm1 10.77.0.1
	vm_add vm2 10.77.0.2
	# the monitor: its host port is not on the bridge, it only gets copies
	ip netns add "${VT_PREFIX}-mon"
	ip link add "${VT_PREFIX}-mon" type veth peer name eth0 netns "${VT_PREFIX}-mon"
	sysctl -qw "net.ipv6.conf.${VT_PREFIX}-mon.disable_ipv6=1" 2>/dev/null
	ip link set "${VT_PREFIX}-mon" up
	nsx mon ip link set eth0 up
	nsx mon sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	# static neighbours: no ARP race at the start of a test
	local m1 m2
	m1=$(nsx vm1 cat /sys/class/net/eth0/address)
	m2=$(nsx vm2 cat /sys/class/net/eth0/address)
	nsx vm1 ip neigh replace 10.77.0.2 lladdr "$m2" dev eth0 nud permanent
	nsx vm2 ip neigh replace 10.77.0.1 lladdr "$m1" dev eth0 nud permanent
}

# host_link NAME: a link the host itself uses, ${VT_PREFIX}-NAME, with
# 10.78.0.1/24 on the host side and 10.78.0.2/24 in the namespace
# ${VT_PREFIX}-NAME at the other end (the host pings through it)
host_link() {
	local l="${VT_PREFIX}-$1"
	ip netns add "$l"
	ip link add "$l" type veth peer name eth0 netns "$l"
	ip addr add 10.78.0.1/24 dev "$l"
	ip link set "$l" up
	nsx "$1" ip link set eth0 up
	nsx "$1" ip addr add 10.78.0.2/24 dev eth0
}

topo_down() {
	vtapd_stop
	for ns in $(ip netns list | awk '{print $1}' | grep "^${VT_PREFIX}-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-"); do
		ip link del "$l" 2>/dev/null
	done
	# vtapd --sink-hook nft's guards (a killed vtapd's)
	command -v nft >/dev/null && nft delete table netdev "$(nft_table)" 2>/dev/null
	rm -rf "$VT_PIN" "$VT_RUN"
}

# nft_table: the nftables table of vtapd --sink-hook nft's guards for this
# run's pin root (kernel/nft_guard.h)
nft_table() {
	python3 -c 'import sys; print("vtap" + "".join(c if c.isascii() and c.isalnum() else "_%02x" % ord(c) for c in sys.argv[1]))' "$VT_PIN"
}
# guard_on DEV: the guard's chain for DEV is in it
guard_on() { nft list chain netdev "$(nft_table)" "g_$1" >/dev/null 2>&1; }

VTAPD_PID=
vtapd_start() {
	"$VTAPD" --policy-dir "$VT_POL" --pin-root "$VT_PIN" --socket "$VT_SOCK" \
		--log-level "${VTAPD_LOG:-info}" "$@" 2>>"$VT_RUN/vtapd.log" &
	VTAPD_PID=$!
	local i
	# up in well under a second on a quiet host; loading and verifying the
	# BPF programs takes seconds when the host is busy: wait up to 20 s
	for i in $(seq 400); do
		[ -S "$VT_SOCK" ] && return 0
		kill -0 "$VTAPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "vtapd did not start:"; sed 's/^/# /' "$VT_RUN/vtapd.log"
	return 1
}

vtapd_stop() {
	[ -n "$VTAPD_PID" ] || return 0
	kill -TERM "$VTAPD_PID" 2>/dev/null
	wait "$VTAPD_PID" 2>/dev/null
	VTAPD_PID=
}

ctl() { "$VTAPCTL" --socket "$VT_SOCK" --pin-root "$VT_PIN" "$@"; }

# capture_start NS FILE [FILTER...]: tcpdump on eth0 in a namespace, ready
# when it returns; capture_on NS DEV FILE [FILTER...]: the same on DEV.
# 16 MiB of buffer: libpcap sizes its ring's slots by the device's MTU, or
# at 64 KiB when the device has an offload on (veths and VXLAN devices do),
# so its default 2 MiB holds about 30 frames: a burst overflows it. Even
# 16 MiB hold only 256 such frames, and a tcpdump kept off the CPU by a busy
# host while more arrive drops the rest (test_group lost 188 of 840 copies
# once): a test that needs only the headers sets CAP_SNAPLEN (tcpdump's -s,
# default 0: whole frames), which sizes the slots by it instead (-s 128:
# 1000 frames in a burst, none lost). CAP_BATCH="-Q inout": no --immediate-mode
# (libpcap's blocks: no wakeup per frame, for a capture that must not slow
# the traffic; it takes the place of that option: -Q inout is the default).
CAP_PIDS=()
capture_start() { local ns=$1; shift; capture_on "$ns" eth0 "$@"; }
capture_on() {
	local ns=$1 dev=$2 file=$3; shift 3
	# not through nsx: $! must be tcpdump itself (ip netns exec execs it)
	ip netns exec "${VT_PREFIX}-$ns" tcpdump -i "$dev" -nn -U ${CAP_BATCH:---immediate-mode} \
		-s "${CAP_SNAPLEN:-0}" -B 16384 -w "$file" "$@" 2>"$file.log" &
	CAP_PIDS+=($!)
	local i
	for i in $(seq 100); do
		grep -q "listening on" "$file.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

capture_stop() {
	sleep 0.3
	local p
	# SIGTERM: background jobs of a script ignore SIGINT
	for p in "${CAP_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	CAP_PIDS=()
}

# captures_complete FILE...: tcpdump lost no frame of these captures (its
# closing line, once capture_stop has stopped it: 0 packets dropped by kernel)
captures_complete() {
	local f bad=0
	for f in "$@"; do
		grep -q "^0 packets dropped by kernel" "$f.log" 2>/dev/null && continue
		diag "$f: $(grep -h "dropped by kernel" "$f.log" 2>/dev/null || echo "no closing line from tcpdump")"
		bad=1
	done
	return $bad
}

# web_traffic: the exchange of scenario §6.1: three HTTP-like GETs from vm1
# to vm2:80, and noise no port-80 TCP policy may copy (ping, TCP to 8080,
# UDP to port 80)
# web_gets N: vm2 answers N HTTP GETs (20000-byte bodies), vm1 makes them
web_gets() {
	local srv i
	nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 "$1" &
	srv=$!
	sleep 0.3
	for i in $(seq "$1"); do
		nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null
	done
	wait "$srv" 2>/dev/null
}
web_traffic() {
	local srv srv2 i
	nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
	srv=$!
	nsx vm2 timeout 10 python3 "$WEBPEER" sink 10.77.0.2 8080 &
	srv2=$!
	sleep 0.3
	for i in 1 2 3; do
		nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null
	done
	nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
	nsx vm1 python3 "$WEBPEER" noise 10.77.0.2 8080
	wait "$srv" "$srv2" 2>/dev/null
}

# frames FILE: one line per frame, its bytes in hex (no timestamps), sorted
frames() {
	tcpdump -r "$1" -nn -xx -t 2>/dev/null | awk '
		/^[^ \t]/ { if (f != "") print f; f = "" ; next }
		{ for (i = 2; i <= NF; i++) f = f $i }
		END { if (f != "") print f }' | sort
}

count() { tcpdump -r "$1" -nn 2>/dev/null | wc -l; }
# capture_until FILE N: wait (3 s at most) until a running capture holds N
# frames: capture_stop gives tcpdump 0.3 s, and a tcpdump kept off the CPU
# that long by a busy host leaves what it had not read yet out of the file
capture_until() {
	local i
	for i in $(seq 60); do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# same_frames A B: the two captures hold the same frames, byte for byte
same_frames() {
	local a b
	a=$(frames "$1"); b=$(frames "$2")
	if [ "$a" == "$b" ] && [ -n "$a" ]; then return 0; fi
	diag "captures differ: $1 has $(count "$1") frames, $2 has $(count "$2")"
	# a capture that lost frames itself says so (tcpdump's closing lines)
	grep -h "dropped by kernel" "$1.log" "$2.log" 2>/dev/null | grep -v "^0 " | sed 's/^/# tcpdump: /'
	diff <(echo "$a" | cut -c1-120) <(echo "$b" | cut -c1-120) | head -8 | sed 's/^/# /'
	return 1
}

# ---- JSON (vtapctl --json, bpftool -j, ip -j, tc -j, iperf3 -J), through jq
# json_of FILTER [JQ-ARG...]: the JSON document on stdin through the jq
# FILTER, one line per result (strings raw, the rest compact JSON); JQ-ARGs
# such as --arg NAME VALUE are jq's. Fails loudly (jq's message on stderr,
# status 5) when stdin holds no JSON or the FILTER yields nothing or a null:
# a missing field, a policy or port not there, must never read as "".
# FILTER may use total: the sum of an array of numbers, an error when the
# array is empty or holds anything else (jq's add takes a null for 0).
JSON_DEFS='def total: if length > 0 and all(.[]; type == "number") then add
	else error("no total of \(tojson | .[:200]): a value is missing") end;'
json_of() {
	local f=$1; shift
	jq -nrc "$@" --arg filter "$f" "$JSON_DEFS [inputs] as \$in |
		if (\$in | length) == 0 then error(\"no JSON on stdin for \" + \$filter) else \$in[0] end |
		[$f] as \$r | if (\$r | length) == 0 or any(\$r[]; . == null)
		then error(\"no value for \" + \$filter + \" in \" + (tostring | .[:200])) else \$r[] end"
}
# json_true FILTER [JQ-ARG...]: the FILTER holds for the JSON on stdin (its
# one result is true); otherwise a diagnostic with what it gave, status 1
json_true() {
	local v
	v=$(json_of "$@") || return 1
	[ "$v" = true ] && return 0
	diag "not true: $1 (gave: $(head -c 300 <<<"$v"))"
	return 1
}
# ctl_json FILTER COMMAND [ARG...]: `vtapctl COMMAND ARG... --json` through
# json_of; VT_CTL names the function that reaches the daemon (ctl: vtapd,
# dctl: vtap-dpdk), ctl by default
ctl_json() { local f=$1; shift; "${VT_CTL:-ctl}" "$@" --json | json_of "$f"; }
# stat_of POLICY FIELD: a counter of POLICY from vtapctl stats --json
stat_of() {
	"${VT_CTL:-ctl}" stats "$1" --json |
		json_of '.policies[] | select(.name == $p) | .[$f]' --arg p "$1" --arg f "$2"
}
# sink_stat FIELD: a counter of the (one) sink from vtapctl stats --json
sink_stat() { "${VT_CTL:-ctl}" stats --json | json_of '.sinks[0][$f]' --arg f "$1"; }
# status_of FIELD: a top-level field of vtapctl status --json
status_of() { "${VT_CTL:-ctl}" status --json | json_of '.[$f]' --arg f "$1"; }
# wait_status FIELD VALUE: until status FIELD == VALUE (3 s at most)
wait_status() {
	local i
	for i in $(seq 60); do
		[ "$(status_of "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	diag "status $1 is $(status_of "$1"), expected $2"; return 1
}
# port_of PORT FIELD: a field of PORT's entry in vtapctl status --json
port_of() {
	ctl status --json | json_of '.ports[] | select(.name == $p) | .[$f]' --arg p "$1" --arg f "$2"
}
# status_ports: the names of the ports vtapctl status --json lists, sorted
status_ports() { ctl_json '[.ports[].name] | sort | join(" ")' status; }
# map_json MAP FILTER [JQ-ARG...]: `bpftool -j map dump` of vtapd's pinned
# MAP through json_of
map_json() { local m=$1; shift; bpftool -j map dump pinned "$VT_PIN/$m" | json_of "$@"; }
# map_true MAP FILTER [JQ-ARG...]: the FILTER holds for the dump (json_true)
map_true() { local m=$1; shift; bpftool -j map dump pinned "$VT_PIN/$m" | json_true "$@"; }
# map_active_gen: the generation the datapath reads (vtap_cfg), 0 or 1
# egress_progs DEV: the programs on DEV's egress, one name per line: TCX
# egress first (where vtapd puts vtap_sink), then clsact's filters (vtap's
# in-tap; a sink with vtapd --sink-hook clsact). Run it under nsx for a
# port in a namespace.
egress_progs() {
	"$OUT/tools/tcx_progs" "$1" 2>/dev/null | cut -d' ' -f1
	tc filter show dev "$1" egress 2>/dev/null | grep -o 'vtap_[a-z_]*' | sort -u
}
# sink_on DEV: vtap_sink is on DEV's egress (TCX or clsact)
sink_on() { egress_progs "$1" | grep -qx vtap_sink; }

# host_frames DEV N: N frames the host itself sends out of DEV (a packet
# socket: no address needed), each an ARP request
host_frames() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
arp = bytes.fromhex("ffffffffffff" "020000000099" "0806" "0001080006040001" "020000000099"
                    "0a4d0063" "000000000000" "0a4d0064") + bytes(18)
for _ in range(int(sys.argv[2])):
    try:
        s.send(arp)
    except OSError:  # dropped on the way out, as it should be
        pass
PY
}
# sink_promises WHAT N: what a monitor port's sink (program or guard)
# promises, with vm1's policies copying 5 pings as N frames to mon: the N
# copies reach mon and are counted delivered once; 7 frames the host sends
# out of the port reach nobody and are 7 more foreign
sink_promises() {
	local d0 f0 d f pcap="$VT_RUN/mon-$1.pcap"
	d0=$(sink_stat delivered); f0=$(sink_stat foreign)
	capture_start mon "$pcap"
	nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
	host_frames "${VT_PREFIX}-mon" 7
	capture_until "$pcap" "$2"
	capture_stop
	d=$(sink_stat delivered); f=$(sink_stat foreign)
	diag "[$1] delivered $d0 -> $d, foreign $f0 -> $f; mon got $(count "$pcap") frames"
	check "[$1] the $2 copies reach mon, counted delivered once" \
		test "$(count "$pcap")" -eq "$2" -a "$((d - d0))" -eq "$2"
	check "[$1] the host's 7 frames out of the port do not reach mon, counted foreign" \
		eval "[ \"\$(tcpdump -r '$pcap' -nn arp 2>/dev/null | wc -l)\" -eq 0 ] && [ $((f - f0)) -eq 7 ]"
}

map_active_gen() { map_json vtap_cfg '.[0].formatted.value.active_gen % 2'; }

tap_end() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
