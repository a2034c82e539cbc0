#!/usr/bin/env bash
# Cluster mode (§6.4), one apply taps every node: a private etcd, nodes n1
# and n2 (each its own VMs and vtapd), the monitor on nm reached by the
# vxlan monitor type (tests/ns/cluster-lib.sh). `vtapctl cluster apply`
# refuses a bad file (FILE:LINE:COLUMN) and a name the store already has
# (both places named) writing nothing, writes several files at one
# revision, and every node converges; the monitor's frames equal, byte for
# byte, the matching frames of both nodes' receivers, and `cluster stats`
# sums equal the monitor's count; get, delete, status.
source "$(dirname "$0")/cluster-test.sh"

check "a one-member etcd and three node namespaces" cluster_up 1
for n in $CL_NODES; do check "vtapd on $n starts in cluster mode (empty store)" cl_start "$n"; done
all_live() { [ "$(cctl status --json | json_of '[.nodes[] | select(.source == "live")] | length')" = 3 ]; }
check "every node publishes its status, source live" cl_wait_for 10 all_live

# a file with an error: its place, nothing written
cat >"$VT_RUN/bad.yaml" <<'YAML'
policies:
  - name: broken
    direction: sideways
    monitor: far
YAML
out=$(cctl apply "$VT_RUN/bad.yaml" 2>&1); rc=$?
diag "apply bad.yaml: $(head -2 <<<"$out" | tr '\n' ' ')"
check "apply of a bad file fails with FILE:LINE:COLUMN and writes nothing" \
	test "$rc" -ne 0 -a -n "$(grep -F "$VT_RUN/bad.yaml:3:16:" <<<"$out")" \
	-a "$(ectl get /vtap/ --prefix --keys-only | grep -c policies)" = 0

# two files, one transaction
out=$(cctl apply "$CL_DOCS/tap.yaml" "$CL_DOCS/stream.yaml"); rc=$?
rev=$(awk '$1 == "revision" { print $2 }' <<<"$out")
revs=$(ectl get /vtap/policies/ --prefix -w json | jq -r '[.kvs[].mod_revision] | unique | join(",")')
diag "apply tap.yaml stream.yaml: revision $rev; the keys' mod revisions: $revs"
check "apply of two files writes both at the one revision it prints" \
	test "$rc" = 0 -a -n "$rev" -a "$revs" = "$rev"
check "get prints the stored document byte for byte" \
	cmp -s <(cctl get tap) "$CL_DOCS/tap.yaml"
check "apply --node nm writes the node's own key" cl_apply "$CL_DOCS/recv.yaml" --node nm
check "the key is PREFIX/nodes/nm/policies/recv.yaml" \
	test "$(ectl get /vtap/nodes/ --prefix --keys-only | grep -v '^$')" = /vtap/nodes/nm/policies/recv.yaml

# a name another document has: refused naming both places
cat >"$VT_RUN/dup.yaml" <<'YAML'
policies:
  - name: web
    source: { ports: [b1p] }
    monitor: far
YAML
out=$(cctl apply "$VT_RUN/dup.yaml" 2>&1); rc=$?
diag "apply dup.yaml: $(head -1 <<<"$out")"
check "a policy name the store has already is refused, naming etcd:/vtap/policies/tap.yaml and the file" \
	test "$rc" -ne 0 -a -n "$(grep 'etcd:/vtap/policies/tap.yaml:[0-9]*:[0-9]*' <<<"$out" | grep -F dup.yaml)" \
	-a -z "$(ectl get /vtap/policies/dup.yaml --keys-only)"

t0=$(date +%s%N)
check "cluster wait: every live node applied the latest revision" cctl wait --timeout 20
diag "converged $((($(date +%s%N) - t0) / 1000000)) ms after the last apply"
st=$(cctl status --json)
diag "status: $(jq -c '[.nodes[] | {node, state, revision, policies, ports}]' <<<"$st")"
check "cluster status: three nodes alive and converged; n1 and n2 tap their a*p port, nm none" \
	json_true '([.nodes[] | select(.alive and .state == "converged")] | length) == 3 and
		([.nodes[] | select(.node == "n1")][0].ports == ["a1p"]) and
		([.nodes[] | select(.node == "n2")][0].ports == ["a2p"]) and
		([.nodes[] | select(.node == "nm")][0].ports == [])' <<<"$st"
local_status() {
	cl_ctl n1 status | grep -q '^store:       connected' &&
		cl_ctl n1 status --json | json_true '.cluster.connected and .cluster.source == "live" and .cluster.revision >= '"$rev"
}
check "vtapctl status (n1) shows the store: connected, the revision applied, live" local_status

# traffic on both nodes; the monitor on nm gets the copies
capture_start b1 "$VT_RUN/b1.pcap" tcp port 80
capture_start b2 "$VT_RUN/b2.pcap" tcp port 80
capture_start mon "$VT_RUN/mon.pcap"
cl_web 1 3
cl_web 2 3
capture_stop
n_b1=$(count "$VT_RUN/b1.pcap"); n_b2=$(count "$VT_RUN/b2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
diag "b1 saw $n_b1 port-80 frames, b2 $n_b2; the monitor on nm $n_mon"
check "both nodes' receivers saw the traffic" test "$n_b1" -gt 10 -a "$n_b2" -gt 10
check "the monitor's frames equal the matching frames of both nodes, byte for byte" \
	test "$(frames_all "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")"
check "no capture lost a frame" captures_complete "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap" "$VT_RUN/mon.pcap"
# the nodes republish their counters within CL_STATUS_EVERY (5 s)
stats_ok() {
	local j
	j=$(cctl stats web --json) || return 1
	[ "$(json_of '.policies[0].copies' <<<"$j")" = "$n_mon" ] &&
		[ "$(json_of '.policies[0].matched_pkts' <<<"$j")" = "$n_mon" ]
}
check "cluster stats: the copies and matches summed over the nodes equal the monitor's frames" \
	cl_wait_for 12 stats_ok
diag "cluster stats web: $(cctl stats web | tr -s ' \n' ' ')"
check "cluster stats --json: per node, n1's and n2's copies add up to the sum" \
	json_true '([.nodes[] | .policies[] | select(.name == "web") | .copies] | add) == .policies[0].copies
		and ([.nodes[] | select(.node == "n1") | .policies[0].copies][0]) == '"$n_b1" <<<"$(cctl stats web --json)"

# delete: one revision, every node drops the policy
deleted() { cctl delete stream | grep -q '^deleted /vtap/policies/stream.yaml'; }
check "cluster delete stream" deleted
check "deleting a document that is not there fails" test "$(cctl delete stream 2>&1 >/dev/null; echo $?)" != 0
check "after the delete every node converges on one policy" cctl wait --timeout 20
check "n1 runs web only" test "$(cl_ctl n1 policies --json | jq -r '[.[].name] | join(",")')" = web
tap_end
