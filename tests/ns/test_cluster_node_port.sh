#!/usr/bin/env bash
# Cluster mode: a document for every node that names a local monitor port
# only node n1 has (tests/ns/cluster-lib.sh; a port is "there" when the
# node's rtnetlink view lists it). n1 applies it and copies to that port;
# n2 rejects the set, names the key, line and column and the missing port,
# and keeps its set (still copying to the vxlan monitor); `cluster wait`
# names n2 only. When the port appears on n2 (a VM moved there), n2
# applies the set by itself; and again after a restart of n2 while the port
# was not there (it started with no policy from the store).
# etcd's default progress notifications (10 min): a set n2 rejected is not
# offered again by a revision a progress notification brings, only by what
# vtapd itself retries
: "${ETCD_PROGRESS:=10m}"
source "$(dirname "$0")/cluster-test.sh"

cl_setup 1
before=$(cl_ctl n2 status --json | json_of .cluster.digest)

# a local monitor VM on n1 and one on nm, host port mlocp on each; none on n2
cl_vm mloc n1 "" mlocp
cl_vm mlocm nm "" mlocp
cat >"$VT_RUN/local.yaml" <<'YAML'
monitors:
  - name: near
    type: local
    port: mlocp
policies:
  - name: web-near
    priority: 10
    source: { ports: ["a*p"] }
    direction: out
    match: { protocol: tcp, dst_ports: [80] }
    monitor: near
YAML
check "apply local.yaml (for every node)" cl_apply "$VT_RUN/local.yaml"
want="etcd:/vtap/policies/local.yaml:4:11: monitor near: port mlocp is not on this node (n2)"
n2_rejected() {
	cctl status --json | json_true '.nodes[] | select(.node == "n2") | .state == "rejected" and (.last_error | startswith($w))' --arg w "$want"
}
check "n2 rejects it: the key, line and column of the port, and the port" cl_wait_for 15 n2_rejected
diag "n2: $(cl_status_of n2 .last_error)"
n1_has() { [ "$(cl_status_of n1 .state)" = converged ] && [ "$(cl_status_of n1 .policies)" = 3 ]; }
check "n1 applies it (3 policies, converged)" cl_wait_for 15 n1_has
check "n2 keeps its set (same digest, 2 policies)" \
	test "$(cl_ctl n2 status --json | json_of .cluster.digest)" = "$before" -a "$(cl_status_of n2 .policies)" = 2
out=$(cctl wait --timeout 2 2>&1); rc=$?
diag "cluster wait: $out"
check "cluster wait fails naming n2, and only n2" \
	test "$rc" != 0 -a -n "$(grep -F "n2 (rejected" <<<"$out")" -a -z "$(grep -E 'n1 \(|nm \(' <<<"$out")"

capture_start b1 "$VT_RUN/b1.pcap" tcp port 80 and src 10.77.1.1
capture_start mloc "$VT_RUN/mloc.pcap"
capture_start b2 "$VT_RUN/b2.pcap" udp port 5000
capture_start mon "$VT_RUN/mon.pcap" udp port 5000
cl_web 1 2
cl_stream 2 1 100
capture_stop
diag "n1: b1 got $(count "$VT_RUN/b1.pcap") port-80 frames from a1, n1's local monitor $(count "$VT_RUN/mloc.pcap"); n2: b2 $(count "$VT_RUN/b2.pcap") datagrams, the vxlan monitor $(count "$VT_RUN/mon.pcap")"
check "n1 copies to its local monitor: the frames a1 sent to port 80, byte for byte" \
	same_frames "$VT_RUN/b1.pcap" "$VT_RUN/mloc.pcap"
check "n2 copies with the set it kept" \
	test "$(count "$VT_RUN/b2.pcap")" = 100 -a "$(frames_all "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")"

# the port comes to n2: it applies the store's set by itself
cl_vm mloc2 n2 "" mlocp
n2_conv() { [ "$(cl_status_of n2 .state)" = converged ] && [ "$(cl_status_of n2 .policies)" = 3 ]; }
check "the port appears on n2: n2 applies the set within seconds" cl_wait_for 15 n2_conv
check "cluster wait succeeds" cctl wait --timeout 10

# n2 restarts while the port is not there (its VM not started yet): the
# store's set and the persisted one (the same) are rejected, n2 starts
# with none from the store; when the port comes, n2 applies the set
cl_stop n2
ip netns del "${VT_PREFIX}-mloc2"
for i in $(seq 50); do cl_in n2 ip link show mlocp >/dev/null 2>&1 || break; sleep 0.05; done
check "n2 restarts without the port" cl_start n2
n2_none() { [ "$(cl_status_of n2 .policies)" = 0 ] && [ "$(cl_status_of n2 .state)" != converged ]; }
check "n2 runs with no policy from the store, the set rejected" cl_wait_for 15 n2_none
diag "n2: $(cl_status_of n2 .state), $(cl_status_of n2 .policies) policies: $(cl_status_of n2 .last_error)"
cl_vm mloc3 n2 "" mlocp
check "the port appears on n2: n2 applies the set within seconds" cl_wait_for 15 n2_conv
tap_end
