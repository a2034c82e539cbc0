#!/usr/bin/env bash
# Cluster mode (§6.4): the whole store goes down. A three-member etcd, nodes
# n1, n2 and the monitor host nm (tests/ns/cluster-lib.sh). With every
# member killed, copying goes on; n1's vtapd, restarted while the store is
# away, applies the set it persisted (and says so in its log and status)
# and copies; the members come back, the nodes reconnect, and the next edit
# converges on every node, n1 back on the live set.
source "$(dirname "$0")/cluster-test.sh"

cl_setup 3
applied=$(cl_ctl n1 status --json | json_of .cluster.revision)
check "n1 persisted the set it applied (revision $applied) in its state dir" \
	json_true ".revision == $applied and (.policies | length) == 2" <"$VT_RUN/state-n1/cluster-n1.json"

# stream copies: counted and compared per phase
phase() { # NAME SECONDS: a stream on both nodes; the monitor has every datagram
	local name=$1 secs=$2 want
	capture_start b1 "$VT_RUN/$name-b1.pcap" udp port 5000
	capture_start b2 "$VT_RUN/$name-b2.pcap" udp port 5000
	capture_start mon "$VT_RUN/$name-mon.pcap" udp port 5000
	cl_stream 1 "$secs" 100 &
	local s1=$!
	cl_stream 2 "$secs" 100
	wait "$s1"
	capture_stop
	want=$((secs * 100))
	diag "$name: b1 $(count "$VT_RUN/$name-b1.pcap"), b2 $(count "$VT_RUN/$name-b2.pcap"), monitor $(count "$VT_RUN/$name-mon.pcap") (sent $want per node)"
	[ "$(count "$VT_RUN/$name-b1.pcap")" = "$want" ] && [ "$(count "$VT_RUN/$name-b2.pcap")" = "$want" ] &&
		[ "$(frames_all "$VT_RUN/$name-b1.pcap" "$VT_RUN/$name-b2.pcap")" = "$(frames_all "$VT_RUN/$name-mon.pcap")" ]
}

for i in 1 2 3; do etcd_kill "$i"; done
disconnected() { cl_ctl n1 status --json | json_true '.cluster.connected == false'; }
check "every member killed: n1's vtapd says it is not connected" cl_wait_for 20 disconnected
diag "n1: $(cl_ctl n1 status | grep -E '^(store|cluster)' | tr '\n' ' ')"
check "with the store down, both nodes copy every datagram to the monitor" phase down 3

# n1's vtapd restarted while the store is away: the persisted set, at
# the revision it last applied (the same set may have been applied again
# at a later revision since the setup: a watch that restarted reads the
# store anew)
applied=$(json_of .revision <"$VT_RUN/state-n1/cluster-n1.json")
cl_stop n1
t0=$(date +%s%N)
check "n1's vtapd starts again with the store down" cl_start n1
diag "n1 started in $((($(date +%s%N) - t0) / 1000000)) ms (its first read of the store timed out)"
check "its log says it applies the persisted set" \
	grep -q "etcd does not answer: applying the set persisted in .*cluster-n1.json (store revision $applied" "$VT_RUN/n1.log"
persisted() {
	cl_ctl n1 status --json | json_true ".cluster.source == \"persisted\" and .cluster.revision == $applied and .policies == 2"
}
check "its status says: source persisted, revision $applied, 2 policies" persisted
check "status text names it" bash -c "'$VTAPCTL' --socket '$VT_RUN/n1.sock' status | grep -q 'persisted: the store did not answer'"
check "the restarted node copies too (persisted set)" phase persisted 3

# the store comes back
for i in 1 2 3; do etcd_start "$i"; done
check "the members come back (same data)" etcd_wait_healthy
live() { cl_ctl n1 status --json | json_true '.cluster.connected and .cluster.source == "live"'; }
check "n1 reconnects and runs the live set" cl_wait_for 30 live
all_alive() { [ "$(cctl status --json | json_of '[.nodes[] | select(.alive)] | length')" = 3 ]; }
check "all three nodes publish their status again" cl_wait_for 30 all_alive
cl_doc "$VT_RUN/more.yaml" more 8443
check "the next edit is accepted" cl_apply "$VT_RUN/more.yaml"
check "and converges on every node" cctl wait --revision "$CL_REV" --timeout 20
check "n1 and n2 run it (3 policies each)" \
	test "$(cl_ctl n1 status --json | json_of .policies)" = 3 -a "$(cl_ctl n2 status --json | json_of .policies)" = 3
check "copying after the store came back" phase back 2
tap_end
