#!/usr/bin/env bash
# `vtapctl status` names the hook each port is tapped with (issue 14 item 3):
# before, the JSON said "engine": "ebpf-tc" even for ports tapped by XDP.
# vtapd (--attach auto) taps vm1's out frames with XDP (its policy copies to
# a capture monitor) and vm2's with TC (a local monitor, which XDP cannot
# feed); frames to both VMs with TC. The status JSON's per-port out_hook and
# in_hook must say so, and agree with what the kernel shows (ip link's XDP
# program, tc's filters); the top-level engine is "ebpf" and engine_mode the
# --engine choice; the text's engine line counts the ports per hook.
: "${VT_PREFIX:=vtsh}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up
P1=${VT_PREFIX}-vm1 P2=${VT_PREFIX}-vm2
mkdir -p "$VT_RUN/rec"
cat >"$VT_POL/hooks.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
  - { name: rec, type: capture, port: ${VT_PREFIX}-cap, file: $VT_RUN/rec/all.pcapng }
policies:
  - name: vm1-web
    source: { ports: [$P1] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: rec
  - name: vm2-icmp
    source: { ports: [$P2] }
    direction: both
    match: { protocol: icmp }
    monitor: mon
YAML
check "vtapd starts (--attach auto)" vtapd_start
ctl status --json >"$VT_RUN/status.json"
# port P FIELD: a field of port P in that status ("null" for null)
port() { json_of '.ports[] | select(.name == $p) | .[$f] // "null"' --arg p "$1" --arg f "$2" <"$VT_RUN/status.json"; }
top() { json_of '.[$f]' --arg f "$1" <"$VT_RUN/status.json"; }
diag "$P1: out_hook $(port "$P1" out_hook), in_hook $(port "$P1" in_hook), hooks '$(port "$P1" hooks)'"
diag "$P2: out_hook $(port "$P2" out_hook), in_hook $(port "$P2" in_hook), hooks '$(port "$P2" hooks)'"
diag "engine $(top engine), engine_mode $(top engine_mode)"

# xdp_prog PORT: the name of the XDP program on PORT ("" for none)
xdp_prog() { ip -j -d link show "$1" | json_of '.[0].xdp.prog.name // ""'; }
check "the kernel: vm1's out frames by vtap_xdp_out, vm2's by TC (vtap_tc_out on ingress)" \
	bash -c "[ '$(xdp_prog "$P1")' = vtap_xdp_out ] && [ -z '$(xdp_prog "$P2")' ] &&
		tc filter show dev $P2 ingress | grep -q vtap_tc_out && ! tc filter show dev $P1 ingress | grep -q vtap"
check "status: vm1's out_hook is xdp" test "$(port "$P1" out_hook)" = xdp
check "status: vm2's out_hook is tc" test "$(port "$P2" out_hook)" = tc
check "status: both in_hooks are tc (vtap_tc_in on egress)" \
	bash -c "[ '$(port "$P1" in_hook)' = tc ] && [ '$(port "$P2" in_hook)' = tc ] &&
		tc filter show dev $P1 egress | grep -q vtap_tc_in && tc filter show dev $P2 egress | grep -q vtap_tc_in"
check "status: the monitor port is tapped by neither (its hooks: sink(tcx))" \
	bash -c "[ '$(port "${VT_PREFIX}-mon" out_hook)' = null ] && [ '$(port "${VT_PREFIX}-mon" in_hook)' = null ] &&
		[ '$(port "${VT_PREFIX}-mon" hooks)' = 'sink(tcx)' ]"
check "status: the top-level engine is ebpf (no hook claimed for every port)" test "$(top engine)" = ebpf
check "status: engine_mode is the --engine choice (auto)" test "$(top engine_mode)" = auto
check "the text's engine line counts the ports per hook" \
	bash -c "ctl() { $VTAPCTL --socket $VT_SOCK \"\$@\"; }; ctl status | grep -q '^engine: *ebpf (out: xdp on 1 port, tc on 1; in: tc on 2)'"

# a policy edit moves vm1's out frames to TC: status follows
sed -i 's/monitor: rec/monitor: mon/' "$VT_POL/hooks.yaml"
out=$(ctl reload 2>&1)
check "reload (vm1's policy now to the local monitor)" test $? -eq 0
ctl status --json >"$VT_RUN/status.json"
diag "after the reload: $P1 out_hook $(port "$P1" out_hook), XDP program '$(xdp_prog "$P1")'"
check "status: vm1's out_hook is tc now, and the kernel agrees" \
	bash -c "[ '$(port "$P1" out_hook)' = tc ] && [ -z '$(xdp_prog "$P1")' ] && tc filter show dev $P1 ingress | grep -q vtap_tc_out"
tap_end
