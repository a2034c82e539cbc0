#!/usr/bin/env bash
# vtap-dpdk, the DPDK fallback datapath, with net_af_xdp ports on veths.
# vm1's host port is not on the bridge; vtap-dpdk is the bump in the wire
# between it and a veth to the bridge (${VT_PREFIX}-w1), and copies matching
# frames to the monitor's port. Bad input first; then the scenarios every
# engine runs (scenarios.sh): §6.1 (the monitor's capture equals the
# matching frames captured at vm2, byte for byte; nothing else reaches it;
# vtapctl's counters, over vtap-dpdk's socket, agree with the captures) and
# snaplen + sample after a reload, snaplen: headers (scenario_headers.sh),
# rate caps (scenario_rate.sh);
# DPDK's telemetry; a clean teardown.
: "${VT_PREFIX:=vdp}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenarios.sh"
. "$(dirname "$0")/scenario_headers.sh"
. "$(dirname "$0")/scenario_rate.sh"
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

# ---- the scenarios every engine runs (tests/ns/scenarios.sh): §6.1 through
# vtap-dpdk, then snaplen + sample after a reload (vtapctl reload)
use_engine dpdk
scenario_web
scenario_cut
# telemetry COMMAND: vtap-dpdk's answer (JSON) on DPDK's telemetry socket
telemetry() {
	local sock=/var/run/dpdk/vtap-dpdk-$VDP_PID/dpdk_telemetry.v2
	[ -S "$sock" ] || { diag "no telemetry socket $sock"; return 1; }
	python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.recv(4096)
s.send(sys.argv[2].encode())
sys.stdout.write(s.recv(65536).decode())
PY
}
# tel_cut COPIES: telemetry's counters of cut say 30 matched, COPIES copied
tel_cut() {
	telemetry /vtap/stats,cut |
		json_true '."/vtap/stats" | .matched_pkts == 30 and .copies == $c and .sampled_out == 30 - $c' --argjson c "$1"
}
check "DPDK telemetry serves the same counters (30 matched, $n_mon copies, the rest sampled out)" tel_cut "$n_mon"
hdr_vms_up
scenario_headers
scenario_rate

# ---- teardown
pid=$VDP_PID
vdp_stop
check "vtap-dpdk exits 0 on SIGTERM" test "$VDP_RC" -eq 0
check "its socket, runtime directory and XDP programs are gone" \
	bash -c "[ ! -e $VDP_SOCK ] && [ ! -e /var/run/dpdk/vtap-dpdk-$pid ] && ! ip link show ${VT_PREFIX}-vm1 | grep -q xdp && ! ip link show $W | grep -q xdp && ! ip link show ${VT_PREFIX}-mon | grep -q xdp"
tap_end
