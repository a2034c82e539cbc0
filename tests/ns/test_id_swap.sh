#!/usr/bin/env bash
# A full policy set can be replaced whole (issue 19 item 5; docs/
# architecture.md, "Policy ids across a swap"). With 4096 policies loaded
# (VTAP_MAX_RULES) every counter id is held, so a swap to new names must
# take the ids of the policies it removes: vtapd flips to a bridge
# generation first. Checked here, each step a successful reload:
#   A: 4096 policies, "keep" among them (copies vm1's pings)
#   B: "keep" and 4095 new names      -> keep's counters survive and go on
#   C: 4096 entirely new names        -> the new ICMP policy starts at zero
#                                        (on the id keep had: zeroed)
#   D: one new name                   -> likewise
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

VM1=${VT_PREFIX}-vm1
# write_set FILE ICMP_NAME PREFIX N: the ICMP policy (priority 1) and N
# tcp policies PREFIX0.. that match nothing the test sends
write_set() {
	python3 - "$1" "$2" "$3" "$4" "$VM1" "${VT_PREFIX}-mon" <<'PY'
import sys
path, icmp, prefix, n, vm, mon = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
with open(path, "w") as f:
    f.write("monitors:\n  - { name: mon, type: local, port: %s }\npolicies:\n" % mon)
    f.write("  - { name: %s, priority: 1, source: { ports: [%s] }, direction: out, "
            "match: { protocol: icmp }, monitor: mon }\n" % (icmp, vm))
    for i in range(n):
        f.write("  - { name: %s%d, priority: %d, source: { ports: [%s] }, "
                "match: { protocol: tcp, dst_ports: [%d] }, monitor: mon }\n"
                % (prefix, i, 100 + i, vm, 20000 + i))
PY
}
# swap_to ICMP_NAME PREFIX N: the set replaces the running one (renamed
# in, so vtapd never reads half a file), then an explicit reload
swap_to() {
	write_set "$VT_RUN/set.tmp" "$@"
	mv "$VT_RUN/set.tmp" "$VT_POL/set.yaml"
	ctl reload
}
n_policies() { ctl_json length policies; }
ping3() { nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null; }

write_set "$VT_POL/set.yaml" keep a 4095
check "vtapd starts with 4096 policies" vtapd_start
check "4096 policies in effect" test "$(n_policies)" -eq 4096
ping3
check "keep copies vm1's pings (3)" test "$(stat_of keep copies)" -eq 3

out=$(swap_to keep b 4095 2>&1); rc=$?
diag "reload to keep + 4095 new names: rc $rc $out"
check "B: keep and 4095 new names: the reload succeeds" test $rc -eq 0
n=$(n_policies)
check "B: 4096 policies in effect" test "$n" -eq 4096
check "B: no error kept" json_true '.last_error == ""' < <(ctl status --json)
check "B: the swap went through the bridge generation" \
	grep -q "bridge generation in effect" "$VT_RUN/vtapd.log"
check "B: keep's counters survived the swap (3)" test "$(stat_of keep copies)" -eq 3
ping3
check "B: and keep goes on counting (6)" test "$(stat_of keep copies)" -eq 6
check "B: a new policy's counters start at zero" test "$(stat_of b7 matched_pkts)" -eq 0

out=$(swap_to c-icmp c 4095 2>&1); rc=$?
diag "reload to 4096 entirely new names: rc $rc $out"
check "C: 4096 entirely new names: the reload succeeds" test $rc -eq 0
n=$(n_policies)
check "C: 4096 policies in effect" test "$n" -eq 4096
out=$(ctl stats keep 2>&1)
check "C: keep is gone" grep -q "no policy named keep" <<<"$out"
ping3
check "C: c-icmp counts from zero on a reused id (3 copies)" \
	test "$(stat_of c-icmp copies)" -eq 3 -a "$(stat_of c-icmp matched_pkts)" -eq 3

out=$(swap_to d-icmp d 0 2>&1); rc=$?
diag "reload to one new name: rc $rc $out"
check "D: one new name: the reload succeeds" test $rc -eq 0
check "D: 1 policy in effect" test "$(n_policies)" -eq 1
ping3
check "D: d-icmp counts from zero (3 copies)" test "$(stat_of d-icmp copies)" -eq 3
check "D: the monitor's sink delivered every copy of the four rounds (12)" \
	test "$(sink_stat delivered)" -eq 12
tap_end
