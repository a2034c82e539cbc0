#!/usr/bin/env bash
# The acceptance scenarios, written once and run for each engine (after
# lib.sh): scenario_web is §6.1 (vm1's TCP to vm2:80 tapped both ways: the
# monitor's frames equal vm2's matching frames byte for byte and in number,
# nothing else reaches the monitor, the counters agree with the captures);
# scenario_cut is snaplen + sample (copies cut to 60 bytes, 1 in 3 copied,
# the rest counted as sampled out).
#
# use_engine ENGINE picks who taps vm1 and sets the hooks the scenarios call:
#   tc    vtapd, TC on both hooks, a local monitor (vtap-mon)
#   xdp   vtapd --attach xdp: vm1's out frames by native XDP through the ring
#         buffer, its in frames by TC, to a capture monitor (XDP copies go
#         to capture and ovs monitors only; a local monitor means TC)
#   dpdk  vtap-dpdk as the bump in the wire of dpdk_wire_up (dpdk-lib.sh),
#         a local monitor
# Hooks: eng_monitor (the YAML of the monitor "mon"), eng_start, eng_stop,
# eng_running, eng_tapped (the engine's own checks that vm1 is tapped),
# eng_mon_start/eng_mon_stop FILE (the monitor's copies as a pcap FILE),
# eng_delivered (the monitor's own count of what it got, a TAP line),
# eng_cut_counted N (the engine's account of N cut copies, a TAP line),
# CUT_LEN (the original length a cut copy still carries at the monitor:
# 60 on the wire, the original's on a capture record), VT_CTL (the vtapctl
# function of the engine's socket). TAP lines name the engine: [tc] ...
. "$(dirname "${BASH_SOURCE[0]}")/dpdk-lib.sh"

ENGINE=
use_engine() {
	ENGINE=$1
	case $1 in
	tc | xdp)
		VT_CTL=ctl
		eng_stop() { vtapd_stop; }
		eng_running() { [ -n "$VTAPD_PID" ]; }
		;;
	dpdk)
		VT_CTL=dctl
		eng_stop() { vdp_stop; }
		eng_running() { [ -n "$VDP_PID" ]; }
		;;
	*) diag "no engine $1"; return 1 ;;
	esac
	case $1 in
	tc | dpdk)
		CUT_LEN=60
		eng_monitor() { echo "{ name: mon, type: local, port: ${VT_PREFIX}-mon }"; }
		eng_mon_start() { capture_start mon "$1"; }
		eng_mon_stop() { :; }
		eng_delivered() {
			check "[$ENGINE] sink counter: delivered == monitor's frames" \
				test "$(sink_stat delivered)" -eq "$1"
		}
		eng_cut_counted() {
			check "[$ENGINE] sink counted every truncation" test "$(sink_stat truncated)" -eq "$1"
		}
		;;
	esac
	case $1 in
	tc)
		# (vtapd's default, --attach auto: TC for a local monitor)
		eng_start() { check "[tc] vtapd starts $1" vtapd_start; }
		eng_tapped() {
			check "[tc] vm1's port has the tap on both hooks" \
				bash -c "tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap_tc_out && tc filter show dev ${VT_PREFIX}-vm1 egress | grep -q vtap_tc_in"
			check "[tc] the monitor port has the sink program" \
				sink_on ${VT_PREFIX}-mon
		}
		;;
	xdp)
		CUT_LEN=442
		mkdir -p "$VT_RUN/rec"
		eng_monitor() {
			echo "{ name: mon, type: capture, port: ${VT_PREFIX}-cap, file: $VT_RUN/rec/mon.pcapng }"
		}
		eng_start() {
			# byte for byte: the frames vm2 receives are the frames vm1
			# sent (an XDP tap takes TSO from vm1 anyway; off in vm2
			# too, so both directions' frames are wire-sized)
			local vm
			for vm in vm1 vm2; do nsx $vm ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1; done
			check "[xdp] vtapd starts in xdp mode $1" vtapd_start --attach xdp
		}
		eng_tapped() {
			check "[xdp] vm1: out by XDP (vtap_xdp_out, native), in by TC" \
				bash -c "[ '$(port_of "${VT_PREFIX}-vm1" hooks)' = 'out(xdp) in' ] && ip -d link show ${VT_PREFIX}-vm1 | grep -q 'prog/xdp id .* name vtap_xdp_out' && ! tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap"
		}
		# the records vtapd writes while the scenario runs, as a pcap;
		# its counters of written records and ring records before them
		eng_mon_start() {
			MON_BEFORE=$(tshark -r "$VT_RUN/rec/mon.pcapng" 2>/dev/null | wc -l)
			WRITTEN_BEFORE=$(ctl_json '.monitor_sinks[0].written' status)
			RING_BEFORE=$(ctl_json .ring.records status)
		}
		eng_mon_stop() {
			sleep 0.3
			tshark -r "$VT_RUN/rec/mon.pcapng" -Y "frame.number > $MON_BEFORE" -F pcap -w "$1" 2>/dev/null
		}
		eng_delivered() {
			check "[xdp] the capture monitor wrote every copy: written == its records" \
				test "$(ctl_json '.monitor_sinks[0].written' status)" -eq "$((WRITTEN_BEFORE + $1))"
		}
		# the ring carries snaplen bytes and the original length; vtapd
		# reads every record of it
		eng_cut_counted() {
			check "[xdp] vtapd read every copy off the ring buffer ($1)" \
				test "$(ctl_json .ring.records status)" -eq "$((RING_BEFORE + $1))"
		}
		;;
	dpdk)
		eng_start() {
			check "[dpdk] vtap-dpdk starts $1" vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" \
				--net "$(xdp 1 "$W")" --monitor "$(xdp 2 "${VT_PREFIX}-mon")"
		}
		eng_tapped() {
			check "[dpdk] vtapctl status over its socket shows the dpdk engine and the wire" \
				bash -c "$VTAPCTL --socket $VDP_SOCK status | grep -q '^engine: *dpdk' && $VTAPCTL --socket $VDP_SOCK status | grep -q '^vm *${VT_PREFIX}-vm1'"
			check "[dpdk] frames cross the wire (ping vm1 -> vm2)" nsx vm1 ping -c 2 -W 2 -q 10.77.0.2
		}
		;;
	esac
}

# eng_apply DESCRIPTION: the datapath takes the policy files: started, or
# reloaded (vtapctl reload) when it runs already
eng_apply() {
	if eng_running; then
		check "[$ENGINE] vtapctl reload swaps the rule set" "$VT_CTL" reload
	else
		eng_start "$1"
	fi
}

# scenario_web: §6.1; leaves n_vm2 and n_mon
scenario_web() {
	cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - $(eng_monitor)
policies:
  - name: web
    source: { ports: [${VT_PREFIX}-vm1] }
    destination: { cidr: 10.77.0.0/24 }
    direction: both
    match: { protocol: tcp, dst_ports: [80] }
    monitor: mon
YAML
	eng_apply "with the policy"
	eng_tapped
	capture_start vm2 "$VT_RUN/vm2.pcap" tcp port 80
	eng_mon_start "$VT_RUN/mon.pcap"
	# the matching traffic: an HTTP-like TCP exchange on port 80, and
	# noise that must not be copied (ping, TCP to another port, UDP to 80)
	web_traffic
	capture_stop
	eng_mon_stop "$VT_RUN/mon.pcap"

	local mon=$VT_RUN/mon.pcap matched copies failed bytes cap_bytes
	n_vm2=$(count "$VT_RUN/vm2.pcap"); n_mon=$(count "$mon")
	diag "[$ENGINE] vm2 saw $n_vm2 matching frames, the monitor $n_mon"
	check "[$ENGINE] the receiver saw matching traffic" test "$n_vm2" -gt 10
	check "[$ENGINE] monitor capture equals the receiver's matching frames byte for byte" \
		same_frames "$VT_RUN/vm2.pcap" "$mon"
	check "[$ENGINE] nothing but port-80 TCP reached the monitor" \
		test "$(tcpdump -r "$mon" -nn 'not (tcp port 80)' 2>/dev/null | wc -l)" -eq 0
	check "[$ENGINE] copies in both directions (requests and replies)" \
		bash -c "[ \$(tcpdump -r $mon -nn 'tcp dst port 80' 2>/dev/null | wc -l) -gt 0 ] && [ \$(tcpdump -r $mon -nn 'tcp src port 80' 2>/dev/null | wc -l) -gt 0 ]"
	matched=$(stat_of web matched_pkts); copies=$(stat_of web copies); failed=$(stat_of web copy_fail)
	bytes=$(stat_of web matched_bytes)
	cap_bytes=$(tshark -r "$mon" -T fields -e frame.len 2>/dev/null | awk '{s += $1} END {print s + 0}')
	diag "[$ENGINE] vtapctl: matched $matched ($bytes bytes), copies $copies, failed $failed; monitor $cap_bytes bytes"
	check "[$ENGINE] counters: matched == copies == monitor's frames, no failure" \
		test "$matched" -eq "$n_mon" -a "$copies" -eq "$n_mon" -a "$failed" -eq 0
	check "[$ENGINE] counters: matched bytes == the monitor's captured bytes" test "$bytes" -eq "$cap_bytes"
	eng_delivered "$n_mon"
}

# scenario_cut: snaplen 60 and sample 3 on vm1's UDP to 9000, one direction.
# The sender is pinned to one CPU so per-CPU sampling is exact.
scenario_cut() {
	cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - $(eng_monitor)
policies:
  - name: cut
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    match: { protocol: udp, dst_ports: [9000] }
    snaplen: 60
    sample: 3
    monitor: mon
YAML
	eng_apply "with the snaplen and sample policy"
	capture_start vm2 "$VT_RUN/vm2u.pcap" udp port 9000
	eng_mon_start "$VT_RUN/monu.pcap"
	local N=30 orig bad=0 f
	nsx vm1 taskset -c 0 python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range('$N'):
    u.sendto(bytes([i]) * 400, ("10.77.0.2", 9000))
    time.sleep(0.002)'
	capture_stop
	eng_mon_stop "$VT_RUN/monu.pcap"

	n_vm2=$(count "$VT_RUN/vm2u.pcap"); n_mon=$(count "$VT_RUN/monu.pcap")
	diag "[$ENGINE] vm2 received $n_vm2 datagrams, the monitor $n_mon copies"
	check "[$ENGINE] the receiver got every original, whole" \
		test "$n_vm2" -eq $N -a "$(tcpdump -r "$VT_RUN/vm2u.pcap" -nn 'len == 442' 2>/dev/null | wc -l)" -eq $N
	check "[$ENGINE] 1 in 3 copied: $(((N + 2) / 3)) copies" test "$n_mon" -eq $(((N + 2) / 3))
	check "[$ENGINE] every copy is cut to 60 bytes (of $CUT_LEN at the monitor)" \
		test "$(tshark -r "$VT_RUN/monu.pcap" -T fields -e frame.cap_len -e frame.len 2>/dev/null | sort -u)" = "$(printf '60\t%s' "$CUT_LEN")"
	# each copy is the first 60 bytes of one of the originals
	orig=$(frames "$VT_RUN/vm2u.pcap" | cut -c1-120 | sort -u)
	while read -r f; do
		grep -qx "$f" <<<"$orig" || bad=$((bad + 1))
	done < <(frames "$VT_RUN/monu.pcap")
	check "[$ENGINE] every copy equals the head of an original" test "$bad" -eq 0
	check "[$ENGINE] counters: matched $N, copies $n_mon, sampled out $((N - n_mon))" \
		test "$(stat_of cut matched_pkts)" -eq $N -a "$(stat_of cut copies)" -eq "$n_mon" \
		-a "$(stat_of cut sampled_out)" -eq $((N - n_mon))
	eng_cut_counted "$n_mon"
}
