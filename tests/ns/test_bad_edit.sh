#!/usr/bin/env bash
# A bad edit of a policy file while copies flow: vtapd logs every error as
# FILE:LINE:COLUMN: message, counts the rejected reload, keeps the running
# policy set (copies keep flowing), and `vtapctl validate` / `vtapctl reload`
# report the same errors with a non-zero exit. Fixing the file makes the new
# policy take effect.
: "${VT_PREFIX:=vtbe}"
. "$(dirname "$0")/lib.sh"
PING=
cleanup() { [ -n "$PING" ] && kill "$PING" 2>/dev/null; topo_down; }
trap cleanup EXIT
topo_up

VM1=${VT_PREFIX}-vm1
WEB=$VT_POL/20-web.yaml
cat >"$VT_POL/10-mon.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
YAML
cat >"$WEB" <<YAML
policies:
  - name: web
    source: { ports: [$VM1] }
    direction: both
    match: { protocol: icmp }
    monitor: mon
YAML
# put FILE: write it beside the policy directory, then rename it in, so
# vtapd sees one change (one reload)
put() { cat >"$VT_RUN/put.tmp"; mv "$VT_RUN/put.tmp" "$1"; }
# grows POLICY: its copies counter increases within 2 s
grows() {
	local a b i
	a=$(stat_of "$1" copies)
	for i in $(seq 40); do
		sleep 0.05
		b=$(stat_of "$1" copies)
		[ "$b" -gt "$a" ] && return 0
	done
	diag "copies of $1 stayed at $a"; return 1
}

check "vtapd starts with the good policy" vtapd_start
# steady traffic that the good policy copies: 20 pings a second
nsx vm1 ping -i 0.05 -q 10.77.0.2 >/dev/null 2>&1 &
PING=$!
check "copies flow under the good policy" grows web
ok0=$(status_of reloads_ok); fail0=$(status_of reloads_failed)
diag "reloads before the bad edit: ok $ok0, failed $fail0"

# --- the bad edit: a CIDR with host bits set at 5:13, an unknown key at 6:5 ---
put "$WEB" <<YAML
policies:
  - name: web
    source: { ports: [$VM1] }
    destination:
      cidr: 10.77.0.1/24
    colour: red
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd rejects the edit: reloads_failed + 1" wait_status reloads_failed $((fail0 + 1))
check "... and reloads_ok unchanged" test "$(status_of reloads_ok)" -eq "$ok0"
check "log: FILE:5:13: the CIDR's error, at its line and column" \
	grep -qF "$WEB:5:13: destination.cidr: host bits set in 10.77.0.1/24" "$VT_RUN/vtapd.log"
check "log: FILE:6:5: the unknown key, at its line and column" \
	grep -qF "$WEB:6:5: unknown key 'colour'" "$VT_RUN/vtapd.log"
check "log: says the running policy set is unchanged" \
	grep -q "reload rejected; the running policy set is unchanged" "$VT_RUN/vtapd.log"
last=$(status_of last_error)
diag "last_error: $last"
check "status last_error is one of the file's errors, FILE:LINE:COLUMN: message" \
	bash -c '[[ "$1" == "$2:6:5: unknown key"* || "$1" == "$2:5:13: destination.cidr"* ]]' _ "$last" "$WEB"
check "the policies in effect are still the old ones (web, icmp)" \
	test "$(ctl_json '[.[].name] | join(",")' policies)" = web
check "copies keep flowing under the old policy (counter grows)" grows web
capture_start mon "$VT_RUN/mon1.pcap" --immediate-mode
sleep 0.5
capture_stop
n1=$(tcpdump -r "$VT_RUN/mon1.pcap" -nn icmp 2>/dev/null | wc -l)
diag "monitor got $n1 ICMP copies in 0.5 s after the bad edit"
check "the monitor still receives copies of the pings" test "$n1" -ge 5

# --- vtapctl on the bad file ---
out=$("$VTAPCTL" validate "$VT_POL/10-mon.yaml" "$WEB" 2>&1); rc=$?
sed 's/^/# /' <<<"$out"
check "vtapctl validate exits non-zero" test "$rc" -ne 0
check "vtapctl validate prints FILE:5:13: for the CIDR" grep -qF "$WEB:5:13: destination.cidr: host bits set" <<<"$out"
check "vtapctl validate prints FILE:6:5: for the unknown key" grep -qF "$WEB:6:5: unknown key 'colour'" <<<"$out"
check "vtapctl validate prints exactly these two errors" test "$(grep -c "^$WEB:[0-9]*:[0-9]*: " <<<"$out")" -eq 2
out=$(ctl reload 2>&1); rc=$?
sed 's/^/# /' <<<"$out"
check "vtapctl reload exits non-zero" test "$rc" -ne 0
check "vtapctl reload prints the errors, FILE:LINE:COLUMN" \
	bash -c 'grep -qF "$1:5:13: destination.cidr" <<<"$2" && grep -qF "$1:6:5: unknown key" <<<"$2"' _ "$WEB" "$out"
check "reloads_failed + 2 after vtapctl reload" test "$(status_of reloads_failed)" -eq $((fail0 + 2))
check "copies still flow under the old policy" grows web

# --- the fix: a different policy (UDP to 9999, not ICMP) ---
put "$WEB" <<YAML
policies:
  - name: fixed
    source: { ports: [$VM1] }
    direction: out
    match: { protocol: udp, dst_ports: [9999] }
    monitor: mon
YAML
check "the fixed file is accepted: reloads_ok + 1" wait_status reloads_ok $((ok0 + 1))
check "last_error is cleared" test -z "$(status_of last_error)"
check "the policy in effect is the fixed one" \
	test "$(ctl_json '[.[].name] | join(",")' policies)" = fixed
check "the old policy is gone (vtapctl stats web fails)" bash -c "! '$VTAPCTL' --socket '$VT_SOCK' stats web >/dev/null 2>&1"
capture_start mon "$VT_RUN/mon2.pcap" --immediate-mode
nsx vm1 python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    u.sendto(b"x%d" % i, ("10.77.0.2", 9999)); time.sleep(0.02)'
sleep 0.3
capture_stop
n_udp=$(tcpdump -r "$VT_RUN/mon2.pcap" -nn 'udp dst port 9999' 2>/dev/null | wc -l)
n_icmp=$(tcpdump -r "$VT_RUN/mon2.pcap" -nn icmp 2>/dev/null | wc -l)
diag "after the fix the monitor got $n_udp UDP/9999 and $n_icmp ICMP frames"
check "the new policy copies: 5 UDP datagrams to 9999 reach the monitor" test "$n_udp" -eq 5
check "the old policy no longer copies: no ICMP at the monitor" test "$n_icmp" -eq 0
check "counters of the fixed policy: copies == 5" test "$(stat_of fixed copies)" -eq 5
tap_end
