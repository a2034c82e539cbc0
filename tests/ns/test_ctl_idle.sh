#!/usr/bin/env bash
# Silent control clients never stall vtapd (issue 19 item 4). Before, vtapd
# served one client at a time, up to 2 s each: 18 idle connections made
# `vtapctl status` take 36 s and delayed tapping a new VM port from 16 ms to
# 3.7 s. Here, with 24 connections open and silent:
#  - `vtapctl status` answers well under a second;
#  - a VM port that appears is tapped as fast as without them (test_hotplug's
#    measure: 'ip link add' to vtap_tc_out on the port);
#  - each silent client is dropped at its deadline (2 s after connecting),
#    told why, and the log says so.
# Then 80 silent connections, more than the 64 vtapd serves at once: the
# oldest silent ones make room (told so), status still answers at once.
: "${VT_PREFIX:=vtci}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctl-lib.sh"
cleanup() {
	peer_kill
	topo_down
}
trap cleanup EXIT
topo_up

cat >"$VT_POL/idle.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: vms
    source: { ports: ["${VT_PREFIX}-vm*"] }
    direction: both
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd starts with a glob policy" vtapd_start

# --- the measure of test_hotplug.sh, no client connected ---
base=$(tap_ms vm3)
check "without clients, a new port is tapped" lt "$base" 5000
diag "no control client: vm3's port tapped $base ms after 'ip link add' (test_hotplug.sh's bar: 100 ms)"

# --- 24 silent connections ---
N=24
check "$N silent connections to the control socket" peer_start "$VT_RUN/idle.out" idle "$VT_SOCK" $N
st=$(status_ms "$VT_SOCK")
tapped=$(tap_ms vm4)
diag "with $N silent clients: vtapctl status took $st ms; vm4's port tapped $tapped ms after 'ip link add'"
check "vtapctl status answers in under 300 ms while they are connected" lt "$st" 300
check "... and says what vtapd runs" grep -q "^policies: *1 " "$VT_RUN/status.out"
check "a new port is tapped as fast while they are connected (no more than 100 ms slower)" \
	lt "$tapped" $((base + 100))
peer_wait
closed=$(grep -cE '^[0-9]+ ' "$VT_RUN/idle.out")
told=$(grep -c 'error|vtapd: no request line within 2000 ms|$' "$VT_RUN/idle.out")
times=$(awk '/^[0-9]/ {print $1}' "$VT_RUN/idle.out" | sort -n | sed -n '1p;$p' | tr '\n' ' ')
diag "vtapd closed $closed of them, first and last at (ms after connecting): $times"
check "vtapd closed each of the $N connections" test "$closed" -eq $N
check "... at its deadline: 2 s after it connected (1.99 to 3 s)" \
	awk '/^[0-9]/ && ($1 < 1990 || $1 > 3000) {bad = 1} END {exit bad}' "$VT_RUN/idle.out"
check "... telling each why (no request line within 2000 ms)" test "$told" -eq $N
check "vtapd's log says so for each" \
	test "$(grep -c 'dropped: no request line within 2000 ms' "$VT_RUN/vtapd.log")" -eq $N

# --- more silent clients than vtapd serves at once (64) ---
N=80
check "$N silent connections" peer_start "$VT_RUN/many.out" idle "$VT_SOCK" $N
st=$(status_ms "$VT_SOCK")
diag "with $N silent clients: vtapctl status took $st ms"
check "vtapctl status still answers in under 300 ms" lt "$st" 300
peer_wait
made_room=$(grep -c 'too many control clients; dropped for a newer one' "$VT_RUN/many.out")
timed_out=$(grep -c 'no request line within 2000 ms' "$VT_RUN/many.out")
diag "$made_room dropped to make room, $timed_out at their deadline, $(grep -c '^open' "$VT_RUN/many.out") left open"
# 80 silent + vtapctl = 81 clients for 64 places: the 17 oldest made room
check "the 17 oldest silent clients made room for newer ones (told so)" test "$made_room" -eq 17
check "the other 63 were dropped at their deadline" test "$timed_out" -eq 63
check "vtapd still answers" eval 'ctl status >/dev/null'
tap_end
