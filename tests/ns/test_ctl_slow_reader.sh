#!/usr/bin/env bash
# A control client that asks for a large answer and never reads it does not
# stall vtapd (issue 19 item 4). With 4096 policies, `stats --json` is about
# 700 KB, far more than a socket buffer; before, vtapd wrote it blocking
# (2 s per write) and everything else waited. Here, while such a client
# sits on its unread answer:
#  - `vtapctl status` answers well under a second;
#  - a VM port that appears is tapped as fast as with no client at all;
#  - a reload (SIGHUP) is applied;
# the client is dropped at its reply deadline (5 s after its request), the
# log says how much of the answer it read, and a client that reads gets the
# whole answer (4096 policies).
: "${VT_PREFIX:=vtcr}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctl-lib.sh"
cleanup() {
	peer_kill
	topo_down
}
trap cleanup EXIT
topo_up

python3 - "$VT_POL/big.yaml" "${VT_PREFIX}" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("monitors:\n  - { name: mon, type: local, port: %s-mon }\npolicies:\n" % sys.argv[2])
    f.write("  - {name: icmp, priority: 1, source: {ports: [\"%s-vm*\"]}, match: {protocol: icmp}, monitor: mon}\n" % sys.argv[2])
    for i in range(4095):
        f.write("  - {name: udp-%d, priority: %d, source: {ports: [\"%s-vm*\"]}, "
                "match: {protocol: udp, dst_ports: [%d]}, monitor: mon}\n" % (i, 10 + i, sys.argv[2], 10000 + i))
PY
check "vtapd starts with 4096 policies" vtapd_start

full=$(ctl stats --json | wc -c)
n=$(ctl_json '.policies | length' stats)
diag "stats --json: $full bytes, $n policies"
check "a client that reads gets the whole answer: 4096 policies" test "$n" -eq 4096
# hup_ms: SIGHUP vtapd and print the ms until the reload is applied
hup_ms() {
	local ok0 t0
	ok0=$(status_of reloads_ok)
	t0=$(date +%s%N)
	kill -HUP "$VTAPD_PID"
	while [ "$(status_of reloads_ok)" -le "$ok0" ] && [ "$(ms_since "$t0")" -lt 10000 ]; do sleep 0.01; done
	ms_since "$t0"
}
base=$(tap_ms vm3)
base_reload=$(hup_ms)
diag "no stuck client: vm3's port tapped $base ms after 'ip link add'; a SIGHUP reload of 4096 policies applied after $base_reload ms"

check "a client asked for stats --json and reads nothing" \
	peer_start "$VT_RUN/slow.out" slow "$VT_SOCK" "stats --json"
sleep 0.2 # vtapd has filled the client's socket and waits for room
tapped=$(tap_ms vm4)
reload=$(hup_ms)
took=$(status_ms "$VT_SOCK")
diag "with the client stuck: vm4's port tapped $tapped ms after 'ip link add', a SIGHUP reload applied after $reload ms, vtapctl status took $took ms"
check "a new port is tapped as fast as without the client (no more than 100 ms slower)" \
	lt "$tapped" $((base + 100))
check "a reload is applied as fast as without the client (no more than 1 s slower)" \
	lt "$reload" $((base_reload + 1000))
check "vtapctl status answers in under 300 ms" lt "$took" 300
check "... and says what vtapd runs" grep -q "^policies: *4096 " "$VT_RUN/status.out"

peer_wait
read -r gone got < <(grep -v '^ready' "$VT_RUN/slow.out")
total=$((full + 3)) # and the "ok" line
diag "vtapd hung up on the client $gone ms after its request; it had sent $got of $total bytes"
check "the stuck client was dropped at its deadline (5 s after its request, within 1 s)" \
	bash -c "[[ '$gone' =~ ^[0-9]+$ ]] && [ $gone -ge 4800 ] && [ $gone -lt 6000 ]"
check "... having got part of the answer only" bash -c "[ '$got' -gt 0 ] && [ '$got' -lt $total ]"
check "the log says how much of its reply it read" \
	grep -q "dropped: it read $got of the $total bytes of its reply within 5000 ms" "$VT_RUN/vtapd.log"
n=$(ctl_json '.policies | length' stats)
check "afterwards a reading client still gets all 4096 policies" test "$n" -eq 4096
tap_end
