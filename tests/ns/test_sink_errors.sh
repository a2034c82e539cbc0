#!/usr/bin/env bash
# Capture and ovs monitors on ports vtap must not use: a macvlan (its iflink
# is its lower device, a VM's port here) and a veth whose peer is in another
# namespace (its iflink is an index of that namespace). vtapd refuses them
# with a clear reason, touches neither the port nor the device the iflink
# names (no XDP program, no sink filter), and keeps tapping to the good
# monitor; a policy glob that matches vtap's own sink devices does not tap them.
. "$(dirname "$0")/lib.sh"
trap 'cp "$VT_RUN/vtapd.log" /tmp/se-vtapd.log 2>/dev/null; topo_down' EXIT
topo_up
MV=${VT_PREFIX}-mv LW=${VT_PREFIX}-lw
# a macvlan's iflink is its lower device: here one end of a veth pair
ip link add "$LW" type veth peer name "${LW}p"
ip link set "$LW" up; ip link set "${LW}p" up
ip link add "$MV" link "$LW" type macvlan mode bridge
ip link set "$MV" up
cat >"$VT_POL/bad.yaml" <<YAML
monitors:
  - { name: on-macvlan, type: capture, port: $MV }
  - { name: on-foreign-veth, type: capture, port: ${VT_PREFIX}-mon }
  - { name: good, type: capture, port: ${VT_PREFIX}-cap }
policies:
  - { name: a, priority: 1, source: { ports: [${VT_PREFIX}-vm1] }, match: { protocol: udp, dst_ports: [1] }, monitor: on-macvlan }
  - { name: b, priority: 2, source: { ports: [${VT_PREFIX}-vm1] }, match: { protocol: udp, dst_ports: [2] }, monitor: on-foreign-veth }
  - { name: c, priority: 3, source: { ports: ["${VT_PREFIX}-vm1", "${VT_PREFIX}-capp"] }, monitor: good }
YAML
check "vtapd starts" vtapd_start
sleep 0.5
st=$(ctl status --json)
state() { json_of '.monitor_sinks[] | select(.monitor == $m) | .state' --arg m "$1" <<<"$st"; }
diag "on-macvlan: $(state on-macvlan)"
diag "on-foreign-veth: $(state on-foreign-veth)"
check "a macvlan is refused as a capture port, with the reason" \
	bash -c "[[ '$(state on-macvlan)' == *'is not a veth'* ]]"
check "a veth whose peer is in another namespace is refused" \
	bash -c "[[ '$(state on-foreign-veth)' == *'is not a veth'* ]]"
check "the macvlan's lower device got no XDP program" \
	bash -c "! ip -d link show $LW | grep -q 'prog/xdp' && ! ip -d link show ${LW}p | grep -q 'prog/xdp'"
check "no sink filter on the refused ports (their traffic is not dropped)" \
	eval "! sink_on $MV && ! sink_on ${VT_PREFIX}-mon"
check "the good capture monitor works beside them" test "$(state good)" = ok
check "a glob matching vtap's own sink veth does not tap it (no tap filter on ${VT_PREFIX}-cap ingress)" \
	bash -c "! tc filter show dev ${VT_PREFIX}-cap ingress 2>/dev/null | grep -q vtap_tc && ! tc filter show dev ${VT_PREFIX}-capp ingress 2>/dev/null | grep -q vtap_tc"
nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
sleep 0.3
# plain frames reach a capture through the ring buffer (from_ring), others
# through its sink veth's socket (received)
got=$(ctl_json '.monitor_sinks[] | select(.monitor == "good") | .received + .from_ring' status)
check "copies reach the good monitor ($got)" test "$got" -ge 3
# the sink veth is deleted behind vtapd's back: set up again
ip link del "${VT_PREFIX}-cap"
for _ in $(seq 60); do
	# both: the veth with its XDP program, then the sink program on it
	ip -d link show "${VT_PREFIX}-capp" 2>/dev/null | grep -q 'prog/xdp' &&
		sink_on "${VT_PREFIX}-cap" && break
	sleep 0.1
done
check "a sink veth deleted behind vtapd's back is made again, with its XDP program" \
	eval "ip -d link show ${VT_PREFIX}-capp | grep -q 'prog/xdp' && sink_on ${VT_PREFIX}-cap"
tap_end
