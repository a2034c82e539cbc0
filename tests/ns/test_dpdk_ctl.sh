#!/usr/bin/env bash
# vtap-dpdk's control socket is vtapd's control server (issue 19 items 3 and
# 11, issue 14): before, vtap-dpdk deleted whatever was at its --socket path
# (even vtapd's live socket), answered any peer that could reach its socket,
# chmod'ed the socket after bind and served one client at a time (1 s each).
#  a. vtap-dpdk refuses to start on a path where vtapd answers, naming it;
#     vtapd's socket (same file) and vtapd keep working; no port was opened.
#  b. Its own socket is born 0600; a non-root peer that reaches it (socket
#     chmod'ed 0666 for the test) is refused (SO_PEERCRED) with a clear
#     message, logged, and its teardown changes nothing.
#  c. 24 silent clients do not delay `vtapctl status`.
#  d. After SIGKILL its dead socket is replaced by the next vtap-dpdk;
#     root's teardown stops it and removes its socket.
: "${VT_PREFIX:=vdc}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dpdk-lib.sh"
. "$(dirname "$0")/ctl-lib.sh"
NOBODY=65534
cleanup() {
	peer_kill
	chmod 0700 "$VT_RUN" 2>/dev/null
	vdp_stop
	topo_down
}
trap cleanup EXIT
dpdk_wire_up
VM_ARGS=(--vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" --monitor "$(xdp 2 "${VT_PREFIX}-mon")")
vdp_policy
engine_on() { "$VTAPCTL" --socket "$1" status --json | json_of .engine; }

# ---------------- a. vtapd's live socket ----------------
# vtapd with no policy: it only answers on VT_SOCK
VTPOL=$VT_RUN/vtapd-policies
mkdir -p "$VTPOL"
VT_POL=$VTPOL vtapd_start
check "vtapd answers on its socket" test "$(engine_on "$VT_SOCK")" = ebpf
ino=$(stat -c %i "$VT_SOCK")
"${VDP_ENV[@]}" "$VDP" "${VM_ARGS[@]}" --policy-dir "$VT_POL" --socket "$VT_SOCK" >"$VT_RUN/vdp-a.log" 2>&1 &
pid=$!
for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then
	diag "vtap-dpdk is still running on vtapd's socket"
	kill -TERM "$pid"
fi
wait "$pid"
rc=$?
sed 's/^/#   vtap-dpdk: /' "$VT_RUN/vdp-a.log" | grep -v "^#   vtap-dpdk: EAL" | tail -3
check "a: vtap-dpdk on vtapd's socket exits non-zero" test "$rc" -ne 0
check "a: ... saying who answers there: vtapd and its pid" \
	grep -q "control socket $VT_SOCK: vtapd (pid $VTAPD_PID) answers on it; not starting" "$VT_RUN/vdp-a.log"
check "a: vtapd's socket is the same file" test "$(stat -c %i "$VT_SOCK" 2>/dev/null)" = "$ino"
check "a: ... and vtapd still answers on it" test "$(engine_on "$VT_SOCK")" = ebpf
check "a: vtap-dpdk opened no port (no XDP program on vm1's port or the wire)" \
	bash -c "! ip link show ${VT_PREFIX}-vm1 | grep -q xdp && ! ip link show $W | grep -q xdp"
vtapd_stop

# ---------------- b. its own socket, and a non-root peer ----------------
check "b: vtap-dpdk starts on its own socket" vdp_start "${VM_ARGS[@]}"
check "b: its socket is mode 0600, owned by root" test "$(stat -c '%a %u' "$VDP_SOCK")" = "600 0"
check "b: root is answered" test "$(engine_on "$VDP_SOCK")" = dpdk
chmod 0711 "$VT_RUN"
chmod 0666 "$VDP_SOCK"
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
out=$(as_nobody "$VTAPCTL" --socket "$VDP_SOCK" status 2>&1)
rc=$?
diag "nobody's status: exit $rc: $out"
check "b: nobody's status is refused (exit 1)" test "$rc" -eq 1
check "b: ... with a clear message: only root may control vtap-dpdk" \
	grep -q "^vtap-dpdk: only root may control vtap-dpdk$" <<<"$out"
check "b: ... and nobody got no status" eval '! grep -q "engine" <<<"$out"'
out=$(as_nobody "$VTAPCTL" --socket "$VDP_SOCK" teardown 2>&1)
rc=$?
diag "nobody's teardown: exit $rc: $out"
check "b: nobody's teardown is refused" test "$rc" -eq 1
sleep 0.3
check "b: vtap-dpdk still runs" kill -0 "$VDP_PID"
check "b: its log names the refused uid" \
	grep -q "refused a control connection from uid $NOBODY" "$VT_RUN/vdp.log"
chmod 0600 "$VDP_SOCK"
chmod 0700 "$VT_RUN"

# ---------------- c. silent clients ----------------
check "c: 24 silent connections to vtap-dpdk's socket" peer_start "$VT_RUN/idle.out" idle "$VDP_SOCK" 24
took=$(status_ms "$VDP_SOCK")
diag "vtapctl status with 24 silent clients: $took ms"
check "c: vtapctl status answers in under 300 ms" lt "$took" 300
check "c: ... with the wire" grep -q "^vm *${VT_PREFIX}-vm1 " "$VT_RUN/status.out"
peer_wait
check "c: each silent client was dropped at its deadline, told why" \
	test "$(grep -c 'error|vtap-dpdk: no request line within 2000 ms|$' "$VT_RUN/idle.out")" -eq 24

# DPDK telemetry names the same counters as the socket's answers (one
# field table each): /vtap/stats,POLICY = a policy's stats, /vtap/status
# holds status' global counters
tel_same() {
	local tel=/var/run/dpdk/vtap-dpdk-$VDP_PID/dpdk_telemetry.v2
	[ -S "$tel" ] || return 1
	python3 - "$tel" "$(dctl stats icmp --json)" "$(dctl status --json)" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.recv(4096)
def tel(cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(65536))[cmd.split(",")[0]]
pol = json.loads(sys.argv[2])["policies"][0]
glob = json.loads(sys.argv[3])["global"]
t_pol, t_st = tel("/vtap/stats,icmp"), tel("/vtap/status")
del pol["name"]
print("# telemetry /vtap/stats,icmp:", sorted(t_pol))
sys.exit(0 if set(t_pol) == set(pol) and set(glob) <= set(t_st) else 1)
PY
}
check "telemetry: a policy's counters and the global ones, under the socket's names" tel_same

# ---------------- d. a dead socket; teardown ----------------
kill -KILL "$VDP_PID"
wait "$VDP_PID" 2>/dev/null
VDP_PID=
check "d: SIGKILL leaves vtap-dpdk's socket behind" test -S "$VDP_SOCK"
# (vdp_start returns at once: the dead socket is there) until it answers
vdp_start "${VM_ARGS[@]}"
for i in $(seq 200); do
	[ "$(engine_on "$VDP_SOCK" 2>/dev/null)" = dpdk ] && break
	kill -0 "$VDP_PID" 2>/dev/null || break
	sleep 0.05
done
check "d: the next vtap-dpdk replaces the dead socket and answers on it" \
	test "$(engine_on "$VDP_SOCK" 2>/dev/null)" = dpdk
out=$(dctl teardown 2>&1)
check "d: root's teardown is answered" grep -q "stopping the ports and exiting" <<<"$out"
for i in $(seq 100); do kill -0 "$VDP_PID" 2>/dev/null || break; sleep 0.05; done
check "d: ... vtap-dpdk exits" eval '! kill -0 "$VDP_PID" 2>/dev/null'
vdp_stop
check "d: ... with status 0, its socket removed" bash -c "[ '$VDP_RC' = 0 ] && [ ! -e '$VDP_SOCK' ]"
tap_end
