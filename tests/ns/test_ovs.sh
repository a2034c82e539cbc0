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
# With --attach tc, then a TCP stream from vm1 with TSO on: its GSO
# super-frames' copies go through the ring, and vtapd cuts them into
# wire-sized segments (good TCP checksums) before its AF_XDP TX;
# the monitor gets the whole stream in frames no longer than the wire's.
# Rounds with vtapd --complete-checksums: the monitor gets every copy with
# its TCP checksum finished (the kernel on the sink veth, TX checksum
# offload off, which also segments the TSO stream's copies there; vtapd on
# what it sends by AF_XDP TX), otherwise as the receiver got it.
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

listening() { nsx vm2 ss -Htln 'sport = :80' | grep -q .; }
# frames: sent on the sink veth (the tap's clones, vtapd's AF_XDP TX),
# redirected by its peer's XDP program to OVS's socket, sent by OVS to
# the monitor's port
sink_tx() { cat "/sys/class/net/$SINK/statistics/tx_packets"; }
ovs_read() { ethtool -S "${SINK}p" | awk '/rx_queue_0_xdp_redirect:/ { print $2 }'; }
mon_tx() { cat "/sys/class/net/${VT_PREFIX}-mon/statistics/tx_packets"; }
# tso_stream TAG FLAVOUR: 2800 bytes, then 1 MB, vm1 -> vm2:80 with TSO on
# in vm1; the copies of its super-frames reach the monitor cut into segments
tso_stream() {
	local tag=$1 flavour=$2 complete=${3:-} mon=$VT_RUN/mon-tso-$1.pcap sink path tx srv seg bad big sum
	local s0 r0 m0 p0 pd sent read lost nbad done
	nsx vm1 ethtool -K eth0 tso on gso on tx on >/dev/null 2>&1
	s0=$(sink_tx); r0=$(ovs_read); m0=$(mon_tx); p0=$(ctl_json '.monitor_sinks[0].peer_dropped' status)
	sink=$(cat "/sys/class/net/$SINK/ifindex")
	# a snaplen: tcpdump's immediate mode has ring slots of the snaplen's
	# size, and with 256 KiB ones a burst of segments overruns its 16 MiB
	CAP_SNAPLEN=2048 capture_start mon "$mon" tcp port 80
	CAP_SNAPLEN=128 capture_start vm1 "$VT_RUN/vm1-tso.pcap" 'tcp dst port 80 and greater 1515'
	# first 2800 bytes: one super-frame of two segments, which the sink
	# veth would carry whole (2866 bytes) — cut all the same
	: >"$VT_RUN/drained.txt"
	for n in 2800 1000000; do
		nsx vm2 timeout 10 python3 "$WEBPEER" drain 10.77.0.2 80 >>"$VT_RUN/drained.txt" &
		srv=$!
		for _ in $(seq 100); do listening && break; sleep 0.05; done
		nsx vm1 python3 "$WEBPEER" push 10.77.0.2 80 $n
		wait $srv 2>/dev/null
		for _ in $(seq 40); do listening || break; sleep 0.05; done
	done
	sleep 0.5
	capture_stop
	nsx vm1 ethtool -K eth0 tso off gso off >/dev/null 2>&1
	sent=$(($(sink_tx) - s0)); read=$(($(ovs_read) - r0)); lost=$((read - $(mon_tx) + m0))
	pd=$(($(ctl_json '.monitor_sinks[0].peer_dropped' status) - p0))
	path=$(bpftool -j map dump pinned "$VT_PIN/vtap_cap_veth" | json_of "[.[] | select(.formatted.key == $sink) | .formatted.value] | .[0] // 0")
	tx=$(ctl_json '.monitor_sinks[0].xdp_tx | .gso, .segments, ([.no_frame, .ring_full, .cut, .unsegmented, .invalid] | total)' status | tr '\n' ' ')
	set -- $tx
	# the streams' bytes the monitor got, each counted once: a
	# retransmission by vm1 is a frame of its own, copied too
	sum=$(tshark -r "$mon" -Y 'tcp.dstport == 80 && tcp.len > 0' -T fields -e tcp.stream -e tcp.seq -e tcp.len 2>/dev/null |
		sort -k1,1n -k2,2n | awk '$1 != st { st = $1; b = 0 } { e = $2 + $3; if (e > b) { s += e - ($2 > b ? $2 : b); b = e } } END { print s + 0 }')
	big=$(tshark -r "$mon" -Y 'frame.len > 1514' 2>/dev/null | wc -l)
	seg=$(tshark -r "$mon" -o tcp.check_checksum:TRUE -Y 'tcp.dstport == 80 && tcp.checksum.status == 1' 2>/dev/null | wc -l)
	bad=$(tshark -r "$mon" -o ip.check_checksum:TRUE -Y 'ip.checksum.status == 0' 2>/dev/null | wc -l)
	diag "[$tag] TSO: vm2 read $(tr '\n' ' ' <"$VT_RUN/drained.txt")bytes, vm1 sent $(count "$VT_RUN/vm1-tso.pcap") super-frames; path $path; AF_XDP TX gso, segments, lost: $tx; monitor: $(count "$mon") frames, payload $sum (each byte once), $big over 1514 bytes, $seg with a good TCP checksum, $bad with a bad IP checksum; web copy_fail $(stat_of web copy_fail); ${SINK} tx_dropped $(cat /sys/class/net/$SINK/statistics/tx_dropped)"
	diag "ovs port ${SINK}p: $(ovs_vsctl get Interface ${SINK}p statistics)"
	diag "ovs port mon: $(ovs_vsctl get Interface ${VT_PREFIX}-mon statistics)"
	diag "ethtool ${SINK}p: $(ethtool -S ${SINK}p 2>/dev/null | grep -v ': 0' | tr -s ' \n' ' ')"
	diag "$(ovs_appctl dpctl/show 2>/dev/null | grep -E 'lost|hit' | tr '\n' ' ')"
	diag "$(ovs_appctl coverage/show 2>/dev/null | grep -iE 'drop|afxdp|fail' | tr -s ' \n' ' ' | cut -c1-600)"
	diag "mon: $(tail -2 "$mon.log" | tr '\n' ' '); its eth0: $(nsx mon ip -s link show eth0 | tr -s ' \n' ' ' | cut -c 150-); ${VT_PREFIX}-mon: $(ip -s link show ${VT_PREFIX}-mon | tr -s ' \n' ' ' | cut -c 150-)"
	diag "softnet: $(awk '{ print $2 }' /proc/net/softnet_stat | tr '\n' ' ')"
	diag "xdp_tx: $(ctl_json '.monitor_sinks[0].xdp_tx' status); ${SINK}: $(ip -s link show "$SINK" | tr -s ' \n' ' ')"
	check "[$tag] TSO: vm1 sent super-frames, vm2 read the 1 MB" \
		test "$(count "$VT_RUN/vm1-tso.pcap")" -gt 0 -a "$(tr '\n' ' ' <"$VT_RUN/drained.txt")" = "2800 1000000 "
	check "[$tag] TSO: one of them of two segments, shorter than the sink veth's MTU" \
		test "$(tcpdump -r "$VT_RUN/vm1-tso.pcap" -nn 'less 3018' 2>/dev/null | wc -l)" -gt 0
	if [ -z "$complete" ]; then
		check "[$tag] TSO: the sink's copies take the ring (vtap_cap_veth[$sink] = $path, VTAP_OVS_RING)" test "$path" = 4
		check "[$tag] TSO: vtapd cut super-frames into segments, none lost ($tx)" \
			test "$1" -gt 0 -a "$2" -gt "$1" -a "$3" -eq 0 -a "$(stat_of web copy_fail)" -eq 0
	else
		# the kernel segments them on the sink veth, checksums and all
		check "[$tag] TSO: the sink's copies take the sink veth (vtap_cap_veth[$sink] = $path: no entry)" test "$path" = 0
		check "[$tag] TSO: vtapd cut nothing ($tx)" test "$1" -eq 0 -a "$(stat_of web copy_fail)" -eq 0
	fi
	# a frame OVS's socket had no room for is counted by vtapd
	check "[$tag] TSO: every frame sent on the sink veth was read by OVS's socket or counted peer_dropped ($read + $pd of $sent)" \
		test "$((read + pd))" -eq "$sent" -a "$sent" -gt "$2" -a "$sent" -gt 690
	# what OVS itself then loses sending to the monitor's port (its
	# AF_PACKET send, a burst of ~700 frames) is OVS's: counted here,
	# each frame at most one segment's payload
	diag "[$tag] TSO: OVS forwarded $((read - lost)) of the $read frames it read (lost $lost)"
	lost=$((lost + pd))
	check "[$tag] TSO: the monitor got the whole stream ($sum bytes) but what OVS lost or could not read ($lost frames), no frame over 1514 bytes" \
		test "$big" -eq 0 -a "$lost" -ge 0 -a "$sum" -le 1002800 -a \
		"$((sum + lost * 1448))" -ge 1002800 -a \( "$lost" -gt 0 -o "$sum" -eq 1002800 \)
	if [ -z "$complete" ]; then
		check "[$tag] TSO: every segment has good checksums ($seg TCP >= $2 - $lost, $bad bad IP)" \
			test "$seg" -ge "$(($2 - lost))" -a "$bad" -eq 0
	else
		check "[$tag] TSO: no bad IP checksum ($bad)" test "$bad" -eq 0
	fi
	# with --complete-checksums every frame has a good TCP checksum, the
	# segments' as the kernel cut them and the other frames'
	if [ -n "$complete" ]; then
		nbad=$(bad_l4 "$mon")
		check "[$tag] TSO: every frame the monitor got has a good TCP checksum ($nbad not, of $(count "$mon"))" \
			test "$nbad" -eq 0 -a "$(count "$mon")" -gt 690
	fi
}

# carrier_off TAG: OVS's peer of the sink veth down, the sink veth has no
# carrier: the copies AF_XDP TX hands the kernel are dropped there, and
# counted (dev_dropped), each once
carrier_off() {
	local tag=$1 d0 s0 d s i
	xtx() { ctl_json ".monitor_sinks[0].xdp_tx.$1" status; }
	d0=$(xtx dev_dropped) s0=$(xtx sent)
	ip link set "${SINK}p" down
	nsx vm1 ping -c 5 -i 0.05 -q 10.77.0.2 >/dev/null
	for i in $(seq 100); do [ $(($(xtx dev_dropped) - d0)) -ge 5 ] && break; sleep 0.02; done
	d=$(($(xtx dev_dropped) - d0)) s=$(($(xtx sent) - s0))
	ip link set "${SINK}p" up
	check "[$tag] ${SINK}p down: vm1's 5 pings, 5 copies sent and dropped by the sink veth, counted dev_dropped ($d of $s)" \
		test "$d" -eq 5 -a "$s" -eq 5
}

# same_frames_but_l4csum A B: the captures hold the same frames but for
# their TCP and UDP checksum fields
same_frames_but_l4csum() {
	local a b
	a=$(python3 "$(dirname "$0")/pcap_l4mask.py" "$1"); b=$(python3 "$(dirname "$0")/pcap_l4mask.py" "$2")
	[ -n "$a" ] && [ "$a" == "$b" ] && return 0
	diff <(echo "$a" | cut -c1-120) <(echo "$b" | cut -c1-120) | head -8 | sed 's/^/# /'
	return 1
}
# frames of a capture whose TCP or UDP checksum does not verify ("error"
# when tshark fails: no number passes a numeric test)
bad_l4() {
	local out
	out=$(tshark -r "$1" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-Y 'tcp.checksum.status == 0 || udp.checksum.status == 0' 2>/dev/null) || { echo error; return; }
	[ -z "$out" ] && echo 0 || echo "$out" | wc -l
}

# one round: FLAVOUR = afxdp | dpdk, MODE = tc | xdp, then vtapd's own
# options: with --complete-checksums the monitor gets the copies with
# their TCP checksums finished (the VMs keep TX checksum offload on)
round() {
	local flavour=$1 mode=$2 tag="$1 $2${3:+ ${3#--}}" complete=${3:-}
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
	OVS_RUNDIR=$OVSD check "[$tag] vtapd starts" vtapd_start --attach "$mode" $complete
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
	if [ -z "$complete" ]; then
		check "[$tag] monitor capture equals the receiver's matching frames byte for byte (tags removed)" \
			same_frames "$VT_RUN/vm2m-$flavour.pcap" "$VT_RUN/mon-$flavour.pcap"
	else
		local bad_vm2 bad_mon done
		bad_vm2=$(bad_l4 "$VT_RUN/vm2m-$flavour.pcap"); bad_mon=$(bad_l4 "$VT_RUN/mon-$flavour.pcap")
		done=$(ctl_json '.monitor_sinks[0].xdp_tx.csum_completed' status)
		diag "[$tag] frames with a partial TCP checksum: vm2 $bad_vm2, the monitor $bad_mon; vtapd completed $done; $SINK: $(ethtool -k "$SINK" | grep tx-checksumming)"
		check "[$tag] monitor capture equals the receiver's matching frames but for the TCP checksums" \
			same_frames_but_l4csum "$VT_RUN/vm2m-$flavour.pcap" "$VT_RUN/mon-$flavour.pcap"
		check "[$tag] the receiver's frames had partial checksums ($bad_vm2), the monitor's verify ($bad_mon)" \
			test "$bad_vm2" -gt 0 -a "$bad_mon" -eq 0
		if [ "$mode" = xdp ]; then
			check "[$tag] vtapd finished them ($done)" test "${done:-0}" -gt 0
		else
			check "[$tag] the sink veth has TX checksum offload off" \
				bash -c "ethtool -k $SINK | grep -q '^tx-checksumming: off'"
		fi
	fi
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
		[ "$flavour" = afxdp ] && [ -z "$complete" ] && carrier_off "$tag"
	fi
	[ "$mode" = tc ] && tso_stream "$tag" "$flavour" "$complete"
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
round afxdp tc --complete-checksums
round afxdp xdp --complete-checksums
tap_end
