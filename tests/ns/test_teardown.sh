#!/usr/bin/env bash
# Teardown leaves nothing behind (§3 `vtapctl teardown`, §5 stale state):
#  1. `vtapctl teardown` through vtapd: vtapd exits; no vtap filter, no
#     clsact qdisc vtap created, no pin directory, no socket.
#  2. The same after SIGTERM.
#  3. After SIGKILL (filters and pins stay behind), `vtapctl teardown` with no
#     daemon removes the filters, the qdiscs and the pins.
# Throughout, a clsact qdisc that existed before vtapd (on vm2, with a foreign
# u32 filter at prio 5) survives with its filter; only vtap's filter goes.
: "${VT_PREFIX:=vttd}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

VM1=${VT_PREFIX}-vm1 VM2=${VT_PREFIX}-vm2 MON=${VT_PREFIX}-mon
cat >"$VT_POL/td.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
policies:
  - name: all
    source: { ports: [$VM1, $VM2] }
    direction: both
    monitor: mon
YAML

# the foreign state: clsact on vm2 and a matchall filter vtap did not make
tc qdisc add dev "$VM2" clsact
# (u32 with a classid: matchall and gact are not built into this kernel)
tc filter add dev "$VM2" ingress prio 5 protocol all u32 match u32 0 0 classid 1:5
foreign_ok() {
	tc qdisc show dev "$VM2" | grep -q clsact &&
		tc filter show dev "$VM2" ingress | grep -q 'pref 5 u32'
}

ifaces() { ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-"; }
# tapped: vtap's programs are on vm1 (both hooks), vm2 (both), mon (sink)
tapped() {
	tc filter show dev "$VM1" ingress | grep -q vtap_tc_out &&
		tc filter show dev "$VM1" egress | grep -q vtap_tc_in &&
		tc filter show dev "$VM2" ingress | grep -q vtap_tc_out &&
		tc filter show dev "$VM2" egress | grep -q vtap_tc_in &&
		sink_on "$MON"
}
# clean: no vtap filter on any of our interfaces; no clsact except vm2's
clean() {
	local x bad=0
	for x in $(ifaces); do
		if tc filter show dev "$x" ingress | grep -q vtap_ ||
			egress_progs "$x" | grep -q vtap_; then
			diag "a vtap filter or TCX program is left on $x"; bad=1
		fi
		if [ "$x" != "$VM2" ] && tc qdisc show dev "$x" | grep -q clsact; then
			diag "a clsact qdisc is left on $x"; bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}
# wait_exit: vtapd ends within 5 s; its exit status in $VTAPD_RC
wait_exit() {
	local i
	for i in $(seq 100); do
		kill -0 "$VTAPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$VTAPD_PID" 2>/dev/null; then
		diag "vtapd is still running"; return 1
	fi
	wait "$VTAPD_PID"; VTAPD_RC=$?
	VTAPD_PID=
	return 0
}
traffic() { nsx vm1 ping -c 2 -i 0.1 -q 10.77.0.2 >/dev/null; }

# --- 1. vtapctl teardown through the daemon ---
check "the foreign clsact and filter are in place on vm2" foreign_ok
check "vtapd starts" vtapd_start
check "vtap's filters are on vm1, vm2 and mon" tapped
traffic
check "copies flow before teardown" test "$(stat_of all copies)" -gt 0
out=$(ctl teardown 2>&1); rc=$?
diag "$out"
check "vtapctl teardown exits 0" test "$rc" -eq 0
check "vtapd exits after teardown" wait_exit
check "... with status 0" test "${VTAPD_RC:-x}" = 0
check "teardown: no vtap filter, no clsact vtap made, on any ${VT_PREFIX}- interface" clean
check "teardown: vm1 has no clsact qdisc" bash -c "! tc qdisc show dev $VM1 | grep -q clsact"
check "teardown: the pin directory is gone" test ! -e "$VT_PIN"
check "teardown: the socket is gone" test ! -e "$VT_SOCK"
check "teardown: the pre-existing clsact on vm2 and its prio-5 filter survive" foreign_ok
check "teardown: vtapctl status now fails (no daemon)" bash -c "! $VTAPCTL --socket $VT_SOCK status >/dev/null 2>&1"

# --- 2. SIGTERM ---
check "vtapd starts again" vtapd_start
check "vtap's filters are back" tapped
check "the pins are back" test -e "$VT_PIN/vtap_rules"
kill -TERM "$VTAPD_PID"
check "vtapd exits on SIGTERM" wait_exit
check "... with status 0" test "${VTAPD_RC:-x}" = 0
check "SIGTERM: no vtap filter, no clsact vtap made" clean
check "SIGTERM: the pin directory is gone" test ! -e "$VT_PIN"
check "SIGTERM: the socket is gone" test ! -e "$VT_SOCK"
check "SIGTERM: the pre-existing clsact on vm2 and its filter survive" foreign_ok

# --- 3. SIGKILL, then vtapctl teardown without a daemon ---
check "vtapd starts a third time" vtapd_start
kill -KILL "$VTAPD_PID"
wait "$VTAPD_PID" 2>/dev/null
VTAPD_PID=
check "after SIGKILL the filters stay attached" tapped
check "after SIGKILL the pins stay" test -e "$VT_PIN/vtap_rules"
traffic
check "after SIGKILL the orphaned taps still copy (sink delivered > 0 via bpftool)" \
	map_true vtap_sinks '[.[].formatted.values[].value.delivered] | total > 0'
out=$("$VTAPCTL" --socket "$VT_SOCK" --pin-root "$VT_PIN" teardown 2>&1); rc=$?
head -3 <<<"$out" | sed "s/^/# /"
check "offline vtapctl teardown exits 0" test "$rc" -eq 0
check "offline teardown says it worked without vtapd" grep -q "not running" <<<"$out"
check "offline teardown: no vtap filter left" \
	bash -c "! (for x in $(ifaces | tr '\n' ' '); do tc filter show dev \$x ingress; tc filter show dev \$x egress; $OUT/tools/tcx_progs \$x; done) | grep -q vtap_"
check "offline teardown: the pin directory is gone" test ! -e "$VT_PIN"
check "offline teardown: no clsact left where vtap made one (vm1, mon)" \
	bash -c "! tc qdisc show dev $VM1 | grep -q clsact && ! tc qdisc show dev $MON | grep -q clsact"
check "offline teardown: the pre-existing clsact on vm2 and its filter survive" foreign_ok
check "offline teardown twice is harmless (exit 0)" \
	bash -c "'$VTAPCTL' --socket '$VT_SOCK' --pin-root '$VT_PIN' teardown >/dev/null 2>&1"
# SIGKILL left the socket file behind, so vtapd_start's wait for the socket
# returns at once: wait for the new daemon to answer
ctl_answers() {
	local i
	for i in $(seq 100); do
		ctl status >/dev/null 2>&1 && return 0
		kill -0 "$VTAPD_PID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# /' "$VT_RUN/vtapd.log" | tail -5
	return 1
}
diag "socket file after SIGKILL and offline teardown: $( [ -e "$VT_SOCK" ] && echo present || echo absent)"
vtapd_start
check "vtapd starts cleanly after an offline teardown" ctl_answers
check "... and taps again" tapped
tap_end
