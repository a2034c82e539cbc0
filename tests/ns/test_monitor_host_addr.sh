#!/usr/bin/env bash
# Issue 19 item 1: a monitor port that carries the host's own traffic is
# refused. hm is a veth with an address (10.78.0.1/24) through which the
# host pings the namespace at its other end, named by mistake as monitor
# "bad"; monitor "good" is a clean port. vtapd refuses hm, naming it and
# the reason in its log and in vtapctl status (text and JSON), puts no sink
# program on it (the host's pings through it keep working: the sink would
# drop them as foreign), counts the copies of bad's policy as copy_fail,
# and applies everything else: the policy to "good" copies as usual.
: "${VT_PREFIX:=vtmh}"
. "$(dirname "$0")/lib.sh"
HM=${VT_PREFIX}-hm
cleanup() { topo_down; }
trap cleanup EXIT
topo_up

# the host's own link: an address on the host side, a namespace at the other end
host_link hm

cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: bad, type: local, port: $HM }
  - { name: good, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: to-bad
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: bad
  - name: to-good
    source: { ports: [${VT_PREFIX}-vm2] }
    direction: out
    match: { protocol: icmp }
    monitor: good
YAML

check "vtapd starts" vtapd_start
why="it has the address 10.78.0.1/24"
check "log: monitor bad's port $HM is refused, with the reason" \
	grep -qF "monitor bad: refusing port $HM: it carries the host's own traffic ($why)" \
	"$VT_RUN/vtapd.log"
st=$(ctl status --json)
check "status --json: refused_monitors names bad, its port and the reason" \
	json_true '[.refused_monitors[] | select(.monitor == "bad" and .port == $p and
		(.reason | contains($w)))] | length == 1' --arg p "$HM" --arg w "$why" <<<"$st"
check "status --json: the good monitor is not refused" \
	json_true '[.refused_monitors[] | select(.monitor == "good")] | length == 0' <<<"$st"
txt=$(ctl status)
grep '^refused:' <<<"$txt" | sed 's/^/# /'
check "status (text): a 'refused:' line names monitor bad and port $HM" \
	grep -q "^refused: *monitor bad: port $HM carries the host's own traffic ($why)" <<<"$txt"
check "no sink program on $HM" eval "! sink_on $HM"
check "the sink program is on the good monitor's port" \
	sink_on ${VT_PREFIX}-mon

out=$(ping -c 5 -i 0.1 -W 1 10.78.0.2 2>&1)
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
diag "host pings through $HM: ${rx:-?} of 5 answered"
check "the host's pings through $HM keep working: 5 of 5 answered" test "${rx:-0}" -eq 5

# vm1's 5 requests go to bad (vm2's 5 replies to good); then vm2's 4
# requests to good (vm1's 4 replies to bad)
nsx vm1 ping -c 5 -i 0.1 -q 10.77.0.2 >/dev/null
g0=$(stat_of to-good copies)
capture_start mon "$VT_RUN/good.pcap" icmp
nsx vm2 ping -c 4 -i 0.1 -q 10.77.0.1 >/dev/null
capture_stop
read -r m f c < <(ctl stats to-bad --json |
	json_of '.policies[0] | "\(.matched_pkts) \(.copy_fail) \(.copies)"')
diag "to-bad: matched $m, copy_fail $f, copies $c"
check "to-bad: its 9 matched frames' copies are all counted as copy_fail, none sent" \
	test "$m" -eq 9 -a "$f" -eq 9 -a "$c" -eq 0
read -r gm gc gf < <(ctl stats to-good --json |
	json_of '.policies[0] | "\(.matched_pkts) \(.copies) \(.copy_fail)"')
n=$(count "$VT_RUN/good.pcap")
diag "to-good: matched $gm, copies $gc (copy_fail $gf); the good monitor captured $n of the last 4"
check "to-good still copies: 9 matched, 9 copies, the last 4 at the good monitor" \
	test "$gm" -eq 9 -a "$gc" -eq 9 -a "$gf" -eq 0 -a "$((gc - g0))" -eq 4 -a "$n" -eq 4

tap_end
