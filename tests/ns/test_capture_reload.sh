#!/usr/bin/env bash
# Captures through the ring buffer across a reload that removes monitors
# while copies flow: three capture monitors a, b, c (TC tap: vm1's plain
# UDP frames reach them through the ring); a reload removes a and b while
# vm1 sends to c without a pause. Closing a capture reads its socket, and
# before that the ring (the order of a file's records): not while the
# reload changes the sinks, whose routes are stale until it ends
# (user/vtapd/ring.c, hold). Every copy of c is a record in c's file, none
# is counted unrouted, and a's and b's files hold their copies.
. "$(dirname "$0")/lib.sh"
SENDER=
cleanup() { [ -n "$SENDER" ] && kill "$SENDER" 2>/dev/null; topo_down; }
trap cleanup EXIT
topo_up
mkdir -p "$VT_RUN/rec"
VM1=${VT_PREFIX}-vm1

# put MONITORS...: the policy file with these of a, b, c (policy pX: vm1's
# UDP to port N of monitor X), in one rename (one reload)
put() {
	local m n=0
	{
		echo "monitors:"
		for m in "$@"; do
			echo "  - { name: $m, type: capture, port: ${VT_PREFIX}-c$m, file: $VT_RUN/rec/$m.pcapng }"
		done
		echo "policies:"
		for m in "$@"; do
			case $m in a) n=1 ;; b) n=2 ;; c) n=3 ;; esac
			echo "  - { name: p$m, source: { ports: [$VM1] }, direction: out, match: { protocol: udp, dst_ports: [$n] }, monitor: $m }"
		done
	} >"$VT_RUN/put.tmp"
	mv "$VT_RUN/put.tmp" "$VT_POL/10.yaml"
}
records() { tshark -r "$1" 2>/dev/null | wc -l; }
# until every copy of policy $1 is a record in $2
written() {
	local i
	for i in $(seq 60); do
		[ "$(records "$2")" -ge "$(stat_of "$1" copies)" ] && return 0
		sleep 0.1
	done
	return 1
}

put a b c
check "vtapd starts with three capture monitors (--attach tc)" vtapd_start --attach tc
for i in $(seq 60); do
	[ "$(ctl status --json | json_of '[.monitor_sinks[] | select(.state == "ok")] | length')" = 3 ] && break
	sleep 0.05
done
# vm1 sends to every port, then to c's alone for 3 s, ~4000 frames a second
nsx vm1 python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (1, 2):
    for i in range(50):
        s.sendto(b"x" * 100, ("10.77.0.2", p))
end = time.time() + 3
while time.time() < end:
    for i in range(20):
        s.sendto(b"c" * 100, ("10.77.0.2", 3))
    time.sleep(0.005)' &
SENDER=$!
sleep 1
ok0=$(status_of reloads_ok)
put c
check "the reload that removes a and b is applied while c's copies flow" \
	wait_status reloads_ok $((ok0 + 1))
wait "$SENDER"; SENDER=
check "every copy of c is a record in its file" written pc "$VT_RUN/rec/c.pcapng"
cc=$(stat_of pc copies); rc=$(records "$VT_RUN/rec/c.pcapng")
unrouted=$(ctl_json .ring.unrouted status)
ra=$(records "$VT_RUN/rec/a.pcapng"); rb=$(records "$VT_RUN/rec/b.pcapng")
diag "c: $cc copies, $rc records; a: $ra records, b: $rb records; ring unrouted $unrouted"
check "c's records == c's copies ($rc == $cc), more than 5000" test "$rc" -eq "$cc" -a "$cc" -gt 5000
check "no copy from the ring went unrouted" test "$unrouted" -eq 0
check "a's and b's files hold their 50 copies each, and nothing of c" test "$ra" -eq 50 -a "$rb" -eq 50
vtapd_stop
tap_end
