#!/usr/bin/env bash
# Lost link events: while vtapd is stopped (SIGSTOP), 300 veth pairs are
# created and a tapped VM port is deleted, more than its rtnetlink socket
# holds. On SIGCONT it reads ENOBUFS, lists the ports again, forgets the
# port deleted in the gap (though an event of it, queued before the loss,
# is read during the list) and taps the new one a policy names.
: "${VT_PREFIX:=vtnl}"
. "$(dirname "$0")/lib.sh"
cleanup() {
	ip -batch "$VT_RUN/del.batch" 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up
vm_add vm3 10.77.0.3

cat >"$VT_POL/p.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: vms
    source: { ports: ["${VT_PREFIX}-vm*"] }
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd starts" vtapd_start
vm3_idx=$(cat "/sys/class/net/${VT_PREFIX}-vm3/ifindex")
check "vm3's port is tapped" bash -c "tc filter show dev ${VT_PREFIX}-vm3 ingress | grep -q vtap_tc_out"

for i in $(seq 300); do echo "link add ${VT_PREFIX}x$i type veth peer name ${VT_PREFIX}y$i"; done >"$VT_RUN/add.batch"
for i in $(seq 300); do echo "link del ${VT_PREFIX}x$i"; done >"$VT_RUN/del.batch"
kill -STOP "$VTAPD_PID"
# an event of vm3's port queued before the loss: read after the ENOBUFS
# (the kernel reports the loss first), it must not keep the port listed
ip link set "${VT_PREFIX}-vm3" down
ip -batch "$VT_RUN/add.batch"
vm_del vm3
vm_add vm4 10.77.0.4
kill -CONT "$VTAPD_PID"
for _ in $(seq 100); do
	grep -q "listing ports again" "$VT_RUN/vtapd.log" && break
	sleep 0.05
done
sleep 0.5
check "vtapd saw the lost events (ENOBUFS) and listed the ports again" \
	grep -q "rtnetlink events lost" "$VT_RUN/vtapd.log"
st=$(ctl status --json)
check "the port deleted in the gap is forgotten" \
	json_true 'all(.ports[]; .ifindex != $i)' --argjson i "$vm3_idx" <<<"$st"
check "the port created in the gap is tapped" \
	bash -c "tc filter show dev ${VT_PREFIX}-vm4 ingress | grep -q vtap_tc_out"
c0=$(stat_of vms copies)
nsx vm4 ping -c 2 -i 0.1 -q 10.77.0.2 >/dev/null
check "its traffic is copied" test "$(stat_of vms copies)" -gt "$c0"
tap_end
