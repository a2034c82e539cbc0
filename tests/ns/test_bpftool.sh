#!/usr/bin/env bash
# Contract §3: the pinned maps carry BTF, so `bpftool map dump pinned
# $PIN/<map>` shows named fields, and bpftool's JSON parses. The values it
# shows must also be the ones vtapd reports: the active generation, the
# policy's rule (its counter slot and its sink), the policy's counters.
: "${VT_PREFIX:=vtbt}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

cat >"$VT_POL/bpftool.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: pings
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd starts with the policy" vtapd_start
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null

# dump MAP: bpftool's plain dump of a pinned map
dump() { bpftool map dump pinned "$VT_PIN/$1" 2>&1; }
# jdump MAP: the same in JSON
jdump() { bpftool -j map dump pinned "$VT_PIN/$1" 2>/dev/null; }

for m in vtap_cfg vtap_rules vtap_stats vtap_ports vtap_sinks vtap_fcache; do
	check "$m is pinned and has BTF (btf_id in bpftool map show)" \
		bash -c "bpftool map show pinned '$VT_PIN/$m' | grep -q 'btf_id [1-9]'"
done
# has_fields MAP FIELD...: the plain dump names every FIELD
has_fields() {
	local d f; d=$(dump "$1" | head -60); shift
	for f in "$@"; do
		grep -q "\"$f\":" <<<"$d" || { diag "no field $f in: $(head -c 200 <<<"$d")"; return 1; }
	done
}
check "vtap_cfg dump shows the field active_gen" has_fields vtap_cfg active_gen
check "vtap_rules dump shows policy_id, action, sink_ifindex" has_fields vtap_rules policy_id action sink_ifindex
check "vtap_stats dump shows matched_pkts, copies, copy_fail" has_fields vtap_stats matched_pkts copies copy_fail
check "vtap_ports dump shows the key fields ifindex, dir, gen" has_fields vtap_ports ifindex dir gen
check "vtap_sinks dump shows delivered" has_fields vtap_sinks delivered
check "vtap_fcache (the flow cache) dump shows epoch, ifindex, rank" has_fields vtap_fcache epoch ifindex rank

for m in vtap_cfg vtap_rules vtap_stats vtap_ports vtap_sinks vtap_gens; do
	check "bpftool -j map dump $m parses as JSON with formatted (BTF) entries" \
		bash -c "bpftool -j map dump pinned '$VT_PIN/$m' | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and d, \"empty dump\"
assert all(\"formatted\" in e for e in d), \"no formatted field\"'"
done

# The values: what bpftool shows is what vtapd says.
status=$(ctl status --json)
gen=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["active_generation"])' "$status")
mon_if=$(cat /sys/class/net/${VT_PREFIX}-mon/ifindex)
vm1_if=$(cat /sys/class/net/${VT_PREFIX}-vm1/ifindex)
pid=$(ctl policies --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
diag "active generation $gen, policy id $pid, mon ifindex $mon_if, vm1 ifindex $vm1_if"
# vtapd also re-applies (and so flips) when a port a policy names comes or goes,
# so read the map between two status reads that agree
cfg_gen_agrees() {
	local i a b m
	for i in 1 2 3 4 5; do
		a=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["active_generation"])')
		m=$(jdump vtap_cfg | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["formatted"]["value"]["active_gen"] % 2)')
		b=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["active_generation"])')
		[ "$a" = "$b" ] || continue
		[ "$m" = "$a" ] && return 0
		diag "vtap_cfg.active_gen $m, vtapctl status says $a"
		return 1
	done
	diag "the generation kept changing"; return 1
}
check "vtap_cfg.active_gen == vtapctl status active_generation" cfg_gen_agrees
check "the active generation's first rule: policy_id of 'pings', sink = mon's ifindex, action mirror" \
	python3 -c '
import json, sys
gen, pid, mon = map(int, sys.argv[1:4])
rules = {e["formatted"]["key"]: e["formatted"]["value"] for e in json.load(sys.stdin)}
r = rules[gen * 4096]
assert r["policy_id"] == pid and r["sink_ifindex"] == mon and r["action"] == 0, r' "$gen" "$pid" "$mon_if" < <(jdump vtap_rules)
check "vtap_ports: vm1's port, both directions, in the active generation (and no other port)" \
	python3 -c '
import json, sys
gen, vm1 = map(int, sys.argv[1:3])
keys = [e["formatted"]["key"] for e in json.load(sys.stdin)]
act = sorted((k["ifindex"], k["dir"]) for k in keys if k["gen"] == gen)
assert [i for i, _ in act] == [vm1, vm1] and len({d for _, d in act}) == 2, act' "$gen" "$vm1_if" < <(jdump vtap_ports)
matched=$(stat_of pings matched_pkts); copies=$(stat_of pings copies)
check "vtap_stats[policy_id], summed over CPUs, == vtapctl stats (matched $matched, copies $copies)" \
	python3 -c '
import json, sys
pid, matched, copies = map(int, sys.argv[1:4])
for e in json.load(sys.stdin):
    f = e["formatted"]
    if f["key"] == pid:
        m = sum(v["value"]["matched_pkts"] for v in f["values"])
        c = sum(v["value"]["copies"] for v in f["values"])
        assert (m, c) == (matched, copies) and m == 6, (m, c)
        break
else:
    raise SystemExit("no entry")' "$pid" "$matched" "$copies" < <(jdump vtap_stats)
check "vtap_sinks has mon's ifindex with a delivered counter" \
	python3 -c '
import json, sys
mon = int(sys.argv[1])
e = [e["formatted"] for e in json.load(sys.stdin) if e["formatted"]["key"] == mon]
assert e and sum(v["value"]["delivered"] for v in e[0]["values"]) == 6, e' "$mon_if" < <(jdump vtap_sinks)
tap_end
