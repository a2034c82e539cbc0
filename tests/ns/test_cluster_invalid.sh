#!/usr/bin/env bash
# Cluster mode (§6.4): an invalid document written behind vtapctl's back,
# with etcdctl. Every node rejects it, keeps copying with its last good
# set, and says why: `cluster status` and each node's own status name the
# key, line and column (etcd:/vtap/policies/bad.yaml:LINE:COLUMN, the
# position `vtapctl validate` gives for the same text in a file); `cluster
# wait` fails naming the nodes. Deleting the document heals it.
source "$(dirname "$0")/cluster-test.sh"

cl_setup 1
good=$(cl_ctl n2 status --json | json_of .cluster.digest)

# a port out of range: what validate says of the same text
cl_doc "$VT_RUN/bad.yaml" extra 70000
want=$("$VTAPCTL" validate "$VT_RUN/bad.yaml" 2>&1 | head -1 | sed "s|^$VT_RUN/bad.yaml|etcd:/vtap/policies/bad.yaml|")
diag "validate says of the text: $want"
check "validate finds a LINE:COLUMN error in it" grep -q '^etcd:/vtap/policies/bad.yaml:4:[0-9]*: ' <<<"$want"
put_bad() { ectl put /vtap/policies/bad.yaml "$(cat "$VT_RUN/bad.yaml")" >/dev/null; }
check "etcdctl writes it under /vtap/policies/ (no vtapctl involved)" put_bad
rejected_all() {
	[ "$(cctl status --json | json_of '[.nodes[] | select(.state == "rejected" and .last_error == $w)] | length' --arg w "$want")" = 3 ]
}
check "every node rejects it with that error (cluster status --json)" cl_wait_for 15 rejected_all
st=$(cctl status)
diag "cluster status:"
sed 's/^/#   /' <<<"$st"
check "cluster status (text) shows the key, line and column for each node" \
	test "$(grep -c -F "$want" <<<"$st")" = 3
check "each node's own status shows it too, and it still runs the set it had (same digest)" \
	json_true ".cluster.errors[0] == \$w and .cluster.digest == \"$good\" and .policies == 2" \
	--arg w "$want" <<<"$(cl_ctl n2 status --json)"
check "vtapctl status (text) on n1 says the store's set was rejected" \
	grep -q "REJECTED here: $want" <<<"$(cl_ctl n1 status)"
out=$(cctl wait --timeout 2 2>&1); rc=$?
diag "cluster wait: $out"
check "cluster wait fails, naming the nodes and the error" \
	test "$rc" != 0 -a -n "$(grep n1 <<<"$out" | grep n2 | grep nm | grep -F "$want")"

# copying goes on with the last good set
capture_start b1 "$VT_RUN/b1.pcap" udp port 5000
capture_start b2 "$VT_RUN/b2.pcap" udp port 5000
capture_start mon "$VT_RUN/mon.pcap" udp port 5000
cl_stream 1 2 100 &
S1=$!
cl_stream 2 2 100
wait "$S1"
capture_stop
diag "b1 $(count "$VT_RUN/b1.pcap"), b2 $(count "$VT_RUN/b2.pcap"), monitor $(count "$VT_RUN/mon.pcap")"
check "every node keeps copying: the monitor has every datagram of both, byte for byte" \
	test "$(count "$VT_RUN/b1.pcap")" = 200 -a "$(count "$VT_RUN/b2.pcap")" = 200 -a \
	"$(frames_all "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")"

# vtapctl refuses to build on a broken store, naming the key
cl_doc "$VT_RUN/more.yaml" more 8443
out=$(cctl apply "$VT_RUN/more.yaml" 2>&1); rc=$?
check "cluster apply over the broken document is refused, naming it" \
	test "$rc" != 0 -a -n "$(grep -F "$want" <<<"$out")"
del_bad() { cctl delete bad >/dev/null; }
check "cluster delete removes it" del_bad
check "every node converges again" cl_wait 20
# a node's status put follows its apply: the one with the error gone may come
# a moment after the revision (an instrumented build on a busy host)
cleared() {
	local i
	for i in $(seq 50); do
		cctl status --json | json_true '[.nodes[] | select(.last_error != "")] | length == 0' >/dev/null && return 0
		sleep 0.2
	done
	cctl status | sed 's/^/# /'
	return 1
}
check "and no node reports an error any more" cleared
tap_end
