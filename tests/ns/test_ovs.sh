#!/usr/bin/env bash
# Monitor type ovs (§6.2): copies reach the monitor through Open vSwitch —
# first its AF_XDP netdev (user-space datapath), then OVS-DPDK with DPDK's
# AF_XDP PMD. vtapd makes the sink veth, adds its peer to the bridge and
# installs one OpenFlow rule per session (VLAN tag = policy id + 1, stripped
# by OVS). The monitor's capture equals the receiver's matching frames byte
# for byte; stopping vtapd removes its OVS port, rules and veth. Private OVS
# instances (scripts/ovs-lib.sh), started and stopped here. Each datapath
# twice: vtapd --attach tc (copies cloned to the sink veth, tagged by the
# sink program) and --attach xdp (vm1's out frames copied by the XDP tap
# through the ring buffer, sent tagged by vtapd's AF_XDP TX socket).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../scripts/ovs-lib.sh"
OVSD=$VT_RUN/ovs
BR=${VT_PREFIX}-obr
SINK=${VT_PREFIX}-ovs
cleanup() {
	vtapd_stop
	ovs_stop "$OVSD" >/dev/null 2>&1
	topo_down
}
trap cleanup EXIT
topo_up
export OVS_PMD_MAXSLEEP=500 # an idle PMD thread sleeps: 2 cores here
for vm in vm1 vm2; do nsx $vm ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done

# one round: FLAVOUR = afxdp | dpdk, MODE = tc | xdp
round() {
	local flavour=$1 mode=$2 tag="$1 $2"
	if [ "$flavour" = dpdk ]; then
		# with 256 hugepages of 2 MiB, as OVS-DPDK is deployed
		OVS_DPDK_HUGEPAGES=256 check "[$tag] OVS-DPDK starts (private instance, hugepages)" \
			ovs_start "$OVSD" dpdk
	else
		check "[$tag] OVS starts (private instance)" ovs_start "$OVSD"
	fi
	ovs_add_br "$BR" >/dev/null
	check "[$tag] the monitor's port is an OVS port" ovs_add_system_port "$BR" "${VT_PREFIX}-mon"
	cat >"$VT_POL/ovs.yaml" <<YAML
monitors:
  - { name: o, type: ovs, port: $SINK, bridge: $BR, ovs_port: ${VT_PREFIX}-mon, datapath: $flavour }
policies:
  - name: web
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: o
  - name: icmp
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: icmp }
    monitor: o
YAML
	OVS_RUNDIR=$OVSD check "[$tag] vtapd starts" vtapd_start --attach "$mode"
	local i
	for i in $(seq 100); do
		[ "$(ovs_ofctl dump-flows "$BR" 2>/dev/null | grep -c dl_vlan=)" -ge 2 ] && break
		sleep 0.1
	done
	if [ "$flavour" = dpdk ]; then
		check "[$tag] OVS-DPDK's memory is in hugepages ($(awk '/^HugePages_(Total|Free)/ { printf "%s %s ", $1, $2 }' /proc/meminfo))" \
			awk '/^HugePages_Total/ { t = $2 } /^HugePages_Free/ { f = $2 } END { exit !(t > 0 && f < t) }' /proc/meminfo
	fi
	check "[$tag] vtapd added ${SINK}p to $BR" bash -c "[ \$(ovs_vsctl get Interface ${SINK}p ofport 2>/dev/null) -gt 0 ] 2>/dev/null || ovs-vsctl --db=$OVS_DB get Interface ${SINK}p ofport | grep -q '^[1-9]'"
	check "[$tag] one OpenFlow rule per session (2) and a drop" \
		test "$(ovs_ofctl dump-flows "$BR" | grep -c 'dl_vlan=.*strip_vlan')" -eq 2 -a \
		"$(ovs_ofctl dump-flows "$BR" | grep -c 'priority=100.*actions=drop')" -eq 1
	local hooks want=out
	[ "$mode" = xdp ] && want="out(xdp)"
	hooks=$(port_of "${VT_PREFIX}-vm1" hooks)
	check "[$tag] ${VT_PREFIX}-vm1 is tapped: $hooks" test "$hooks" = "$want in"
	sleep 0.5
	capture_start vm2 "$VT_RUN/vm2-$flavour.pcap" tcp port 80 or icmp
	capture_start mon "$VT_RUN/mon-$flavour.pcap"
	nsx vm2 timeout 10 python3 "$WEBPEER" serve 10.77.0.2 3 &
	local srv=$!
	sleep 0.3
	for i in 1 2 3; do nsx vm1 python3 "$WEBPEER" get 10.77.0.2 >/dev/null; done
	nsx vm1 ping -c 3 -i 0.1 -q 10.77.0.2 >/dev/null
	nsx vm1 python3 "$WEBPEER" noise 10.77.0.2 8080 2>/dev/null
	wait $srv 2>/dev/null
	capture_stop
	diag "$(ovs_ofctl dump-flows "$BR" | grep -o 'n_packets=[0-9]*.*' | cut -c1-90 | tr '\n' ';')"
	diag "$(cat "$VT_RUN/mon-$flavour.pcap.log" | tail -2 | tr '\n' ' ')"
	diag "$(ovs_appctl dpctl/show 2>/dev/null | grep -E 'lost|hit' | tr '\n' ' ')"
	diag "sink: $(ctl_json .sinks stats)"
	diag "ovs port ${SINK}p: $(ovs_vsctl get Interface ${SINK}p statistics)"
	diag "ovs port mon: $(ovs_vsctl get Interface ${VT_PREFIX}-mon statistics)"
	diag "ethtool ${SINK}p: $(ethtool -S ${SINK}p 2>/dev/null | grep -E 'drop|xdp' | grep -v ': 0' | tr -s ' \n' ' ')"
	# vm2 sees the echo requests and sends the replies: the replies are not
	# tapped (icmp is direction out of vm1 only)
	tcpdump -r "$VT_RUN/vm2-$flavour.pcap" -w "$VT_RUN/vm2m-$flavour.pcap" 'tcp port 80 or (icmp and src host 10.77.0.1)' 2>/dev/null
	local n_vm2 n_mon
	n_vm2=$(count "$VT_RUN/vm2m-$flavour.pcap"); n_mon=$(count "$VT_RUN/mon-$flavour.pcap")
	diag "[$tag] vm2 saw $n_vm2 matching frames, the monitor $n_mon"
	check "[$tag] the receiver saw matching traffic" test "$n_vm2" -gt 10
	check "[$tag] monitor capture equals the receiver's matching frames byte for byte (tags removed)" \
		same_frames "$VT_RUN/vm2m-$flavour.pcap" "$VT_RUN/mon-$flavour.pcap"
	local web icmp copies
	web=$(ovs_ofctl dump-flows "$BR" | grep "dl_vlan=$(( $(ctl_json '.[] | select(.name == "web") | .id' policies) + 1 )) " | sed 's/.*n_packets=\([0-9]*\).*/\1/')
	copies=$(stat_of web copies)
	diag "[$tag] OVS counted $web packets on web's rule; vtap copied $copies"
	check "[$tag] OVS's per-session counter == vtap's copies of web" test "${web:-0}" -eq "$copies" -a "$copies" -gt 0
	if [ "$mode" = xdp ]; then
		local tx
		tx=$(ctl_json '.monitor_sinks[0].xdp_tx | .sent, ([.no_frame, .ring_full, .cut, .invalid] | total)' status | tr '\n' ' ')
		diag "[$tag] AF_XDP TX: sent, lost: $tx; sink program: $(ctl_json .sinks stats)"
		check "[$tag] copies of out frames went by AF_XDP TX, none lost" \
			bash -c "set -- $tx; [ \$1 -gt 0 ] && [ \$2 -eq 0 ]"
	fi
	vtapd_stop
	check "[$tag] vtapd's stop removed its OVS port and rules" \
		test "$(ovs_vsctl list-ports "$BR" | grep -c "^${SINK}p$")" -eq 0 -a \
		"$(ovs_ofctl dump-flows "$BR" | grep -c 'dl_vlan=')" -eq 0
	check "[$tag] and the sink veth" bash -c "! ip link show $SINK 2>/dev/null"
	ovs_stop "$OVSD" >/dev/null 2>&1
}
round afxdp tc
round dpdk tc
round afxdp xdp
round dpdk xdp
tap_end
