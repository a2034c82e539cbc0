#!/usr/bin/env bash
# Cluster mode (§6.4): a node that dies leaves the cluster's view by
# itself. Its status key lives under a lease of 10 s that its vtapd keeps
# alive: after SIGKILL nothing renews it, so the node is gone from `cluster
# status` within the lease time (and not at once: the lease, not anything
# else, takes it away), `cluster wait` no longer waits for it, and its taps
# keep copying (a killed vtapd leaves them attached). A clean stop (SIGTERM)
# revokes the lease: that node is gone at once.
source "$(dirname "$0")/cluster-test.sh"
TTL=10

cl_setup 1
alive() { cctl status --json | json_of '[.nodes[] | select(.alive) | .node] | join(" ")'; }
check "three nodes alive" test "$(alive)" = "n1 n2 nm"
lease_of() { ectl lease timetolive --keys "$(cl_ctl n2 status --json | json_of .cluster.lease)"; }
diag "$(lease_of)"
check "n2's status key is the only key under a lease of ${TTL} s" \
	grep -qF "granted with TTL(${TTL}s), remaining" <<<"$(lease_of | grep -F 'attached keys([/vtap/status/n2])')"

t0=$(date +%s%N)
cl_stop n2 KILL
gone=
early=
for _ in $(seq 150); do
	ms=$((($(date +%s%N) - t0) / 1000000))
	a=$(alive)
	if [ "$a" = "n1 nm" ]; then gone=$ms; break; fi
	[ "$ms" -lt 2000 ] && [ "$a" != "n1 n2 nm" ] && early="$a at $ms ms"
	sleep 0.1
done
diag "n2 killed (SIGKILL): gone from cluster status after ${gone:-never} ms${early:+; early: $early}"
check "n2 is still listed right after the kill (its lease holds it)" test -z "$early"
check "n2 left the cluster view within the lease time (${TTL} s, + 1.5 s: etcd checks expiries every 0.5 s, this poll takes time)" \
	test -n "$gone" -a "${gone:-99999}" -le $((TTL * 1000 + 1500))
check "cluster wait no longer waits for it" cctl wait --timeout 10
capture_start b2 "$VT_RUN/b2.pcap" udp port 5000
capture_start mon "$VT_RUN/mon.pcap" udp port 5000
cl_stream 2 2 100
capture_stop
check "n2's taps still copy after its vtapd was killed" \
	test "$(count "$VT_RUN/b2.pcap")" = 200 -a "$(frames_all "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")"

t0=$(date +%s%N)
cl_stop n1 TERM
a=$(alive)
diag "n1 stopped (SIGTERM): listed after $((($(date +%s%N) - t0) / 1000000)) ms: '$a'"
check "a clean stop revokes the lease: n1 is gone at once" test "$a" = nm
tap_end
