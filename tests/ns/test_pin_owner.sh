#!/usr/bin/env bash
# A pin root has one owner (issue 19 item 3). A second vtapd with its own
# control socket but the first one's pin root refuses to start, naming the
# first (pid and control socket), before it touches any map or filter: the
# first keeps its filters and keeps copying. A dead owner's pins are still
# adopted: after a SIGKILL of the first, a new vtapd takes them over.
: "${VT_PREFIX:=vtpo}"
. "$(dirname "$0")/lib.sh"
PING=
cleanup() {
	[ -n "$PING" ] && kill "$PING" 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: icmp
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: mon
YAML
# the program ids of the filters on a hook (egress: TCX's too, where the
# sink is): same ids = nothing replaced
filter_ids() {
	tc filter show dev "$1" "$2" | grep -o ' id [0-9]*' | tr -d '\n'
	[ "$2" = egress ] && "$OUT/tools/tcx_progs" "$1" | tr '\n' ' '
}
# the pin root's owner record, as bpftool shows it (BTF: named fields)
owner_pid() { map_json vtap_owner '.[0].formatted.value.pid'; }
owner_socket() { map_json vtap_owner '.[0].formatted.value.socket'; }
copies() { stat_of icmp copies; }

check "the first vtapd starts" vtapd_start
FIRST=$VTAPD_PID
out0=$(filter_ids "${VT_PREFIX}-vm1" ingress); sink0=$(filter_ids "${VT_PREFIX}-mon" egress)
check "it tapped vm1 and the monitor port" test -n "$out0" -a -n "$sink0"
check "its owner record: pid $FIRST, socket $VT_SOCK" \
	test "$(owner_pid)" = "$FIRST" -a "$(owner_socket)" = "$VT_SOCK"
nsx vm1 ping -q -i 0.05 10.77.0.2 >/dev/null 2>&1 &
PING=$!

# the second: same pin root, another socket
timeout 20 "$VTAPD" --policy-dir "$VT_POL" --pin-root "$VT_PIN" --socket "$VT_RUN/second.sock" \
	2>"$VT_RUN/second.log"
rc=$?
sed 's/^/# second: /' "$VT_RUN/second.log"
check "a second vtapd on the same pin root exits non-zero (rc $rc), not after a timeout" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "it names the owner: pin root, pid and control socket" \
	grep -q "pin root $VT_PIN is in use by vtapd pid $FIRST (control socket $VT_SOCK)" \
	"$VT_RUN/second.log"
check "it opened no control socket" test ! -e "$VT_RUN/second.sock"
check "it touched no filter: the same programs on vm1 and the monitor port" \
	test "$(filter_ids "${VT_PREFIX}-vm1" ingress)" = "$out0" \
	-a "$(filter_ids "${VT_PREFIX}-mon" egress)" = "$sink0"
check "the pins are still there, still the first one's" \
	test -e "$VT_PIN/vtap_stats" -a "$(owner_pid)" = "$FIRST"
c0=$(copies)
sleep 1
c1=$(copies)
diag "copies after the second vtapd exited: $c0, a second later $c1"
check "the first vtapd is alive, answers, and keeps copying" \
	test -n "$c1" -a "${c1:-0}" -gt "${c0:-0}" -a -d "/proc/$FIRST"

# a dead owner's pins are adopted, as after any crash
kill -KILL "$FIRST"; wait "$FIRST" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK" # a killed vtapd leaves its socket
check "after a SIGKILL of the owner the filters and pins stay" \
	test "$(filter_ids "${VT_PREFIX}-vm1" ingress)" = "$out0" -a -e "$VT_PIN/vtap_stats"
check "a new vtapd on that pin root starts" vtapd_start
check "it adopted the filters (same programs, nothing replaced)" \
	test "$(filter_ids "${VT_PREFIX}-vm1" ingress)" = "$out0" \
	-a "$(filter_ids "${VT_PREFIX}-mon" egress)" = "$sink0"
check "the log says so" grep -q "adopted vtap's filters on ${VT_PREFIX}-vm1" "$VT_RUN/vtapd.log"
check "the owner record is the new vtapd's (pid $VTAPD_PID)" test "$(owner_pid)" = "$VTAPD_PID"
c2=$(copies)
sleep 1
c3=$(copies)
diag "copies under the new vtapd: $c2, then $c3"
check "copying goes on under the new owner, counters continued" \
	test "${c2:-0}" -ge "$c1" -a "${c3:-0}" -gt "${c2:-0}"
kill "$PING"; wait "$PING" 2>/dev/null; PING=
vtapd_stop
check "a plain SIGTERM detaches and removes the pin root" \
	test -z "$(filter_ids "${VT_PREFIX}-vm1" ingress)" -a ! -e "$VT_PIN"
tap_end
