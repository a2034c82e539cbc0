#!/usr/bin/env bash
# Where a monitor port's sink program goes (vtapd --sink-hook), and that
# either place keeps the sink's promises: copies reach the monitor and are
# counted delivered, frames the host itself sends out of the port do not
# reach the monitor and are counted foreign.
#  a. auto (the default): vtap_sink on the monitor port's TCX egress, no
#     clsact on the port; vtapctl status says sink(tcx);
#  b. SIGKILL, then a new vtapd: the TCX sink is adopted, not attached a
#     second time (one vtap_sink, the same program id), copies go on;
#  b2. the sink taken off TCX behind vtapd's back: attached again by the
#     next reloads, and vtapd holds no more program fds than before;
#  c. SIGTERM: nothing of vtap's left on the port's TCX egress;
#  d. --sink-hook clsact (what a kernel without TCX gets by itself): the
#     sink is vtap's clsact filter, nothing on TCX; SIGTERM takes the
#     filter and vtap's clsact away;
#  d2. a sink left on clsact (SIGKILL) is moved to TCX by a vtapd in auto
#     mode, and back to clsact by one with --sink-hook clsact;
#  d3. with --sink-hook clsact, the monitor port becomes a tapped port in
#     one reload and back: each time the new role's filter stays (the
#     sink and the in tap share clsact egress's one filter slot);
#  e. a bad --sink-hook value: vtapd refuses to start, naming it.
: "${VT_PREFIX:=vtsh}"
. "$(dirname "$0")/lib.sh"
MON=${VT_PREFIX}-mon
cleanup() { capture_stop; vtapd_stop; topo_down; }
trap cleanup EXIT
topo_up

cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: m, type: local, port: $MON }
policies:
  - { name: p, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: m }
YAML

tcx_ids() { "$OUT/tools/tcx_progs" "$MON" | awk '$1 == "vtap_sink" { print $2 }' | tr '\n' ' '; }
clsact_sink() { tc filter show dev "$MON" egress 2>/dev/null | grep -q vtap_sink; }
# promises WHAT: vm1's 5 pings are 5 copies at mon (lib.sh, sink_promises)
promises() { sink_promises "$1" 5; }

# --- a. auto ---
check "[auto] vtapd starts" vtapd_start
ids=$(tcx_ids)
diag "[auto] TCX egress of $MON: $("$OUT/tools/tcx_progs" "$MON" | tr '\n' ' ')"
check "[auto] vtap_sink is on $MON's TCX egress, once" test "$(wc -w <<<"$ids")" -eq 1
check "[auto] no clsact filter and no clsact qdisc on $MON" \
	eval "! clsact_sink && ! tc qdisc show dev $MON | grep -q clsact"
check "[auto] the log says TCX egress" grep -q "attached vtap_sink to $MON (TCX egress)" "$VT_RUN/vtapd.log"
check "[auto] vtapctl status: $MON's hooks are sink(tcx)" test "$(port_of "$MON" hooks)" = "sink(tcx)"
promises auto

# --- b. killed, then adopted ---
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK" # left by the killed one: vtapd_start waits for a new one
check "[killed] the TCX sink stays" test "$(tcx_ids)" = "$ids"
check "[adopt] a new vtapd starts" vtapd_start
check "[adopt] the same vtap_sink, not a second one" test "$(tcx_ids)" = "$ids"
check "[adopt] the log says it adopted the port's programs" \
	grep -q "adopted vtap's filters on $MON" "$VT_RUN/vtapd.log"
promises adopted

# --- b2. taken off behind vtapd's back ---
prog_fds() { ls -l "/proc/$VTAPD_PID/fd" 2>/dev/null | grep -c 'bpf-prog'; }
fds0=$(prog_fds)
"$OUT/tools/tcx_progs" "$MON" --detach vtap_sink
check "[gone] the sink is off $MON (removed by another tool)" test -z "$(tcx_ids)"
# the first reload notices it is gone, the next attaches it again
ctl reload >/dev/null && ctl reload >/dev/null
check "[gone] two reloads later vtap_sink is on $MON's TCX egress again, once" \
	test "$(wc -w <<<"$(tcx_ids)")" -eq 1
check "[gone] the log says it was removed and attached again" \
	grep -q "vtap's filter on $MON was removed by someone else" "$VT_RUN/vtapd.log"
diag "[gone] vtapd's BPF program fds: $fds0 before, $(prog_fds) after"
check "[gone] vtapd holds no more program fds than before (the old one let go)" \
	test "$(prog_fds)" -le "$fds0"
promises reattached

# --- c. SIGTERM ---
vtapd_stop
check "[stop] nothing of vtap's on $MON's TCX egress" test -z "$(tcx_ids)"

# --- d. clsact ---
: >"$VT_RUN/vtapd.log"
check "[clsact] vtapd --sink-hook clsact starts" vtapd_start --sink-hook clsact
check "[clsact] vtap_sink is vtap's clsact filter on $MON, nothing on TCX" \
	eval "clsact_sink && [ -z \"\$(tcx_ids)\" ]"
check "[clsact] vtapctl status: $MON's hooks are sink" test "$(port_of "$MON" hooks)" = "sink"
promises clsact
vtapd_stop
check "[clsact] SIGTERM: no filter and no clsact left on $MON" \
	eval "! clsact_sink && ! tc qdisc show dev $MON | grep -q clsact"

# --- d2. moved at start to where --sink-hook asks ---
check "[move] vtapd --sink-hook clsact starts again" vtapd_start --sink-hook clsact
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK"
check "[move] killed: its clsact sink stays" clsact_sink
check "[move] a vtapd in auto mode starts" vtapd_start
check "[move] the sink is on TCX now, once, off clsact, and the clsact is gone" \
	eval "[ \"\$(wc -w <<<\"\$(tcx_ids)\")\" -eq 1 ] && ! clsact_sink && ! tc qdisc show dev $MON | grep -q clsact"
check "[move] the log says it moved" grep -q "moved vtap_sink on $MON to TCX egress" "$VT_RUN/vtapd.log"
promises moved-to-tcx
kill -KILL "$VTAPD_PID"; wait "$VTAPD_PID" 2>/dev/null; VTAPD_PID=
rm -f "$VT_SOCK"
check "[move] vtapd --sink-hook clsact starts over the kept TCX sink" vtapd_start --sink-hook clsact
check "[move] the sink is on clsact now, nothing on TCX" eval "clsact_sink && [ -z \"\$(tcx_ids)\" ]"
check "[move] the log says it moved" \
	grep -q "moved vtap_sink on $MON to clsact egress (--sink-hook clsact)" "$VT_RUN/vtapd.log"
promises moved-to-clsact
vtapd_stop
check "[move] SIGTERM: nothing of vtap's left on $MON" \
	eval "! clsact_sink && [ -z \"\$(tcx_ids)\" ] && ! tc qdisc show dev $MON | grep -q clsact"

# --- d3. a port's roles swap in one reload (clsact) ---
# on clsact egress the sink and the in tap are one filter slot: the one
# attached for the new set replaces the old, which must not take it off
# when it goes after the flip
swap_b() {
	cat >"$VT_RUN/10.tmp" <<YAML
monitors:
  - { name: m, type: local, port: ${VT_PREFIX}-vm2 }
policies:
  - { name: p, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: icmp }, monitor: m }
  - { name: q, source: { ports: [$MON] }, direction: in, match: { protocol: icmp }, monitor: m }
YAML
	mv "$VT_RUN/10.tmp" "$VT_POL/10.yaml"
}
cp "$VT_POL/10.yaml" "$VT_RUN/10-a.yaml"
check "[swap] vtapd --sink-hook clsact starts" vtapd_start --sink-hook clsact
swap_b
check "[swap] $MON becomes a tapped port (reload)" ctl reload
check "[swap] $MON's clsact egress holds the in tap ($(tc filter show dev "$MON" egress | grep -o 'vtap_[a-z_]*' | tr '\n' ' '))" \
	eval "tc filter show dev $MON egress | grep -q vtap_tc_in"
check "[swap] vtapctl status: $MON's hooks are in" test "$(port_of "$MON" hooks)" = "in"
cp "$VT_RUN/10-a.yaml" "$VT_RUN/10.tmp" && mv "$VT_RUN/10.tmp" "$VT_POL/10.yaml"
check "[swap] $MON is the monitor's port again (reload)" ctl reload
check "[swap] $MON's clsact egress holds the sink" clsact_sink
promises swapped-back
vtapd_stop

# --- e. a bad value ---
out=$("$VTAPD" --policy-dir "$VT_POL" --pin-root "$VT_PIN" --socket "$VT_SOCK" --sink-hook tx 2>&1)
rc=$?
check "[bad] --sink-hook tx: exit 2, naming the option and the value" \
	eval "[ $rc -eq 2 ] && grep -q -- '--sink-hook: expected auto, tcx, clsact or nft, got tx' <<<\"\$out\""
tap_end
