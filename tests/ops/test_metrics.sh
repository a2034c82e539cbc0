#!/usr/bin/env bash
# vtapd --metrics and vtap-dpdk --metrics: /metrics scraped with curl passes
# `promtool check metrics`, and every value equals what vtapctl stats --json
# and status --json say at the same moment (after the traffic stopped, the
# scrape taken again until two scrapes agree); other paths are 404, other
# methods 405; bad --metrics values and a port in use are clear errors.
. "$(dirname "$0")/../ns/lib.sh"
. "$(dirname "$0")/../ns/dpdk-lib.sh"
CHECK=$(dirname "$0")/metrics_check.py
cleanup() { vdp_stop; topo_down; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
VERSION=$("$VTAPD" --version | sed 's/^vtapd //')

# scrape_same SOCKETFN URL PREFIX: a scrape, vtapctl's JSON, and a scrape
# again, until both scrapes hold the same values (5 tries)
scrape_same() {
	local c=$1 url=$2 p=$3 i
	for i in 1 2 3 4 5; do
		curl -sf "$url" >"$p.1" || return 1
		"$c" stats --json >"$p.stats"
		"$c" status --json >"$p.status"
		"$c" policies --json >"$p.policies"
		curl -sf "$url" >"$p.2" || return 1
		cmp -s <(grep -v '^#' "$p.1") <(grep -v '^#' "$p.2") && return 0
		sleep 0.3
	done
	diag "the counters kept moving between scrapes"
	return 1
}
# same_as_vtapctl PREFIX: metrics_check.py's comparison (at least MIN values)
same_as_vtapctl() {
	local out
	out=$(python3 "$CHECK" "$1.1" "$1.stats" "$1.status" "$1.policies" "$VERSION")
	local rc=$?
	echo "$out" | grep '^#' | head -20
	local n
	n=$(echo "$out" | sed -n 's/^compared \([0-9]*\) values$/\1/p')
	diag "${1##*/}: compared ${n:-no} values with vtapctl"
	[ "$rc" -eq 0 ] && [ "${n:-0}" -ge "$2" ]
}

# ---------------- bad values ----------------
for bad in "9100" "localhost:9100" "127.0.0.1:0" "127.0.0.1:70000" "[::1]9100" "1.2.3.4:x"; do
	out=$("$VTAPD" --policy-dir "$VT_POL" --socket "$VT_RUN/bad.sock" --metrics "$bad" 2>&1)
	rc=$?
	check "vtapd --metrics '$bad' refused (exit $rc: $out)" \
		bash -c "[ $rc -eq 2 ] && [[ '$out' == 'vtapd: --metrics $bad: '* ]]"
done
check "... and nothing was started (no socket)" test ! -e "$VT_RUN/bad.sock"

# ---------------- vtapd ----------------
topo_up
cat >"$VT_POL/a.yaml" <<YAML
monitors:
  - { name: ids, port: ${VT_PREFIX}-mon }
  - { name: rec, type: capture, port: ${VT_PREFIX}-cap0 }
policies:
  - name: web
    source: { ports: ["${VT_PREFIX}-vm1"] }
    match: { protocol: tcp, dst_ports: [80] }
    monitor: ids
  - name: ping-sampled
    source: { ports: ["${VT_PREFIX}-vm1"] }
    match: { protocol: icmp }
    sample: 2
    monitor: ids
  - { name: vm2-all, source: { ports: ["${VT_PREFIX}-vm2"] }, monitor: rec }
YAML
PORT=$(free_port)
URL=http://127.0.0.1:$PORT/metrics
vtapd_start --metrics "127.0.0.1:$PORT"
check "vtapd starts with --metrics 127.0.0.1:$PORT" test -n "$VTAPD_PID"
web_traffic
nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
echo "policies: [ { name: broken" >"$VT_POL/b.yaml"
sleep 0.3
rm -f "$VT_POL/b.yaml"
echo "policies: [ { name: broken" >"$VT_POL/c.yaml" # the last reload: rejected
sleep 0.3
check "the scrape answers 200 and holds still once the traffic stopped" scrape_same ctl "$URL" "$VT_RUN/d"
check "promtool check metrics: no problem ($(promtool check metrics <"$VT_RUN/d.1" 2>&1 | head -3 | tr '\n' ' '))" \
	bash -c "promtool check metrics <'$VT_RUN/d.1' >/dev/null 2>&1"
check "every value equals vtapctl stats/status --json" same_as_vtapctl "$VT_RUN/d" 70
m() { grep -E "^$1 " "$VT_RUN/d.1" | awk '{ print $2 }'; }
check "copies of the web policy were counted ($(m 'vtap_policy_copies_total\{policy="web",monitor="ids"\}'))" \
	test "$(m 'vtap_policy_copies_total\{policy="web",monitor="ids"\}')" -gt 0
check "ping-sampled: frames sampled out ($(m 'vtap_policy_sampled_out_total\{policy="ping-sampled",monitor="ids"\}'))" \
	test "$(m 'vtap_policy_sampled_out_total\{policy="ping-sampled",monitor="ids"\}')" -gt 0
cap_ring=$(m 'vtap_capture_from_ring_total\{monitor="rec",port="'"${VT_PREFIX}"'-cap0"\}')
cap_sock=$(m 'vtap_capture_received_total\{monitor="rec",port="'"${VT_PREFIX}"'-cap0"\}')
check "the capture monitor got copies (ring buffer ${cap_ring:-none}, sink socket ${cap_sock:-none})" \
	test "$((${cap_ring:-0} + ${cap_sock:-0}))" -gt 0 -a -n "$cap_ring" -a -n "$cap_sock"
check "reloads: 2 rejected, and the last reload's error is set" bash -c \
	"grep -qx 'vtap_reloads_total{result=\"rejected\"} 2' '$VT_RUN/d.1' && grep -qx 'vtap_last_reload_error 1' '$VT_RUN/d.1'"
check "the flow cache's hits and misses are there" \
	grep -q '^vtap_datapath_cache_hits_total [0-9]' "$VT_RUN/d.1"
check "every counter family ends in _total (promtool's rule, and ours)" \
	bash -c "! awk '/^# TYPE/ && \$4 == \"counter\" && \$3 !~ /_total\$/' '$VT_RUN/d.1' | grep -q ."
check "the answer is text/plain; version=0.0.4" bash -c \
	"curl -sI '$URL' | grep -qi '^content-type: text/plain; version=0.0.4'"
check "another path: 404" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 404
check "another method: 405" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")" = 405
out=$("$VTAPD" --policy-dir "$VT_POL" --pin-root "$VT_PIN-2" --socket "$VT_RUN/two.sock" \
	--metrics "127.0.0.1:$PORT" 2>&1)
rc=$?
check "a second vtapd on the same port: exit $rc, 'cannot listen: Address already in use'" \
	bash -c "[ $rc -ne 0 ] && [[ '$out' == *'--metrics 127.0.0.1:$PORT: cannot listen: Address already in use'* ]]"
check "... it touched nothing (no pins, no socket)" test ! -e "$VT_PIN-2" -a ! -e "$VT_RUN/two.sock"
check "... and the first one still answers" curl -sf -o /dev/null "$URL"
# a scraper that connects and says nothing does not hold vtapd
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
quiet() { "$@" >/dev/null; }
check "a silent scraper does not stall vtapctl" quiet timeout 2 "$VTAPCTL" --socket "$VT_SOCK" status --json
check "... nor another scrape" timeout 2 curl -sf -o /dev/null "$URL"
exec 7<&-
vtapd_stop

# ---------------- vtap-dpdk ----------------
rm -f "$VT_POL"/*.yaml
dpdk_wire
vdp_policy
PORT=$(free_port)
URL=http://127.0.0.1:$PORT/metrics
vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
	--monitor "$(xdp 2 "${VT_PREFIX}-mon")" --metrics "127.0.0.1:$PORT"
check "vtap-dpdk starts with --metrics 127.0.0.1:$PORT" test -n "$VDP_PID"
nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
check "vtap-dpdk: the scrape holds still once the traffic stopped" scrape_same dctl "$URL" "$VT_RUN/p"
check "vtap-dpdk: promtool check metrics: no problem" \
	bash -c "promtool check metrics <'$VT_RUN/p.1' >/dev/null 2>&1"
check "vtap-dpdk: every value equals vtapctl stats/status --json" same_as_vtapctl "$VT_RUN/p" 30
check "vtap-dpdk: the icmp policy's copies are there ($(grep '^vtap_policy_copies_total' "$VT_RUN/p.1"))" \
	grep -qE '^vtap_policy_copies_total\{policy="icmp",monitor="mon"\} [1-9]' "$VT_RUN/p.1"
out=$("$VDP" --metrics "127.0.0.1:$PORT" --vm "$(xdp 5 "${VT_PREFIX}-vm2")" --net "$(xdp 6 "$W")" \
	--policy-dir "$VT_POL" --socket "$VT_RUN/vdp2.sock" 2>&1)
rc=$?
check "vtap-dpdk: a second one on the same port: exit $rc, 'Address already in use'" \
	bash -c "[ $rc -ne 0 ] && [[ '$out' == *'--metrics 127.0.0.1:$PORT: cannot listen: Address already in use'* ]]"
out=$("$VDP" --metrics nope --vm x --net y 2>&1)
check "vtap-dpdk --metrics nope: refused ($(echo "$out" | grep -- --metrics))" \
	bash -c "[[ '$out' == *'vtap-dpdk: --metrics nope: expected ADDR:PORT'* ]]"
vdp_stop
check "vtap-dpdk exits 0" test "$VDP_RC" = 0

tap_end
