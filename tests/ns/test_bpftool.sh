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
		map_true "$m" 'type == "array" and length > 0 and all(.[]; has("formatted"))'
done

# The values: what bpftool shows is what vtapd says.
status=$(ctl status --json)
gen=$(json_of .active_generation <<<"$status")
mon_if=$(cat /sys/class/net/${VT_PREFIX}-mon/ifindex)
vm1_if=$(cat /sys/class/net/${VT_PREFIX}-vm1/ifindex)
pid=$(ctl_json '.[0].id' policies)
diag "active generation $gen, policy id $pid, mon ifindex $mon_if, vm1 ifindex $vm1_if"
# vtapd also re-applies (and so flips) when a port a policy names comes or goes,
# so read the map between two status reads that agree
cfg_gen_agrees() {
	local i a b m
	for i in 1 2 3 4 5; do
		a=$(status_of active_generation)
		m=$(map_active_gen)
		b=$(status_of active_generation)
		[ "$a" = "$b" ] || continue
		[ "$m" = "$a" ] && return 0
		diag "vtap_cfg.active_gen $m, vtapctl status says $a"
		return 1
	done
	diag "the generation kept changing"; return 1
}
check "vtap_cfg.active_gen == vtapctl status active_generation" cfg_gen_agrees
check "the active generation's first rule: policy_id of 'pings', sink = mon's ifindex, action mirror" \
	map_true vtap_rules '[.[].formatted | select(.key == $gen * 4096) | .value] | length == 1 and
		(.[0] | .policy_id == $pid and .sink_ifindex == $mon and .action == 0)' \
	--argjson gen "$gen" --argjson pid "$pid" --argjson mon "$mon_if"
check "vtap_ports: vm1's port, both directions, in the active generation (and no other port)" \
	map_true vtap_ports '[.[].formatted.key | select(.gen == $gen)] |
		map(.ifindex) == [$vm1, $vm1] and (map(.dir) | unique | length) == 2' \
	--argjson gen "$gen" --argjson vm1 "$vm1_if"
matched=$(stat_of pings matched_pkts); copies=$(stat_of pings copies)
check "vtap_stats[policy_id], summed over CPUs, == vtapctl stats (matched $matched, copies $copies)" \
	map_true vtap_stats '[.[].formatted | select(.key == $pid) | .values] | length == 1 and
		(([.[0][].value.matched_pkts] | total) as $m | ([.[0][].value.copies] | total) as $c |
		$m == $matched and $c == $copies and $m == 6)' \
	--argjson pid "$pid" --argjson matched "$matched" --argjson copies "$copies"
check "vtap_sinks has mon's ifindex with a delivered counter" \
	map_true vtap_sinks '[.[].formatted | select(.key == $mon)] | length > 0 and
		([.[0].values[].value.delivered] | total) == 6' --argjson mon "$mon_if"
tap_end
