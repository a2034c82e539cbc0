#!/usr/bin/env bash
# Issue 19 item 10 (a): a policy edit the compiler rejects is not half
# applied. The edit changes the running capture monitor (another file) and
# adds a new capture monitor, together with 4095 policies that need more
# rule bitmaps than a generation holds. It used to set up the new monitor's
# sink veth and socket and to close the changed one's (its file stopped,
# its live client was dropped) before the compile failed; now the compile
# comes first: no veth appears, no file is made, the running capture keeps
# writing its file and its live `vtapctl capture` client keeps receiving.
# Then the same changes as good edits, make before break: a new file for
# cap switches files after the flip (the socket, the XDP program and the
# live client stay); a file in a folder that is not there yet counts file
# errors, and is opened at the reload after the folder is made; cap
# renamed on its own port gets its sink once the old one has gone (its
# copies meanwhile are counted as copy failures).
: "${VT_PREFIX:=vtcb}"
. "$(dirname "$0")/lib.sh"
PING= LIVE=
cleanup() {
	[ -n "$PING" ] && kill "$PING" 2>/dev/null
	[ -n "$LIVE" ] && kill "$LIVE" 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up
CAP=${VT_PREFIX}-cap NEW=${VT_PREFIX}-cnew VM1=${VT_PREFIX}-vm1
FILE=$VT_RUN/cap.pcapng

# put MONITOR FILE: the policy file, vm1's ICMP to capture monitor MONITOR
# on CAP writing FILE, in one rename (one reload)
put() {
	cat >"$VT_RUN/put.tmp" <<YAML
monitors:
  - { name: $1, type: capture, port: $CAP, file: $2 }
policies:
  - name: p
    source: { ports: [$VM1] }
    direction: out
    match: { protocol: icmp }
    monitor: $1
YAML
	mv "$VT_RUN/put.tmp" "$VT_POL/10.yaml"
}
put cap "$FILE"
check "vtapd starts with a capture monitor" vtapd_start --attach tc
# (not through nsx: $! must be ping itself)
ip netns exec "${VT_PREFIX}-vm1" ping -i 0.05 -q 10.77.0.2 >/dev/null 2>&1 &
PING=$!
ctl capture p -w "$VT_RUN/live.pcapng" 2>"$VT_RUN/live.err" &
LIVE=$!
records() { tcpdump -r "$1" -nn 2>/dev/null | wc -l; }
# grows FILE: more records in FILE within 2 s
grows() {
	local a b i
	a=$(records "$1")
	for i in $(seq 20); do
		sleep 0.1
		b=$(records "$1")
		[ "$b" -gt "$a" ] && return 0
	done
	diag "$1 stayed at $a records"
	return 1
}
check "the capture file grows" grows "$FILE"
check "the live capture client receives" grows "$VT_RUN/live.pcapng"
# the host's links of this test (its prefix; other work on the host makes its own)
our_links() { ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-" | sort | tr '\n' ' '; }
links0=$(our_links)

# the rejected edit: cap writes another file, a new capture monitor, and
# 4095 policies (some for the new monitor) over the rule bitmap limit
python3 - "$VT_RUN/edit.yaml" "$VM1" "$CAP" "$NEW" "$VT_RUN" <<'PY'
import sys
out, vm, cap, new, run = sys.argv[1:]
with open(out, "w") as f:
    f.write("monitors:\n")
    f.write("  - { name: cap, type: capture, port: %s, file: %s/cap2.pcapng }\n" % (cap, run))
    f.write("  - { name: cap-new, type: capture, port: %s, file: %s/new.pcapng }\n" % (new, run))
    f.write("policies:\n")
    f.write("  - { name: p, source: { ports: [%s] }, direction: out, match: { protocol: icmp },"
            " monitor: cap }\n" % vm)
    for i in range(4095):
        f.write("  - {name: b%d, priority: %d, source: {ports: [%s]}, "
                "destination: {cidr: 10.%d.%d.0/24}, "
                "match: {protocol: tcp, src_ports: [\"10000-%d\"], dst_ports: [\"%d-30000\"]}, "
                "monitor: %s}\n"
                % (i, 2000 + i, vm, 100 + i // 256, i % 256, 10000 + i, 20000 + i,
                   "cap-new" if i % 2 else "cap"))
PY
fail0=$(status_of reloads_failed)
mv "$VT_RUN/edit.yaml" "$VT_POL/10.yaml"
for i in $(seq 300); do
	[ "$(status_of reloads_failed)" -gt "$fail0" ] && break
	sleep 0.1
done
st=$(ctl status --json)
diag "last_error: $(json_of .last_error <<<"$st")"
check "the edit is rejected by the compiler (distinct rule bitmaps)" \
	json_true '.reloads_failed == $f + 1 and (.last_error | contains("distinct rule bitmaps"))' \
	--argjson f "$fail0" <<<"$st"
links1=$(our_links)
check "no new link appeared (no sink veth $NEW)" test "$links0" = "$links1"
check "no file of the rejected set was made" \
	test ! -e "$VT_RUN/new.pcapng" -a ! -e "$VT_RUN/cap2.pcapng"
check "the log never made or closed a sink for the edit" \
	eval '! grep -E "created the sink veth $NEW|closing its sink|cap-new" "$VT_RUN/vtapd.log"'
check "the running capture's sink is as it was (state ok)" \
	json_true '[.monitor_sinks[] | select(.monitor == "cap" and .state == "ok")] | length == 1' <<<"$st"
check "the capture file still grows after the rejected edit" grows "$FILE"
check "the live capture client still receives" grows "$VT_RUN/live.pcapng"
check "the live client is still connected" kill -0 "$LIVE"
check "the peer still has the capture's XDP program" \
	bash -c "ip -d link show ${CAP}p | grep -q 'prog/xdp'"

# --- good edit: another file for cap ---
ok0=$(status_of reloads_ok)
xdp0=$(ip -d link show "${CAP}p" | grep -o 'prog/xdp id [0-9]*')
put cap "$VT_RUN/cap2.pcapng"
check "a new file for cap is applied" wait_status reloads_ok $((ok0 + 1))
check "... the new file grows" grows "$VT_RUN/cap2.pcapng"
n1=$(records "$FILE"); sleep 0.5
check "... the old one no longer does ($n1 records)" test "$(records "$FILE")" -eq "$n1"
check "... the live client still receives (the socket stayed)" grows "$VT_RUN/live.pcapng"
check "... the XDP program on the peer is the same ($xdp0)" \
	test "$(ip -d link show "${CAP}p" | grep -o 'prog/xdp id [0-9]*')" = "$xdp0"

# --- a file cap cannot write (no such folder), then the folder made ---
ok0=$(status_of reloads_ok)
e0=$(ctl_json '.monitor_sinks[0].file_errors' status)
put cap "$VT_RUN/later/cap3.pcapng"
check "a file in a missing folder for cap is applied" wait_status reloads_ok $((ok0 + 1))
sleep 0.3
e1=$(ctl_json '.monitor_sinks[0].file_errors' status)
check "... its records are counted as file errors ($e0 -> $e1)" test "$e1" -gt "$e0"
check "... the live client still receives" grows "$VT_RUN/live.pcapng"
mkdir "$VT_RUN/later"
check "the folder made, vtapctl reload" ctl reload
check "... the file is opened and grows" grows "$VT_RUN/later/cap3.pcapng"

# --- good edit: cap renamed rec, on the same port ---
ok0=$(status_of reloads_ok)
put rec "$VT_RUN/cap2.pcapng"
check "the rename is applied" wait_status reloads_ok $((ok0 + 1))
for i in $(seq 40); do
	ctl status --json | json_true '[.monitor_sinks[] | select(.monitor == "rec" and .state == "ok")] | length == 1' >/dev/null 2>&1 && break
	sleep 0.05
done
check "... rec's sink is made once cap's has gone (state ok)" \
	eval 'ctl status --json | json_true "[.monitor_sinks[] | select(.monitor == \"rec\" and .state == \"ok\")] | length == 1"'
check "... its file grows again" grows "$VT_RUN/cap2.pcapng"
kill "$PING"; wait "$PING" 2>/dev/null; PING=
sleep 0.5
read -r m c f < <(ctl stats p --json | json_of '.policies[0] | "\(.matched_pkts) \(.copies) \(.copy_fail)"')
diag "p: matched $m, copies $c, copy_fail $f (the copies while rec waited for the port)"
check "... every matched frame is a copy or a copy failure" test "$((c + f))" -eq "$m"
kill "$LIVE" 2>/dev/null; wait "$LIVE" 2>/dev/null; LIVE=
tap_end
