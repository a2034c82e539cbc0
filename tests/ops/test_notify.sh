#!/usr/bin/env bash
# systemd's notify protocol (vtapd.service is Type=notify), against this
# test's own NOTIFY_SOCKET listener (systemd is not PID 1 here): READY=1
# once the first set is applied, RELOADING=1 then READY=1 around every
# reload (SIGHUP, an edit of the policy files, vtapctl reload, a rejected
# edit), a STATUS= line that follows policies, ports and the last error,
# WATCHDOG=1 at half of WATCHDOG_USEC from the event loop (none while the
# loop is stopped), STOPPING=1 at the end. The same for vtap-dpdk, whose
# pings come from its control thread while the forwarding lcore goes round.
. "$(dirname "$0")/../ns/lib.sh"
. "$(dirname "$0")/../ns/dpdk-lib.sh"
LISTENER=$(dirname "$0")/notify_listener.py
NSOCK=$VT_RUN/notify.sock
LOG=$VT_RUN/notify.log
LPID=
cleanup() {
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null
	vdp_stop
	topo_down
}
trap cleanup EXIT
topo_up

python3 "$LISTENER" "$NSOCK" "$LOG" &
LPID=$!
for i in $(seq 50); do grep -q LISTENING "$LOG" 2>/dev/null && break; sleep 0.05; done

cat >"$VT_POL/a.yaml" <<YAML
monitors:
  - { name: m, port: ${VT_PREFIX}-mon }
policies:
  - { name: web, source: { ports: ["${VT_PREFIX}-vm1"] }, monitor: m }
YAML
WD_USEC=400000 # pings expected every 200 ms
NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=$WD_USEC vtapd_start
check "vtapd starts with NOTIFY_SOCKET and WATCHDOG_USEC set" test -n "$VTAPD_PID"

# msgs: the messages so far, watchdog pings left out, one per line
msgs() { cut -f2 "$LOG" | grep -v -e '^WATCHDOG=1$' -e '^LISTENING$'; }
# wait_msgs N: until N messages (pings aside) have arrived (3 s at most)
wait_msgs() {
	local i
	for i in $(seq 60); do [ "$(msgs | wc -l)" -ge "$1" ] && return 0; sleep 0.05; done
	diag "only $(msgs | wc -l) messages, expected $1:"; msgs | sed 's/^/# /'
	return 1
}
# nth N: the N-th message (pings aside)
nth() { msgs | sed -n "${1}p"; }

wait_msgs 1
first=$(nth 1)
check "the first message is READY=1 ($first)" bash -c "[[ '$first' == READY=1* ]]"
check "... with MAINPID=$VTAPD_PID" bash -c "[[ '$first' == *MAINPID=$VTAPD_PID* ]]"
check "... and a STATUS= line: 1 policy, 1 monitor, 1 port tapped, no error" \
	bash -c "[[ '$first' == *'STATUS=1 policy, 1 monitor; 1 port tapped; last error: none'* ]]"
ctl_quiet() { ctl "$@" >/dev/null; }
check "the control socket answers once READY=1 is sent" ctl_quiet status

# one reload after another: RELOADING=1, then READY=1 (with STATUS=)
n=1
reload_seen() { # WHAT: the next two messages are RELOADING=1 and READY=1
	local a b
	wait_msgs $((n + 2)) || return 1
	a=$(nth $((n + 1))); b=$(nth $((n + 2)))
	n=$((n + 2))
	if [[ "$a" == RELOADING=1* && "$a" == *MONOTONIC_USEC=* && "$b" == READY=1* && "$b" == *STATUS=* ]]; then
		return 0
	fi
	diag "after $1: '$a', then '$b'"
	return 1
}
kill -HUP "$VTAPD_PID"
check "SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1" reload_seen SIGHUP

cat >>"$VT_POL/a.yaml" <<YAML
  - { name: web2, source: { ports: ["${VT_PREFIX}-vm2"] }, monitor: m }
YAML
check "an edit of the policy files: RELOADING=1, then READY=1" reload_seen "an edit"
check "... whose STATUS= says 2 policies, 2 ports tapped" \
	bash -c "[[ '$(nth $n)' == *'STATUS=2 policies, 1 monitor; 2 ports tapped; last error: none'* ]]"

ctl reload >/dev/null
check "vtapctl reload: RELOADING=1, then READY=1" reload_seen "vtapctl reload"

echo "policies: [ { name: broken" >"$VT_POL/b.yaml"
check "a rejected edit: RELOADING=1, then READY=1 (the old set runs on)" reload_seen "a bad edit"
check "... whose STATUS= names the error's file ($(nth $n | sed 's/.*STATUS=//'))" \
	bash -c "[[ '$(nth $n)' == *'STATUS=2 policies, 1 monitor; 2 ports tapped; last error: '*b.yaml:* ]]"
rm -f "$VT_POL/b.yaml"
reload_seen "the bad file removed" >/dev/null

# a port that goes away changes STATUS= with no reload
ip link del "${VT_PREFIX}-vm2"
wait_msgs $((n + 1))
check "a port gone: STATUS= alone follows ($(nth $((n + 1))))" \
	bash -c "[[ '$(nth $((n + 1)))' == 'STATUS=2 policies, 1 monitor; 1 port tapped; last error: none' ]]"
n=$((n + 1))

# watch_pings SECS: WATCHDOG=1 messages over the next SECS seconds: their
# number in np, the median interval between them (ms) in median
watch_pings() {
	local start pings
	start=$(awk 'END { print $1 }' "$LOG")
	sleep "$1"
	pings=$(awk -F'\t' -v s="$start" '$1 > s && $2 == "WATCHDOG=1" { print $1 }' "$LOG")
	np=$(grep -c . <<<"$pings")
	median=$(awk 'NR > 1 { print $1 - prev } { prev = $1 }' <<<"$pings" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%d", v[int((NR + 1) / 2)] * 1000 }')
}

# the watchdog: pings at half of WATCHDOG_USEC, measured over 3 s
watch_pings 3
diag "$np pings in 3 s, median interval ${median} ms (WATCHDOG_USEC=$WD_USEC: 200 ms expected)"
check "WATCHDOG=1 about every 200 ms (median ${median} ms, 160-240)" \
	test "$median" -ge 160 -a "$median" -le 240
check "13 to 16 pings in 3 s ($np)" test "$np" -ge 13 -a "$np" -le 16

# a stopped loop sends no ping: that is what lets systemd restart it
kill -STOP "$VTAPD_PID"
t0=$(awk 'END { print $1 }' "$LOG")
sleep 1
stopped=$(awk -F'\t' -v s="$t0" '$1 > s && $2 == "WATCHDOG=1"' "$LOG" | wc -l)
kill -CONT "$VTAPD_PID"
check "no WATCHDOG=1 while vtapd is stopped ($stopped in 1 s)" test "$stopped" -eq 0
sleep 0.5
check "... and pings again once it runs" \
	bash -c "awk -F'\t' -v s=$t0 '\$1 > s + 1 && \$2 == \"WATCHDOG=1\"' '$LOG' | grep -q ."

vtapd_stop
sleep 0.2
last=$(msgs | tail -1)
check "SIGTERM: the last message is STOPPING=1 ($last)" bash -c "[[ '$last' == STOPPING=1* ]]"

# without WATCHDOG_USEC there are no pings
: >"$LOG"
NOTIFY_SOCKET=$NSOCK vtapd_start
wait_msgs 1
sleep 0.6
check "without WATCHDOG_USEC: READY=1 and no WATCHDOG=1" \
	bash -c "[[ '$(nth 1)' == READY=1* ]] && ! grep -q WATCHDOG '$LOG'"
vtapd_stop

# ---------------- vtap-dpdk ----------------
rm -f "$VT_POL"/*.yaml
ip link add "${VT_PREFIX}-vm2" type veth peer name eth0 netns "${VT_PREFIX}-vm2" 2>/dev/null
ip link set "${VT_PREFIX}-vm2" master "${VT_PREFIX}-br" up
nsx vm2 ip link set eth0 up
dpdk_wire
vdp_policy
: >"$LOG"
NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=$WD_USEC vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" \
	--net "$(xdp 1 "$W")" --monitor "$(xdp 2 "${VT_PREFIX}-mon")"
check "vtap-dpdk starts with NOTIFY_SOCKET and WATCHDOG_USEC set" test -n "$VDP_PID"
wait_msgs 1
check "vtap-dpdk: the first message is READY=1 with STATUS= ($(nth 1))" \
	bash -c "[[ '$(nth 1)' == 'READY=1|STATUS=1 policy, 1 monitor; 1 wire; last error: none' ]]"
n=1
kill -HUP "$VDP_PID"
check "vtap-dpdk: SIGHUP: RELOADING=1, then READY=1" reload_seen SIGHUP
"$VTAPCTL" --socket "$VDP_SOCK" reload >/dev/null
check "vtap-dpdk: vtapctl reload: RELOADING=1, then READY=1" reload_seen "vtapctl reload"
watch_pings 2
diag "vtap-dpdk: $np pings in 2 s, median interval ${median} ms"
# the control thread looks every 100 ms at most: 200 to 300 ms apart
check "vtap-dpdk: WATCHDOG=1 about every 200 ms (median ${median} ms, 160-320)" \
	test "$median" -ge 160 -a "$median" -le 320
vdp_stop
check "vtap-dpdk: the last message is STOPPING=1 ($(msgs | tail -1))" \
	bash -c "[[ '$(msgs | tail -1)' == STOPPING=1* ]]"

tap_end
