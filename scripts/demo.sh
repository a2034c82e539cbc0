#!/usr/bin/env bash
# vtap demo (`make demo`): design §6.1 on this host, end to end.
#
# Builds a small cloud of network namespaces (vm1 10.77.0.1 and vm2 10.77.0.2
# on a bridge, a monitor VM behind the host port vtap-mon), starts vtapd with
# policies/demo.yaml (vm1's TCP port 80, both directions, copied to the
# monitor), runs some traffic, and shows what vtapctl reports and what the
# monitor received. The verdict compares the monitor's capture, byte for byte,
# with the matching frames captured at vm2. Exit status 0 when they agree.
#
#   scripts/demo.sh           run the demo, tear everything down afterwards
#   scripts/demo.sh --keep    leave vtapd and the namespaces up to look around
#   scripts/demo.sh --down    tear down what --keep left
#   scripts/demo.sh --cluster [--keep | --down]
#                             the cluster demo instead (scripts/demo-cluster.sh:
#                             etcd, two nodes, a monitor host)
#
# The demo's vtapd uses its own socket and pin root (/run/vtap/demo.sock,
# /sys/fs/bpf/vtap-demo), so a production vtapd is left alone.
set -u

if [ "${1:-}" = --cluster ]; then
	shift
	exec "$(dirname "$0")/demo-cluster.sh" "$@"
fi
. "$(dirname "$0")/demo-lib.sh"
demo_start "[--keep | --down] | --cluster [--keep | --down]" "(sudo make demo, or sudo $0 ${1:-})" "$@"
VT_PREFIX=vtap
VT_RUN=/run/vtap/demo
. "$HERE/tests/ns/lib.sh"
# lib.sh's defaults are per test run; the demo's are fixed, so --down finds them
VT_SOCK=/run/vtap/demo.sock
VT_PIN=/sys/fs/bpf/vtap-demo
VT_POL=$VT_RUN/policies
PIDFILE=$VT_RUN/vtapd.pid

# Is there a demo vtapd answering on our socket?
demo_vtapd_alive() { [ -S "$VT_SOCK" ] && ctl status >/dev/null 2>&1; }

# The pid in the pid file, if it is still a vtapd.
demo_vtapd_pid() {
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = vtapd ] || return 1
	# and the demo's own vtapd, not one that took over a recycled pid
	tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | grep -q -- "--socket $VT_SOCK " || return 1
	echo "$p"
}

# Stop the demo's vtapd through `vtapctl teardown` (it detaches, unpins and
# exits), then remove the namespaces, links, pins and the run directory.
running() { [ -n "$1" ] && [ -e /proc/"$1" ] && [ "$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null)" != Z ]; }
demo_down() {
	local p i
	p=$(demo_vtapd_pid)
	if demo_vtapd_alive; then
		ctl teardown | sed 's/^/  /'
		for i in $(seq 100); do
			running "$p" || break
			sleep 0.05
		done
	fi
	# not answering, or slow to go: it is ours (pid file), so end it
	p=$(demo_vtapd_pid) && running "$p" && { kill -TERM "$p"; sleep 0.5; }
	# started by this very run: collect it
	[ -n "$VTAPD_PID" ] && wait "$VTAPD_PID" 2>/dev/null
	VTAPD_PID=
	topo_down
	rm -f "$VT_SOCK"
	rmdir /run/vtap 2>/dev/null
	return 0
}

leftovers() {
	{
		ip netns list | awk '{print $1}' | grep "^${VT_PREFIX}-"
		ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-"
		[ -e "$VT_PIN" ] && echo "$VT_PIN"
		[ -e "$VT_SOCK" ] && echo "$VT_SOCK"
	} 2>/dev/null
}

if [ "$MODE" = down ]; then
	if [ -z "$(leftovers)" ] && ! demo_vtapd_pid >/dev/null; then
		say "nothing to tear down"
		rm -rf "$VT_RUN"
		exit 0
	fi
	say "tearing down the demo"
	demo_down
	left=$(leftovers)
	if [ -n "$left" ]; then
		echo "demo: still there after teardown:" $left >&2
		exit 1
	fi
	say "done: vtapd stopped, namespaces, ports and pins removed"
	exit 0
fi

demo_need demo tcpdump python3 jq ip tc

# A previous `--keep` demo still up: take it down first. Other vtap-* state
# (a namespace test running?) is not ours to remove.
if demo_vtapd_alive || demo_vtapd_pid >/dev/null; then
	say "a previous demo (--keep) is still up: tearing it down first"
	demo_down
fi
left=$(leftovers)
if [ -n "$left" ]; then
	echo "demo: these are in the way:" $left >&2
	echo "demo: a namespace test may be running; otherwise remove them with: $0 --down" >&2
	exit 1
fi
mkdir -p "$VT_POL"

demo_traps "namespaces, ports, vtapd, pins"

section "1. namespaces: vm1 (10.77.0.1) and vm2 (10.77.0.2) on bridge vtap-br, monitor vtap-mon"
topo_up || die "cannot build the namespaces"
ip -br link show | grep "^${VT_PREFIX}-" | sed 's/^/  /'

section "2. vtapd with policies/demo.yaml"
cp policies/demo.yaml "$VT_POL/demo.yaml"
"$VTAPCTL" validate "$VT_POL/demo.yaml" || die "policies/demo.yaml does not validate"
# stdin/stdout away from the terminal too: with --keep it outlives this script
"$VTAPD" --policy-dir "$VT_POL" --pin-root "$VT_PIN" --socket "$VT_SOCK" \
	--log-level info </dev/null >>"$VT_RUN/vtapd.log" 2>&1 &
VTAPD_PID=$!
echo "$VTAPD_PID" >"$PIDFILE"
for i in $(seq 100); do
	demo_vtapd_alive && break
	kill -0 "$VTAPD_PID" 2>/dev/null || break
	sleep 0.05
done
if ! demo_vtapd_alive; then
	echo "demo: vtapd did not start; its log:" >&2
	sed 's/^/  /' "$VT_RUN/vtapd.log" >&2
	exit 1
fi
say "vtapd running (pid $VTAPD_PID), socket $VT_SOCK, pins under $VT_PIN"

section "3. traffic: 3 HTTP-like exchanges vm1 -> vm2:80, plus noise (ping, TCP to :8080, UDP to :80)"
capture_start vm2 "$VT_RUN/vm2.pcap" || die "tcpdump did not start in vm2"
capture_start mon "$VT_RUN/mon.pcap" || die "tcpdump did not start in the monitor"
nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
SRV_PIDS=$!
nsx vm2 timeout 10 python3 "$WEBPEER" sink 10.77.0.2 8080 &
SRV_PIDS="$SRV_PIDS $!"
sleep 0.3
traffic_ok=1
for i in 1 2 3; do
	if n=$(nsx vm1 python3 "$WEBPEER" get 10.77.0.2); then
		echo "  GET http://10.77.0.2/ from vm1: $n bytes back"
	else traffic_ok=0; fi
done
if out=$(nsx vm1 ping -c 3 -i 0.2 -q 10.77.0.2); then
	echo "$out" | grep -E 'packets' | sed 's/^/  ping 10.77.0.2 from vm1 (must not be copied): /'
else
	echo "  ping from vm1 to vm2 failed"; traffic_ok=0
fi
nsx vm1 python3 "$WEBPEER" noise 10.77.0.2 8080 &&
	echo "  TCP to 10.77.0.2:8080 and UDP to 10.77.0.2:80 from vm1 (must not be copied)" || traffic_ok=0
wait $SRV_PIDS 2>/dev/null
SRV_PIDS=
capture_stop

section "4. vtapctl status"
ctl status
section "5. vtapctl policies"
ctl policies
section "6. vtapctl stats"
ctl stats

section "7. what the monitor captured (tcpdump -r mon.pcap -nn, first 10 frames)"
tcpdump -r "$VT_RUN/mon.pcap" -nn -c 10 2>/dev/null |
	sed -E 's/, options \[[^]]*\]//; s/^/  /' | cut -c1-160

section "8. verdict"
tcpdump -r "$VT_RUN/vm2.pcap" -w "$VT_RUN/vm2-match.pcap" 'tcp port 80' 2>/dev/null
n_all=$(count "$VT_RUN/vm2.pcap")
n_vm2=$(count "$VT_RUN/vm2-match.pcap")
n_mon=$(count "$VT_RUN/mon.pcap")
n_noise=$(tcpdump -r "$VT_RUN/mon.pcap" -nn 'not (tcp port 80)' 2>/dev/null | wc -l)
copies=$(stat_of web copies 2>/dev/null || echo '?')
matched=$(stat_of web matched_pkts 2>/dev/null || echo '?')
echo "  vm2 captured $n_all frames in all, $n_vm2 of them TCP port 80 (the policy's match)"
echo "  the monitor captured $n_mon frames; $n_noise of them are not TCP port 80"
echo "  vtapctl stats web: matched $matched, copies $copies"
fail=
[ "$traffic_ok" = 1 ] || fail="${fail}  - some of the demo traffic failed (see section 3)\n"
[ "$n_vm2" -gt 0 ] || fail="${fail}  - vm2 saw no matching traffic\n"
[ "$n_noise" -eq 0 ] || fail="${fail}  - $n_noise non-matching frames reached the monitor\n"
[ "$copies" = "$n_mon" ] && [ "$matched" = "$n_mon" ] ||
	fail="${fail}  - vtapctl's counters (matched $matched, copies $copies) differ from the monitor's $n_mon frames\n"
# frame by frame (bytes, not timestamps): what one capture has and the other lacks
frames "$VT_RUN/vm2-match.pcap" >"$VT_RUN/vm2.frames"
frames "$VT_RUN/mon.pcap" >"$VT_RUN/mon.frames"
missing=$(comm -23 "$VT_RUN/vm2.frames" "$VT_RUN/mon.frames" | wc -l)
extra=$(comm -13 "$VT_RUN/vm2.frames" "$VT_RUN/mon.frames" | wc -l)
if same_frames "$VT_RUN/vm2-match.pcap" "$VT_RUN/mon.pcap" >/dev/null; then
	same=1
else
	same=0
	fail="${fail}  - frame by frame: $missing of vm2's matching frames never reached the monitor, $extra frames at the monitor are not among them\n"
fi
if [ -z "$fail" ]; then
	echo
	printf '%sPASS: monitor received %d copies, identical byte for byte to the %d matching frames vm2 received and sent%s\n' \
		"$G$B" "$n_mon" "$n_vm2" "$N"
	rc=0
else
	printf '%b' "$fail"
	echo "  vtapd's log, last lines:"
	tail -5 "$VT_RUN/vtapd.log" | sed 's/^/    /'
	echo
	if [ "$same" = 1 ]; then
		printf '%sFAIL: monitor received %d copies, identical to the %d matching frames vm2 received and sent, but see above%s\n' \
			"$R$B" "$n_mon" "$n_vm2" "$N"
	else
		printf '%sFAIL: monitor received %d copies, but vm2 received and sent %d matching frames: they differ (see above)%s\n' \
			"$R$B" "$n_mon" "$n_vm2" "$N"
	fi
	rc=1
fi
VERDICT_DONE=1

if [ "$MODE" = keep ]; then
	ctl_cmd="$OUT/vtapctl --socket $VT_SOCK"
	section "left running (--keep)"
	cat <<EOF
  vtapd (pid $VTAPD_PID) and the namespaces vtap-vm1, vtap-vm2, vtap-mon are up.
  Watch the copies arrive at the monitor:
    ip netns exec vtap-mon tcpdump -i eth0 -nn
  and make traffic from vm1 (in another terminal):
    ip netns exec vtap-vm1 ping 10.77.0.2             # not copied
    ip netns exec vtap-vm2 python3 -m http.server 80 --bind 10.77.0.2 &
    ip netns exec vtap-vm1 python3 -c 'import urllib.request as u; print(len(u.urlopen("http://10.77.0.2/").read()))'  # copied
  Ask vtapd:
    $ctl_cmd stats
    $ctl_cmd status
  Change the policy: edit $VT_POL/demo.yaml (vtapd reloads it)
  Pinned maps:  bpftool map dump pinned $VT_PIN/<map>   (ls $VT_PIN)
  The captures: $VT_RUN/mon.pcap, $VT_RUN/vm2.pcap; vtapd's log: $VT_RUN/vtapd.log
  Tear it all down:
    $0 --down
EOF
fi
exit "$rc"
