#!/usr/bin/env bash
# A change over a datapath limit is refused whole (docs/limits.md): 4096
# policies whose distinct port ranges need more rule bitmaps than a
# generation holds parse fine, fail to compile, and the running set keeps
# copying, untouched.
: "${VT_PREFIX:=vtlm}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

cat >"$VT_POL/10-run.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: icmp
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd starts" vtapd_start
gen0=$(status_of active_generation)
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
c0=$(stat_of icmp copies)
check "copies before the change" test "$c0" -eq 3

# 4095 more policies whose values give three families of distinct rule sets
# (source port ranges nested one way, destination port ranges the other,
# one /24 each): about 12300 distinct rule bitmaps, more than the 8192 a
# generation holds
python3 - "$VT_RUN/20-big.yaml" "${VT_PREFIX}-vm1" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("policies:\n")
    for i in range(4095):
        f.write("  - {name: p%d, priority: %d, source: {ports: [%s]}, "
                "destination: {cidr: 10.%d.%d.0/24}, "
                "match: {protocol: tcp, src_ports: [\"10000-%d\"], dst_ports: [\"%d-30000\"]}, "
                "monitor: mon}\n"
                % (i, 2000 + i, sys.argv[2], 100 + i // 256, i % 256, 10000 + i, 20000 + i))
PY
check "the big set is valid policy (vtapctl validate)" \
	"$VTAPCTL" validate "$VT_POL/10-run.yaml" "$VT_RUN/20-big.yaml"
failed0=$(status_of reloads_failed)
cp "$VT_RUN/20-big.yaml" "$VT_POL/20-big.yaml"
out=$(ctl reload 2>&1); rc=$?
diag "vtapctl reload: $out"
check "vtapctl reload is refused" test $rc -ne 0
check "... naming the limit" grep -q "distinct rule bitmaps" <<<"$out"
st=$(ctl status --json)
check "status: one more rejected reload, the error kept" \
	json_true '.reloads_failed >= $failed0 + 1 and (.last_error | contains("distinct rule bitmaps"))' \
	--argjson failed0 "$failed0" <<<"$st"
check "the active generation did not change" test "$(json_of .active_generation <<<"$st")" -eq "$gen0"
check "the running set is the old one (1 policy)" test "$(ctl_json length policies)" -eq 1
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
c1=$(stat_of icmp copies); diag "copies: $c0 before, $c1 after"
check "and it keeps copying" test "$c1" -eq $((c0 + 3))
rm -f "$VT_POL/20-big.yaml"
check "with the file gone the reload succeeds" ctl reload
tap_end
