#!/usr/bin/env bash
# Shared by the vtap-dpdk namespace tests (after lib.sh): the bump-in-the-wire
# topology and vtap-dpdk's start, stop and counters.
VDP=${VDP:-$OUT/vtap-dpdk}
# Under ASan (scripts/sanitize.sh) vtap-dpdk runs with full unwinding and the
# suppression of a leak inside DPDK's net_af_xdp PMD (scripts/lsan-dpdk.supp)
VDP_ENV=()
if [ -n "${ASAN_OPTIONS:-}" ]; then
	VDP_ENV=(env "ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0"
		"LSAN_OPTIONS=print_suppressions=0:suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lsan-dpdk.supp")
fi
VDP_SOCK=$VT_RUN/vtap-dpdk.sock
VDP_PID=
VDP_RC=

# dpdk_wire_up: topo_up, then dpdk_wire
dpdk_wire_up() { topo_up; dpdk_wire; }
# dpdk_wire: vm1's port off the bridge and a veth ${VT_PREFIX}-w1 whose peer
# is on it: vtap-dpdk joins the two
dpdk_wire() {
	W=${VT_PREFIX}-w1
	ip link set "${VT_PREFIX}-vm1" nomaster
	ip link add "$W" type veth peer name "${W}b"
	ip link set "${W}b" master "${VT_PREFIX}-br" up
	ip link set "$W" up
	# AF_XDP carries no checksum-offload state: a VM behind a net_af_xdp
	# wire computes its checksums itself (docs/architecture.md)
	nsx vm1 ethtool -K eth0 tx off >/dev/null
	nsx vm2 ethtool -K eth0 tx off >/dev/null
}

# vdp_policy: the vtap-dpdk tests' policy, $VT_POL/p.yaml: policy icmp
# copies vm1's ICMP to the local monitor mon
vdp_policy() {
	cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: icmp
    source: { ports: [${VT_PREFIX}-vm1] }
    match: { protocol: icmp }
    monitor: mon
YAML
}

# xdp N IFACE: net_af_xdp devargs on one queue
xdp() { echo "net_af_xdp$1,iface=$2,start_queue=0,queue_count=1"; }

# vdp_start ARGS...: vtap-dpdk with the test's policy dir and socket, ready
# when its socket is there
vdp_start() {
	"${VDP_ENV[@]}" "$VDP" "$@" --policy-dir "$VT_POL" --socket "$VDP_SOCK" >>"$VT_RUN/vdp.log" 2>&1 &
	VDP_PID=$!
	local i
	# EAL's set-up and the AF_XDP sockets take ~1 s here, but once
	# (a fresh clone's CI) more than 10 s went by before the control
	# socket was there: up to 60 s, the time taken said when long
	for i in $(seq 1200); do
		if [ -S "$VDP_SOCK" ]; then
			[ "$i" -gt 100 ] && diag "vtap-dpdk took $((i / 20)) s to start"
			return 0
		fi
		kill -0 "$VDP_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "vtap-dpdk did not start:"; sed 's/^/# /' "$VT_RUN/vdp.log"
	# one that is still starting must not answer the checks after this
	kill -KILL "$VDP_PID" 2>/dev/null
	wait "$VDP_PID" 2>/dev/null
	VDP_PID=
	return 1
}

# vdp_stop: SIGTERM, its exit status in VDP_RC
vdp_stop() {
	[ -n "$VDP_PID" ] || return 0
	kill -TERM "$VDP_PID" 2>/dev/null
	wait "$VDP_PID" 2>/dev/null
	VDP_RC=$?
	VDP_PID=
}

dctl() { "$VTAPCTL" --socket "$VDP_SOCK" "$@"; }
# dstat POLICY FIELD, dsink_stat FIELD: lib.sh's stat_of and sink_stat on
# vtap-dpdk's socket
dstat() { VT_CTL=dctl stat_of "$@"; }
dsink_stat() { VT_CTL=dctl sink_stat "$@"; }
