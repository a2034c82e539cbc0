#!/usr/bin/env bash
# Start-up while links come and go: the kernel marks a link dump that raced
# with changes (NLM_F_DUMP_INTR, libmnl's EINTR); vtapd must ask again, not
# fail with "cannot list the host's ports: Interrupted system call". Twenty
# starts with a churning neighbour, every one up and tapping vm1's port.
: "${VT_PREFIX:=vtdi}"
. "$(dirname "$0")/lib.sh"
CHURN=
cleanup() {
	[ -n "$CHURN" ] && kill "$CHURN" 2>/dev/null && wait "$CHURN" 2>/dev/null
	for i in $(seq 20); do ip link del "${VT_PREFIX}c$i" 2>/dev/null; done
	topo_down
}
trap cleanup EXIT
topo_up

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - { name: vm1, source: { ports: ["${VT_PREFIX}-vm1"] }, monitor: mon }
YAML

# 20 veth pairs made and removed over and over while vtapd starts
( while :; do
	for i in $(seq 20); do ip link add "${VT_PREFIX}c$i" type veth peer name "${VT_PREFIX}d$i"; done
	for i in $(seq 20); do ip link del "${VT_PREFIX}c$i"; done
done ) 2>/dev/null &
CHURN=$!

started=0 tapped=0 intr=0
for round in $(seq 20); do
	: >"$VT_RUN/vtapd.log"
	if vtapd_start; then
		started=$((started + 1))
		tc filter show dev "${VT_PREFIX}-vm1" ingress 2>/dev/null | grep -q vtap_tc_out &&
			tapped=$((tapped + 1))
	fi
	grep -q "Interrupted system call" "$VT_RUN/vtapd.log" && intr=$((intr + 1))
	vtapd_stop
done
check "vtapd started 20 times of 20 while links churned ($started)" test "$started" -eq 20
check "and tapped vm1's port each time ($tapped)" test "$tapped" -eq 20
check "no start ended in 'Interrupted system call' ($intr)" test "$intr" -eq 0
tap_end
