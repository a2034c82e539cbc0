#!/usr/bin/env bash
# Who may control vtap, and where copies may go:
#  a. The control socket is 0600 in a directory nobody else can reach; a
#     non-root peer that does reach it (socket chmod'ed 0666 for the test) is
#     refused by vtapd's SO_PEERCRED check, which logs the refused uid; a
#     refused `vtapctl teardown` changes nothing.
#  b. A policy file or directory writable by others (or owned by someone
#     else) is refused by the running vtapd: the error names the file, the
#     running set keeps running; fixing the mode and reloading applies it. A
#     vtapd started on such a directory does not start and leaves nothing.
#  c. Loops: a policy whose source ports match a monitor's port is refused
#     (vtapctl validate, and by the running vtapd); copies are counted once:
#     frames at the monitor == sink deliveries == the policies' copies.
#  d. Copies go only to declared monitors: vtap_sink is on the monitor port
#     only, the taps only on the VM ports.
: "${VT_PREFIX:=vtse}"
. "$(dirname "$0")/lib.sh"
NOBODY=65534
VTAPD2_PID=
cleanup() {
	[ -n "$VTAPD2_PID" ] && kill "$VTAPD2_PID" 2>/dev/null
	chmod 0700 "$VT_RUN" 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up

VM1=${VT_PREFIX}-vm1 VM2=${VT_PREFIX}-vm2 MON=${VT_PREFIX}-mon
MONF=$VT_POL/10-mon.yaml POLF=$VT_POL/20-vms.yaml
cat >"$MONF" <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
YAML
cat >"$POLF" <<YAML
policies:
  - name: p-vm1
    source: { ports: [$VM1] }
    match: { protocol: icmp }
    monitor: mon
    dedup: false
  - name: p-vm2
    source: { ports: [$VM2] }
    match: { protocol: icmp }
    monitor: mon
    dedup: false
YAML
# as_nobody CMD...: run as uid/gid 65534 with no supplementary groups
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
# put FILE MODE: stdin becomes FILE, with MODE, in one rename (one reload)
put() {
	local tmp
	tmp=$(dirname "$1")/.put.tmp
	cat >"$tmp"; chmod "$2" "$tmp"; mv "$tmp" "$1"
}
tapped() {
	tc filter show dev "$VM1" ingress | grep -q vtap_tc_out &&
		tc filter show dev "$VM1" egress | grep -q vtap_tc_in &&
		sink_on "$MON"
}
copies_grow() { # POLICY: a ping of vm1 adds copies to it
	local a b
	a=$(stat_of "$1" copies)
	nsx vm1 ping -c 2 -i 0.1 -q 10.77.0.2 >/dev/null
	b=$(stat_of "$1" copies)
	[ "$b" -gt "$a" ] || { diag "copies of $1 stayed at $a"; return 1; }
}

check "vtapd starts" vtapd_start
check "vtap's filters are on vm1 and mon" tapped

# ---------------- a. the control socket ----------------
diag "socket $(stat -c '%a %U' "$VT_SOCK"), its directory $(stat -c '%a %U' "$VT_RUN")"
check "a: the control socket is mode 0600, owned by root" \
	test "$(stat -c '%a %u' "$VT_SOCK")" = "600 0"
check "a: root may use it" eval 'ctl status >/dev/null'
check "a: vtapctl is there for nobody to run" as_nobody "$VTAPCTL" --help
out=$(as_nobody "$VTAPCTL" --socket "$VT_SOCK" status 2>&1); rc=$?
diag "nobody, socket's directory 0700: exit $rc: $out"
check "a: nobody cannot reach the socket in its 0700 directory (exit 1, Permission denied)" \
	eval '[ $rc -eq 1 ] && grep -q "Permission denied" <<<"$out"'
chmod 0711 "$VT_RUN"
out=$(as_nobody "$VTAPCTL" --socket "$VT_SOCK" status 2>&1); rc=$?
diag "nobody, directory 0711, socket 0600: exit $rc: $out"
check "a: with the directory open, the socket's own mode 0600 still keeps nobody out" \
	eval '[ $rc -eq 1 ] && grep -q "Permission denied" <<<"$out"'
chmod 0666 "$VT_SOCK"
n_refused0=$(grep -c "refused a control connection from uid $NOBODY" "$VT_RUN/vtapd.log")
out=$(as_nobody "$VTAPCTL" --socket "$VT_SOCK" status 2>&1); rc=$?
diag "nobody, socket 0666: exit $rc: $out"
check "a: socket 0666: vtapd's peer check refuses nobody (exit 1)" test "$rc" -eq 1
check "a: ... with a clear message: only root may control vtapd" \
	grep -q "only root may control vtapd" <<<"$out"
check "a: ... and nobody got no status" eval '! grep -q "reloads" <<<"$out"'
sleep 0.1
check "a: vtapd's log says it refused uid $NOBODY" \
	test "$(grep -c "refused a control connection from uid $NOBODY" "$VT_RUN/vtapd.log")" -gt "$n_refused0"
ok_before=$(status_of reloads_ok)
for cmd in reload teardown; do
	out=$(as_nobody "$VTAPCTL" --socket "$VT_SOCK" --pin-root "$VT_PIN" $cmd 2>&1); rc=$?
	diag "nobody's $cmd: exit $rc: $(head -2 <<<"$out" | tr '\n' ' ')"
	check "a: nobody's '$cmd' is refused (exit 1)" test "$rc" -eq 1
done
chmod 0600 "$VT_SOCK"
# nobody cannot reach the socket: vtapctl teardown then works without vtapd,
# which nobody may not do either
out=$(as_nobody "$VTAPCTL" --socket "$VT_SOCK" --pin-root "$VT_PIN" teardown 2>&1); rc=$?
diag "nobody's teardown, socket 0600: exit $rc: $(head -3 <<<"$out" | tr '\n' ' ')"
check "a: nobody's teardown without access to the socket fails (exit non-zero)" test "$rc" -ne 0
check "a: after nobody's teardowns vtapd still runs" kill -0 "$VTAPD_PID"
check "a: ... its filters are all there" tapped
check "a: ... and its pins" test -e "$VT_PIN/vtap_rules"
check "a: ... and nobody's reload did not reload" test "$(status_of reloads_ok)" -eq "$ok_before"
chmod 0700 "$VT_RUN"
check "a: root still controls vtapd after the refusals" eval 'ctl status >/dev/null'

# ---------------- b. policy files writable by others ----------------
ok0=$(status_of reloads_ok); fail0=$(status_of reloads_failed)
put "$POLF" 0666 <<YAML
policies:
  - name: p-vm1
    source: { ports: [$VM1] }
    match: { protocol: icmp }
    monitor: mon
    dedup: false
  - name: p-vm2
    source: { ports: [$VM2] }
    match: { protocol: icmp }
    monitor: mon
    dedup: false
  - name: p-new
    source: { ports: [$VM1] }
    match: { protocol: udp }
    monitor: mon
YAML
msg="$POLF: refusing a policy file writable by others (mode 0666); chmod go-w $POLF"
check "b: an edit that leaves the file 0666 is rejected (reloads_failed + 1)" wait_status reloads_failed $((fail0 + 1))
check "b: vtapd's log names the file: $msg" grep -qF "$msg" "$VT_RUN/vtapd.log"
check "b: status' last_error is that message" test "$(status_of last_error)" = "$msg"
check "b: the new policy is not in effect" eval '! ctl stats p-new --json >/dev/null 2>&1'
check "b: the running set keeps copying" copies_grow p-vm1
check "b: reloads_ok unchanged" test "$(status_of reloads_ok)" -eq "$ok0"
out=$(ctl reload 2>&1); rc=$?
check "b: vtapctl reload says the same and fails" eval '[ $rc -ne 0 ] && grep -qF "$msg" <<<"$out"'
chmod go-w "$POLF"
out=$(ctl reload 2>&1); rc=$?
check "b: after chmod go-w, vtapctl reload applies it" test "$rc" -eq 0
check "b: ... the new policy is in effect" eval 'ctl stats p-new --json >/dev/null 2>&1'

# the directory
chmod 0777 "$VT_POL"
out=$(ctl reload 2>&1); rc=$?
diag "directory 0777: $out"
check "b: a policy directory writable by others is refused by vtapctl reload" \
	eval '[ $rc -ne 0 ] && grep -qF "$VT_POL: refusing a policy directory writable by others (mode 0777); chmod go-w $VT_POL" <<<"$out"'
chmod 1777 "$VT_POL"
out=$(ctl reload 2>&1); rc=$?
check "b: ... also with the sticky bit (1777)" eval '[ $rc -ne 0 ] && grep -q "mode 1777" <<<"$out"'
chmod 0755 "$VT_POL"
check "b: the running set still copies" copies_grow p-vm1

# a file owned by someone else, not writable by others
chown $NOBODY "$MONF"
out=$(ctl reload 2>&1); rc=$?
check "b: a policy file owned by uid $NOBODY is refused" \
	eval '[ $rc -ne 0 ] && grep -qF "$MONF: refusing a policy file owned by uid $NOBODY (only root may own it); chown root $MONF" <<<"$out"'
chown 0 "$MONF"
check "b: back to root's: reload works" eval 'ctl reload >/dev/null'

# a vtapd started on a world-writable file does not start, and leaves nothing
BAD=$VT_RUN/bad-policies PIN2=/sys/fs/bpf/${VT_PREFIX}-test2-$$
mkdir -p "$BAD"
cp "$MONF" "$POLF" "$BAD/"
chmod 0666 "$BAD/20-vms.yaml"
"$VTAPD" --policy-dir "$BAD" --pin-root "$PIN2" --socket "$VT_RUN/vtapd2.sock" \
	2>"$VT_RUN/vtapd2.log" &
VTAPD2_PID=$!
for i in $(seq 100); do kill -0 "$VTAPD2_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$VTAPD2_PID" 2>/dev/null && { diag "the second vtapd is still running"; kill "$VTAPD2_PID"; }
wait "$VTAPD2_PID"; rc2=$?
VTAPD2_PID=
sed 's/^/#   vtapd2: /' "$VT_RUN/vtapd2.log" | grep -v "libbpf" | head -6
check "b: vtapd on a directory with a 0666 file does not start (exit non-zero)" test "$rc2" -ne 0
check "b: ... its log names the file" \
	grep -qF "$BAD/20-vms.yaml: refusing a policy file writable by others (mode 0666)" "$VT_RUN/vtapd2.log"
check "b: ... it left no pin directory" test ! -e "$PIN2"
check "b: ... nor a socket" test ! -e "$VT_RUN/vtapd2.sock"
[ -e "$PIN2" ] && { diag "left under $PIN2: $(ls "$PIN2" | tr '\n' ' ')"; rm -rf "$PIN2"; }
check "b: ... and the first vtapd's filters are untouched" tapped

# ---------------- c. loops ----------------
cat >"$VT_RUN/loop-own.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
policies:
  - name: everything
    source: { ports: ["${VT_PREFIX}-*"] }
    monitor: mon
YAML
out=$(ctl validate "$VT_RUN/loop-own.yaml" 2>&1); rc=$?
diag "$out"
check "c: vtapctl validate refuses a glob that matches the policy's own monitor port" \
	eval '[ $rc -ne 0 ] && grep -qF "loop-own.yaml:5:23: policy everything: monitor mon'"'"'s port $MON is one of its own sources (would loop)" <<<"$out"'
cat >"$VT_RUN/loop-cross.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
  - { name: via-vm2, type: local, port: $VM2 }
policies:
  - name: vm1-to-vm2
    source: { ports: [$VM1] }
    monitor: via-vm2
  - name: vms
    source: { ports: ["${VT_PREFIX}-vm?"] }
    monitor: mon
YAML
out=$(ctl validate "$VT_RUN/loop-cross.yaml" 2>&1); rc=$?
diag "$out"
check "c: ... and one that taps another monitor's port (copies of copies)" \
	eval '[ $rc -ne 0 ] && grep -qF "policy vms: source port '"'"'${VT_PREFIX}-vm?'"'"' matches monitor via-vm2'"'"'s port $VM2 (monitor ports are never tapped)" <<<"$out"'
fail0=$(status_of reloads_failed)
put "$VT_POL/30-loop.yaml" 0644 <<YAML
policies:
  - name: everything
    source: { ports: ["${VT_PREFIX}-*"] }
    monitor: mon
YAML
check "c: the running vtapd refuses the looping policy too" wait_status reloads_failed $((fail0 + 1))
check "c: ... its log says why" grep -qF "30-loop.yaml:3:23: policy everything: monitor mon's port $MON is one of its own sources (would loop)" "$VT_RUN/vtapd.log"
rm -f "$VT_POL/30-loop.yaml"
check "c: removing it: the set is good again" wait_status last_error ""

# frames at the monitor are counted once
sink_delivered() { map_json vtap_sinks '[.[].formatted.values[].value.delivered] | total'; }
capture_start mon "$VT_RUN/mon.pcap"
c1a=$(stat_of p-vm1 copies); c2a=$(stat_of p-vm2 copies); da=$(sink_delivered)
nsx vm1 ping -c 10 -i 0.05 -q 10.77.0.2 >/dev/null
check "c: vm1 pings vm2" test $? -eq 0
sleep 0.2
c1b=$(stat_of p-vm1 copies); c2b=$(stat_of p-vm2 copies); db=$(sink_delivered)
capture_stop
at_mon=$(count "$VT_RUN/mon.pcap")
diag "copies: p-vm1 +$((c1b - c1a)), p-vm2 +$((c2b - c2a)); sink delivered +$((db - da)); frames at the monitor $at_mon"
# 10 requests and 10 replies, each copied at vm1's port and at vm2's (dedup
# off: the copies of one frame from both ports are what this counts)
check "c: each policy copied 20 frames (10 pings x 2 frames at its port)" \
	test "$((c1b - c1a)) $((c2b - c2a))" = "20 20"
check "c: the sink delivered exactly the sum of the copies (40)" test $((db - da)) -eq 40
check "c: the monitor received each copy once: 40 frames, no copy of a copy" test "$at_mon" -eq 40
check "c: the global copies_seen counter is 0 (no copy reached a tap)" \
	test "$(ctl_json .global.copies_seen status)" -eq 0

# ---------------- d. copies go only to declared monitors ----------------
ifaces() { ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-"; }
where() { # PROG: the interfaces (and hooks) that carry PROG
	local x
	for x in $(ifaces); do
		tc filter show dev "$x" ingress 2>/dev/null | grep -q "$1" && echo "$x/ingress"
		egress_progs "$x" | grep -qx "$1" && echo "$x/egress"
	done | tr '\n' ' ' | sed 's/ $//'
}
sinks=$(where vtap_sink); taps="$(where vtap_tc_out) $(where vtap_tc_in)"
diag "vtap_sink on: $sinks; taps on: $taps"
check "d: the only interface with vtap_sink is the monitor port (egress)" test "$sinks" = "$MON/egress"
check "d: the taps are on the VM ports only" test "$taps" = "$VM1/ingress $VM2/ingress $VM1/egress $VM2/egress"
check "d: vtap_sinks holds only the monitor's ifindex" \
	test "$(map_json vtap_sinks '[.[] | if (.key | type) == "number" then .key else .formatted.key end] | join(" ")')" = \
	"$(cat /sys/class/net/$MON/ifindex)"
tap_end
