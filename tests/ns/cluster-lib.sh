#!/usr/bin/env bash
# A small cloud for the cluster tests and demo (it sources lib.sh and
# etcd-lib.sh): a private etcd (etcd-lib.sh), two compute nodes n1 and n2
# and a monitor host nm, each a namespace with its own vtapd (own pin
# root, socket and state dir) in cluster mode, joined by an underlay
# bridge (its own namespace) and to the store's bridge.
#
#   node n1: VMs a1 (10.77.1.1) and b1 (10.77.1.2), host ports a1p, b1p on vmbr
#   node n2: VMs a2 (10.77.2.1) and b2 (10.77.2.2), host ports a2p, b2p on vmbr
#   node nm: the monitor VM mon, host port monp
#   underlay: n1 192.168.88.1, n2 .2, nm .3 (MTU 1600: copies + 50 bytes fit)
#   store:    n1 10.78.0.101, n2 .102, nm .103; vtapctl runs in the store's
#             namespace (cctl)
#
# Policies (CL_DOCS): tap.yaml taps TCP to port 80 of every a*p port to the
# vxlan monitor "far" on nm (VNI 4242), for every node; recv.yaml, nm's own
# (--node nm), delivers VNI 4242 to monp.
#
#   cluster_up N          etcd of N members, the namespaces, nothing running
#   cl_setup N            a test's start, as TAP lines: cluster_up N, every node's
#                         vtapd, tap.yaml + stream.yaml for all, recv.yaml for nm,
#                         every node converged
#   cl_start NODE [ARGS]  its vtapd (--etcd all members); ready when its socket is
#   cl_stop NODE [SIG]    TERM by default (KILL: taps and pins stay)
#   cl_ctl NODE ARGS      vtapctl on NODE's socket
#   cctl ARGS             vtapctl --etcd ... cluster ARGS, from the store's namespace
#   cl_rev                the revision `cctl apply` printed (from a file of its output)
#   cl_web NODE N         N GETs from aN to bN (tcp 80), NODE 1 or 2
#   cl_doc FILE NAME PORT [PRIO]  a document of one policy NAME: TCP to PORT from
#                         every a*p port, to far (the tests' edits)
#   cluster_down          everything, in the test's trap
CL_HERE=$(dirname "${BASH_SOURCE[0]}")
source "$CL_HERE/lib.sh"
source "$CL_HERE/etcd-lib.sh"
CL_NODES="n1 n2 nm"
CL_DOCS=$VT_RUN/docs
declare -A CL_PID=() CL_ADDR=([n1]=101 [n2]=102 [nm]=103) CL_UL=([n1]=1 [n2]=2 [nm]=3)
CL_PINS=/sys/fs/bpf/${VT_PREFIX}-cl-$$

cl_ns() { echo "${VT_PREFIX}-$1"; }
cl_in() { local n=$1; shift; ip netns exec "$(cl_ns "$n")" "$@"; }

# cl_vm NAME NODE IP PORT: a VM namespace with eth0, its host port in NODE
cl_vm() {
	local vm=$1 node=$2 ip=$3 port=$4
	ip netns add "${VT_PREFIX}-$vm"
	ip link add "$port" netns "$(cl_ns "$node")" type veth peer name eth0 netns "${VT_PREFIX}-$vm"
	nsx "$vm" ip link set lo up
	nsx "$vm" ip link set eth0 up
	[ -n "$ip" ] && nsx "$vm" ip addr add "$ip/24" dev eth0
	nsx "$vm" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	cl_in "$node" sysctl -qw "net.ipv6.conf.$port.disable_ipv6=1"
	cl_in "$node" ip link set "$port" up
	nsx "$vm" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
	return 0
}

cluster_up() {
	local n i m1 m2
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mkdir -p "$CL_DOCS" "$CL_PINS"
	etcd_up "$1" || return 1
	ip netns add "${VT_PREFIX}-ul"
	ip -n "${VT_PREFIX}-ul" link set lo up
	ip -n "${VT_PREFIX}-ul" link add ulbr type bridge
	ip -n "${VT_PREFIX}-ul" link set ulbr mtu 1600 up
	for n in $CL_NODES; do
		ip netns add "$(cl_ns "$n")"
		cl_in "$n" ip link set lo up
		ip link add "u$n" netns "${VT_PREFIX}-ul" mtu 1600 type veth peer name u0 netns "$(cl_ns "$n")" mtu 1600
		ip -n "${VT_PREFIX}-ul" link set "u$n" master ulbr up
		cl_in "$n" ip addr add "192.168.88.${CL_UL[$n]}/24" dev u0
		cl_in "$n" ip link set u0 up
		etcd_attach "$(cl_ns "$n")" "$ETCD_NET.${CL_ADDR[$n]}"
	done
	for i in 1 2; do
		cl_in "n$i" ip link add vmbr type bridge
		cl_in "n$i" ip link set vmbr up
		cl_vm "a$i" "n$i" "10.77.$i.1" "a${i}p"
		cl_vm "b$i" "n$i" "10.77.$i.2" "b${i}p"
		cl_in "n$i" ip link set "a${i}p" master vmbr
		cl_in "n$i" ip link set "b${i}p" master vmbr
		m1=$(nsx "a$i" cat /sys/class/net/eth0/address)
		m2=$(nsx "b$i" cat /sys/class/net/eth0/address)
		nsx "a$i" ip neigh replace "10.77.$i.2" lladdr "$m2" dev eth0 nud permanent
		nsx "b$i" ip neigh replace "10.77.$i.1" lladdr "$m1" dev eth0 nud permanent
	done
	cl_vm mon nm "" monp
	cat >"$CL_DOCS/tap.yaml" <<'YAML'
monitors:
  - { name: far, type: vxlan, remote: 192.168.88.3, vni: 4242 }
policies:
  - name: web
    source: { ports: ["a*p"] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: far
YAML
	cat >"$CL_DOCS/recv.yaml" <<'YAML'
receive:
  - { vni: 4242, port: monp }
YAML
	# a steady stream (cl_stream), to the monitor tap.yaml defines
	cat >"$CL_DOCS/stream.yaml" <<'YAML'
policies:
  - name: stream
    source: { ports: ["a*p"] }
    direction: out
    match: { protocol: udp, dst_ports: [5000] }
    monitor: far
YAML
}

cl_setup() {
	local n
	check "a $1-member etcd and three node namespaces" cluster_up "$1"
	for n in $CL_NODES; do check "vtapd on $n starts" cl_start "$n"; done
	check "apply tap.yaml and stream.yaml" cl_apply "$CL_DOCS/tap.yaml" "$CL_DOCS/stream.yaml"
	check "apply recv.yaml --node nm" cl_apply "$CL_DOCS/recv.yaml" --node nm
	check "every node converges" cl_wait 20
}

cl_start() {
	local node=$1 i; shift
	rm -f "$VT_RUN/$node.sock"
	# not through a function: $! must be vtapd (ip netns exec execs it)
	ip netns exec "$(cl_ns "$node")" "$VTAPD" --etcd "$(etcd_endpoints)" --node "$node" \
		--pin-root "$CL_PINS/$node" --socket "$VT_RUN/$node.sock" \
		--state-dir "$VT_RUN/state-$node" --underlay-mtu 1600 \
		--log-level "${VTAPD_LOG:-info}" "$@" 2>>"$VT_RUN/$node.log" &
	CL_PID[$node]=$!
	for i in $(seq 400); do
		[ -S "$VT_RUN/$node.sock" ] && return 0
		kill -0 "${CL_PID[$node]}" 2>/dev/null || break
		sleep 0.05
	done
	diag "vtapd on $node did not start:"
	tail -n 20 "$VT_RUN/$node.log" | sed 's/^/# /'
	return 1
}

cl_stop() {
	local node=$1 sig=${2:-TERM} pid=${CL_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "CL_PID[$node]"
	return 0
}

cl_ctl() { local node=$1; shift; "$VTAPCTL" --socket "$VT_RUN/$node.sock" "$@"; }
cctl() { ip netns exec "$ETCD_NS" "$VTAPCTL" --etcd "$(etcd_endpoints)" cluster "$@"; }
# cl_apply ARGS...: cctl apply, its revision in CL_REV (stdout's "revision R")
cl_apply() {
	local out
	out=$(cctl apply "$@") || { diag "cluster apply $*: failed"; return 1; }
	CL_REV=$(awk '$1 == "revision" { print $2 }' <<<"$out")
	[ -n "$CL_REV" ]
}
# cl_status_of NODE FILTER: a field of NODE in `cluster status --json`
cl_status_of() {
	cctl status --json | json_of '.nodes[] | select(.node == $n) | '"$2" --arg n "$1"
}
# cl_wait_nodes [SECONDS]: every live node applied the store's latest
cl_wait() { cctl wait --timeout "${1:-20}" >/dev/null; }

# cl_doc FILE NAME DST_PORT [PRIORITY]: one policy, NAME, copying TCP to
# DST_PORT from every a*p port to the monitor far that tap.yaml defines
cl_doc() {
	{
		echo "policies:"
		echo "  - name: $2"
		[ -z "${4:-}" ] || echo "    priority: $4"
		echo '    source: { ports: ["a*p"] }'
		echo "    match: { protocol: tcp, dst_ports: [$3] }"
		echo "    monitor: far"
	} >"$1"
}

# cl_web I N: N GETs from aI to bI:80 (bI serves them)
cl_web() {
	local i=$1 n=$2 srv k
	nsx "b$i" timeout 20 python3 "$WEBPEER" serve "10.77.$i.2" "$n" &
	srv=$!
	sleep 0.3
	for k in $(seq "$n"); do nsx "a$i" python3 "$WEBPEER" get "10.77.$i.2" >/dev/null; done
	wait "$srv" 2>/dev/null
}

# cl_stream I SECONDS PPS: UDP datagrams from aI to bI:5000, PPS a second
# for SECONDS, each with its sequence number (stream.yaml taps them)
cl_stream() {
	nsx "a$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pps = int(sys.argv[3]); n = int(float(sys.argv[2]) * pps); t = time.monotonic()
for i in range(n):
    s.sendto(b"%08d" % i + b"x" * 56, (sys.argv[1], 5000))
    t += 1.0 / pps
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)
' "10.77.$1.2" "$2" "$3"
}

# cl_gaps PCAP SRC: "FRAMES MAXGAP_MS FIRST LAST" of the frames from SRC
# to UDP 5000 in a capture (times: seconds since the epoch)
cl_gaps() {
	tshark -r "$1" -Y "ip.src == $2 && udp.dstport == 5000" -T fields -e frame.time_epoch \
		2>/dev/null | python3 -c '
import sys
t = [float(l) for l in sys.stdin if l.strip()]
gap = max((b - a for a, b in zip(t, t[1:])), default=0)
print(len(t), "%.1f" % (gap * 1000), "%.3f" % (t[0] if t else 0), "%.3f" % (t[-1] if t else 0))'
}

# cl_count_between PCAP SRC T0 T1: frames from SRC to UDP 5000 whose time
# (seconds since the epoch) is in [T0, T1)
cl_count_between() {
	tshark -r "$1" -Y "ip.src == $2 && udp.dstport == 5000 && frame.time_epoch >= $3 && frame.time_epoch < $4" \
		2>/dev/null | wc -l
}

# cl_wait_for SECONDS COMMAND...: poll every 0.2 s until it holds
cl_wait_for() {
	local n=$(($1 * 5)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n - 1)); done
	return 1
}

# frames_all FILE...: the frames of every capture, one sorted list
frames_all() { local f; for f in "$@"; do frames "$f"; done | sort; }

cluster_down() {
	local n
	for n in "${!CL_PID[@]}"; do cl_stop "$n" TERM; done
	etcd_down
	topo_down
	# pins of a vtapd killed with SIGKILL (their links went with the namespaces)
	rm -rf "$CL_PINS"
}
