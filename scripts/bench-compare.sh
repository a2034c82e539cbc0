#!/usr/bin/env bash
# Part `compare` of `make bench` (sourced by scripts/bench.sh, which has set up
# the vtb namespace topology, csv(), median(), measure helpers and vtapd_start):
# every way of tapping vm1's frames on the same traffic, interleaved, repeated,
# medians. See docs/benchmarks.md, "The comparison".
#
# Variants
#   none            Linux bridge, no tap
#   vtapN / vtapN-10  vtap with N = 1, 64, 1024, 4096 rules; the one that copies
#                   is the last in priority order; all of vm1's frames match it,
#                   or (-10) about 10% of them (UDP source port 4000 of 4000-4009)
#   mirred / mirred64 / mirred64-10
#                   tc u32 + mirred on vm1's port: one match-all filter; 63
#                   filters that never match then the copying one (64 rules)
#   ovs-mirror      VMs on an OVS bridge (user-space datapath, AF_XDP ports):
#                   in_port forwarding + a port mirror of vm1's port to mon
#   ovs-group / ovs-group-10   OpenFlow group table type=all (bucket 1 the VM,
#                   bucket 2 the monitor) — the original design — in OVS
#   dpdk-group / dpdk-group-10 the same in OVS-DPDK (net_af_xdp PMD ports)
# Traffic: trafgen UDP frames of 64, 512 and 1500 bytes (one process,
# saturating), and an iperf3 TCP stream. Metrics per run: originals and copies
# per second and their loss, CPU time per delivered copy (/proc/stat), a
# sampled byte-for-byte comparison (monitor vs receiver), request/response
# latency (ping RTT) with no load. Then the original experiment: offered load
# from 10 Mbit/s upwards, receiver's and monitor's counts at each step, plot.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/ovs-lib.sh"
CMP_SECS=${CMP_SECS:-3}
CMP_REPEATS=${CMP_REPEATS:-3}
CMP_SIZES=${CMP_SIZES:-64 512 1500}
CMP_VARIANTS=${CMP_VARIANTS:-none vtap1 vtap64 vtap1024 vtap4096 vtap1-10 vtap64-10 vtap1024-10 vtap4096-10 mirred mirred64 mirred64-10 ovs-mirror ovs-group ovs-group-10 dpdk-group dpdk-group-10}
CMP_STEPS=${CMP_STEPS:-10 20 50 100 200 400 800 0}
CMP_STEP_VARIANTS=${CMP_STEP_VARIANTS:-none vtap1 mirred ovs-group dpdk-group}
OVSD=$VT_RUN/ovs
DOCS=${CMP_DOCS:-docs}
# part `sinks`' results, when it ran before (an associative array either way)
declare -p S >/dev/null 2>&1 || declare -A S

cpu_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
HZ=$(getconf CLK_TCK)

# cmp_policies N PCT: N policies on ${VT_PREFIX}-vm1 (out), the copying one last
cmp_policies() {
	local n=$1 pct=$2 i
	rm -f "$VT_POL"/*.yaml
	{
		echo "monitors:"
		echo "  - { name: m, type: local, port: ${VT_PREFIX}-mon }"
		echo "policies:"
		for ((i = 1; i < n; i++)); do
			echo "  - { name: r$i, priority: $i, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, destination: { cidr: 10.200.$((i / 250)).$((i % 250 + 1))/32 }, monitor: m }"
		done
		if [ "$pct" = 10 ]; then
			echo "  - { name: hit, priority: $n, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, match: { protocol: udp, src_ports: [4000] }, monitor: m }"
		else
			echo "  - { name: hit, priority: $n, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, monitor: m }"
		fi
	} >"$VT_POL/cmp.yaml"
}

# the VMs' host ports leave the Linux bridge for OVS, and come back
ports_to_ovs() {
	local flavour=$1 p
	# OVS's AF_XDP ports take frames as the VM's veth sends them: with TX
	# checksum offload the TCP/UDP checksum is never filled in and the
	# receiver drops the segment (iperf3 moves nothing); so off, as in
	# OVS's AF_XDP documentation
	for p in vm1 vm2; do nsx $p ethtool -K eth0 tx off >/dev/null 2>&1; done
	for p in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$p" nomaster; done
	if [ "$flavour" = dpdk ]; then
		OVS_DPDK_HUGEPAGES=256 ovs_start "$OVSD" dpdk >/dev/null || return 1
	else
		ovs_start "$OVSD" >/dev/null || return 1
	fi
	ovs_add_br ${VT_PREFIX}-obr >/dev/null || return 1
	if [ "$flavour" = dpdk ]; then
		ovs_add_dpdk_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-vm1 vm1 1 >/dev/null &&
			ovs_add_dpdk_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-vm2 vm2 2 >/dev/null &&
			ovs_add_dpdk_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-mon mon 3 >/dev/null || return 1
	else
		ovs_add_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-vm1 1 >/dev/null &&
			ovs_add_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-vm2 2 >/dev/null &&
			ovs_add_afxdp_port ${VT_PREFIX}-obr ${VT_PREFIX}-mon 3 >/dev/null || return 1
	fi
	ovs_ofctl add-flow ${VT_PREFIX}-obr "priority=10,in_port=2,actions=output:1"
}
ports_back() {
	ovs_stop "$OVSD" >/dev/null 2>&1
	for p in vm1 vm2; do nsx $p ethtool -K eth0 tx on >/dev/null 2>&1; done
	for p in ${VT_PREFIX}-vm1 ${VT_PREFIX}-vm2; do ip link set "$p" master ${VT_PREFIX}-br; ip link set "$p" up; done
	ip link set ${VT_PREFIX}-mon up
}

# variant_up V: set the variant up (0) or say why not (1)
variant_up() {
	local v=$1 n pct i
	case $v in
	none) return 0 ;;
	vtap*)
		n=${v#vtap}; pct=100
		case $n in *-10) n=${n%-10}; pct=10 ;; esac
		cmp_policies "$n" "$pct"
		vtapd_start || return 1
		for _ in $(seq 100); do
			tc filter show dev ${VT_PREFIX}-vm1 ingress 2>/dev/null | grep -q vtap_tc_out &&
				{ sink_on ${VT_PREFIX}-mon || guard_on ${VT_PREFIX}-mon; } && return 0
			sleep 0.05
		done
		return 1 ;;
	mirred)
		tc qdisc add dev ${VT_PREFIX}-vm1 clsact &&
			tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 1 u32 \
				match u32 0 0 action mirred egress mirror dev ${VT_PREFIX}-mon ;;
	mirred64*)
		tc qdisc add dev ${VT_PREFIX}-vm1 clsact || return 1
		for ((i = 1; i < 64; i++)); do
			tc filter add dev ${VT_PREFIX}-vm1 ingress protocol ip prio "$i" u32 \
				match ip dst "10.200.$((i / 250)).$((i % 250 + 1))/32" \
				action mirred egress mirror dev ${VT_PREFIX}-mon || return 1
		done
		if [ "$v" = mirred64-10 ]; then
			tc filter add dev ${VT_PREFIX}-vm1 ingress protocol ip prio 64 u32 \
				match ip protocol 17 0xff match ip sport 4000 0xffff \
				action mirred egress mirror dev ${VT_PREFIX}-mon
		else
			tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 64 u32 \
				match u32 0 0 action mirred egress mirror dev ${VT_PREFIX}-mon
		fi ;;
	ovs-mirror)
		ports_to_ovs afxdp || return 1
		ovs_ofctl add-flow ${VT_PREFIX}-obr "priority=10,in_port=1,actions=output:2" &&
			ovs_vsctl -- --id=@p get port ${VT_PREFIX}-vm1 -- --id=@o get port ${VT_PREFIX}-mon \
				-- --id=@m create mirror name=m select-src-port=@p output-port=@o \
				-- set bridge ${VT_PREFIX}-obr mirrors=@m >/dev/null ;;
	ovs-group* | dpdk-group*)
		case $v in dpdk*) ports_to_ovs dpdk || return 1 ;; *) ports_to_ovs afxdp || return 1 ;; esac
		ovs_ofctl -O OpenFlow13 add-group ${VT_PREFIX}-obr \
			"group_id=1,type=all,bucket=output:2,bucket=output:3" || return 1
		if [ "${v%-10}" != "$v" ]; then
			ovs_ofctl -O OpenFlow13 add-flow ${VT_PREFIX}-obr \
				"priority=20,in_port=1,udp,tp_src=4000,actions=group:1" &&
				ovs_ofctl add-flow ${VT_PREFIX}-obr "priority=10,in_port=1,actions=output:2"
		else
			ovs_ofctl -O OpenFlow13 add-flow ${VT_PREFIX}-obr "priority=10,in_port=1,actions=group:1"
		fi ;;
	*) return 1 ;;
	esac
}

variant_down() {
	case $1 in
	vtap*) vtapd_stop ;;
	mirred*) tc qdisc del dev ${VT_PREFIX}-vm1 clsact 2>/dev/null ;;
	ovs-* | dpdk-*) ports_back ;;
	esac
	tc qdisc del dev ${VT_PREFIX}-vm1 clsact 2>/dev/null
	tc qdisc del dev ${VT_PREFIX}-mon clsact 2>/dev/null
	# a sink a vtapd left on TCX (killed) would drop the next variant's copies
	if sink_on ${VT_PREFIX}-mon; then
		echo "bench-compare: vtap_sink left on ${VT_PREFIX}-mon after $1; vtapctl teardown" >&2
		ctl teardown >/dev/null 2>&1
	fi
	return 0
}

# trafgen_cfg SIZE PCT: one UDP frame of SIZE bytes (FCS excluded: SIZE - 4),
# source port 4000, or cycling 4000-4009 for the 10% variants
trafgen_cfg() {
	local size=$1 pct=$2 m1 m2 sp=4000
	m1=$(nsx vm1 cat /sys/class/net/eth0/address)
	m2=$(nsx vm2 cat /sys/class/net/eth0/address)
	[ "$pct" = 10 ] && sp="dinc(4000, 4009)"
	cat <<EOF
{
  eth(da=$m2, sa=$m1, type=0x0800),
  ipv4(saddr=10.77.0.1, daddr=10.77.0.99, ttl=64),
  udp(sp=$sp, dp=9),
  fill(0x00, $((size - 4 - 42)))
}
EOF
}

# cmp_run SIZE PCT RATE: trafgen for CMP_SECS after 1 s; prints
# "sent recv copies cpu_ns_per_copy exact" (per second, exact = yes/no/-)
cmp_run() {
	local size=$1 pct=$2 rate=${3:-0} cfg=$VT_RUN/cmp.cfg gen rateopt=()
	trafgen_cfg "$size" "$pct" >"$cfg"
	[ "$rate" != 0 ] && rateopt=(-b "${rate}Mbit")
	ip netns exec ${VT_PREFIX}-vm1 timeout $((CMP_SECS + 3)) \
		trafgen -o eth0 -i "$cfg" -P 1 -C -Q "${rateopt[@]}" >/dev/null 2>&1 &
	gen=$!
	sleep 1
	local tx0 rx0 cp0 c0 tx1 rx1 cp1 c1
	# a sample of frames at both ends, for the byte-for-byte check
	ip netns exec ${VT_PREFIX}-vm2 timeout 2 tcpdump -i eth0 -nn -s 0 -B 16384 -c 200 -w "$VT_RUN/s-vm2.pcap" udp port 9 2>/dev/null &
	local s1=$!
	ip netns exec ${VT_PREFIX}-mon timeout 2 tcpdump -i eth0 -nn -s 0 -B 16384 -c 200 -w "$VT_RUN/s-mon.pcap" udp port 9 2>/dev/null &
	local s2=$!
	tx0=$(stat_ns vm1 tx_packets); rx0=$(stat_ns vm2 rx_packets); cp0=$(stat_ns mon rx_packets); c0=$(cpu_busy)
	sleep "$CMP_SECS"
	tx1=$(stat_ns vm1 tx_packets); rx1=$(stat_ns vm2 rx_packets); cp1=$(stat_ns mon rx_packets); c1=$(cpu_busy)
	kill "$gen" 2>/dev/null; wait "$gen" 2>/dev/null
	wait "$s1" "$s2" 2>/dev/null
	local exact=-
	if [ -s "$VT_RUN/s-mon.pcap" ] && [ "$(count "$VT_RUN/s-mon.pcap")" -gt 0 ]; then
		# every sampled copy is byte for byte a frame the receiver got
		if comm -23 <(frames "$VT_RUN/s-mon.pcap" | sort -u) <(frames "$VT_RUN/s-vm2.pcap" | sort -u) | grep -q .; then
			exact=no
		else
			exact=yes
		fi
	fi
	rm -f "$VT_RUN"/s-*.pcap
	sleep 0.2
	awk -v s="$CMP_SECS" -v a="$((tx1 - tx0))" -v b="$((rx1 - rx0))" -v c="$((cp1 - cp0))" \
		-v cpu="$((c1 - c0))" -v hz="$HZ" -v e="$exact" \
		'BEGIN { printf "%.0f %.0f %.0f %.0f %s\n", a / s, b / s, c / s, (c > 0 ? cpu / hz * 1e9 / c : 0), e }'
}

# cmp_step RATE: RATE Mbit/s of 512-byte frames, counted whole: a fixed number
# of frames, counters read before trafgen starts and after everything
# arrived (a rate-limited trafgen sends in bursts, which a time window would
# cut at random). Prints "sent recv copies" per second of sending.
cmp_step() {
	local rate=$1 cfg=$VT_RUN/cmp.cfg n tx0 rx0 cp0 tx1 rx1 cp1 t0 t1
	trafgen_cfg 512 100 >"$cfg"
	n=$(awk -v r="$rate" -v s="$CMP_SECS" 'BEGIN { printf "%d", r * 1e6 * s / (512 * 8) }')
	tx0=$(stat_ns vm1 tx_packets); rx0=$(stat_ns vm2 rx_packets); cp0=$(stat_ns mon rx_packets)
	t0=$(date +%s%N)
	ip netns exec ${VT_PREFIX}-vm1 timeout $((CMP_SECS * 4 + 5)) \
		trafgen -o eth0 -i "$cfg" -P 1 -C -Q -b "${rate}Mbit" -n "$n" >/dev/null 2>&1
	t1=$(date +%s%N)
	sleep 0.5
	tx1=$(stat_ns vm1 tx_packets); rx1=$(stat_ns vm2 rx_packets); cp1=$(stat_ns mon rx_packets)
	awk -v d="$(( (t1 - t0) / 1000 ))" -v a="$((tx1 - tx0))" -v b="$((rx1 - rx0))" -v c="$((cp1 - cp0))" \
		'BEGIN { s = d / 1e6; printf "%.0f %.0f %.0f %d %d %d\n", a / s, b / s, c / s, a, b, c }'
}

# iperf3 for CMP_SECS: "received_Mbit copies_per_received_frame"
cmp_iperf() {
	local rx0 rx1 cp0 cp1 bps
	nsx vm2 timeout $((CMP_SECS + 5)) iperf3 -s -1 -B 10.77.0.2 >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	rx0=$(stat_ns vm2 rx_packets); cp0=$(stat_ns mon rx_packets)
	bps=$(nsx vm1 iperf3 -c 10.77.0.2 -t "$CMP_SECS" -J 2>/dev/null |
		json_of '.end.sum_received.bits_per_second | floor')
	rx1=$(stat_ns vm2 rx_packets); cp1=$(stat_ns mon rx_packets)
	wait "$srv" 2>/dev/null
	awk -v b="${bps:-0}" -v r="$((rx1 - rx0))" -v c="$((cp1 - cp0))" \
		'BEGIN { printf "%.1f %.3f\n", b / 1e6, (r > 0 ? c / r : 0) }'
}

cmp_rtt() { nsx vm1 ping -c 50 -i 0.02 -q 10.77.0.2 2>/dev/null | awk -F/ '/^rtt/ { print $5 * 1000 }'; }

pct_of() { case $1 in *-10) echo 10 ;; *) echo 100 ;; esac; }
# the alternative a variant is compared with: the same share of frames copied
ref_mirred() {
	case $1 in
	vtap64-10 | vtap1024-10 | vtap4096-10 | mirred64-10) echo mirred64-10 ;;
	vtap64 | vtap1024 | vtap4096 | mirred64) echo mirred64 ;;
	*-10) echo none-10 ;; # no 1-filter 10% mirred variant: no ratio
	*) echo mirred ;;
	esac
}
ref_group() { case $1 in *-10) echo ovs-group-10 ;; *) echo ovs-group ;; esac; }

echo
echo "== the comparison: every way of tapping vm1's frames, same traffic (trafgen UDP"
echo "   ${CMP_SIZES// /, } bytes, one process; iperf3), ${CMP_SECS} s per run, ${CMP_REPEATS} interleaved"
echo "   repeats, medians. copies counted at mon's eth0, originals at vm2's eth0."
declare -A C
for rep in $(seq "$CMP_REPEATS"); do
	for v in $CMP_VARIANTS; do
		if ! variant_up "$v"; then
			echo "   run $rep $v: could not be set up; skipped" >&2
			variant_down "$v"
			status=1
			continue
		fi
		for size in $CMP_SIZES; do
			set -- $(cmp_run "$size" "$(pct_of "$v")")
			csv compare "sent_pps_${v}_$size" 1 "$rep" "$1" pps
			csv compare "recv_pps_${v}_$size" 1 "$rep" "$2" pps
			csv compare "copies_pps_${v}_$size" 1 "$rep" "$3" pps
			csv compare "cpu_ns_per_copy_${v}_$size" 1 "$rep" "$4" ns
			C[$v.$size.sent]+="$1 "; C[$v.$size.recv]+="$2 "; C[$v.$size.copy]+="$3 "; C[$v.$size.cpu]+="$4 "
			[ "$5" = no ] && C[$v.inexact]=1
			[ "$5" = yes ] && C[$v.exact]=1
			printf '   run %d %-14s %5d B  sent %8s  received %8s  copies %8s  cpu/copy %7s ns  exact %s\n' \
				"$rep" "$v" "$size" "$1" "$2" "$3" "$4" "$5"
		done
		set -- $(cmp_iperf)
		csv compare "iperf_mbit_$v" 1 "$rep" "$1" Mbit/s
		csv compare "iperf_copy_ratio_$v" 1 "$rep" "$2" x
		C[$v.tcp]+="$1 "; C[$v.tcpc]+="$2 "
		if [ "$rep" = 1 ]; then
			r=$(cmp_rtt); C[$v.rtt]=${r:-0}
			csv compare "rtt_us_$v" 1 "$rep" "${r:-0}" us
		fi
		printf '   run %d %-14s iperf3 %s Mbit/s, copies per received frame %s%s\n' "$rep" "$v" "$1" "$2" \
			"$([ "$rep" = 1 ] && echo ", ping RTT ${C[$v.rtt]} us")"
		variant_down "$v"
	done
done

cm() { echo "${C[$1]:-}" | tr ' ' '\n' | grep . | median; }
ratio() { awk -v a="${1:-}" -v b="${2:-0}" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
TABLE=$VT_RUN/compare.md
{
	echo "| variant | size | sent/s | received/s | original loss | copies/s | copies ÷ received | CPU ns/copy | copies ÷ mirred | copies ÷ OVS group | copies/CPU-s ÷ OVS group |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for v in $CMP_VARIANTS; do
		for size in $CMP_SIZES; do
			s=$(cm "$v.$size.sent"); r=$(cm "$v.$size.recv"); c=$(cm "$v.$size.copy"); u=$(cm "$v.$size.cpu")
			[ -n "$s" ] || continue
			oloss=$(awk -v s="$s" -v r="$r" 'BEGIN { printf "%.1f%%", (s > 0 && r < s ? (s - r) / s * 100 : 0) }')
			share=$(awk -v c="${c:-0}" -v r="$r" 'BEGIN { printf "%.3f", (r > 0 ? c / r : 0) }')
			mref=$(cm "$(ref_mirred "$v").$size.copy")
			gref=$(cm "$(ref_group "$v").$size.copy")
			gcpu=$(cm "$(ref_group "$v").$size.cpu")
			eff=$(awk -v a="${u:-0}" -v b="${gcpu:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "-" }')
			printf '| %s | %s | %.0f | %.0f | %s | %.0f | %s | %.0f | %s | %s | %s |\n' "$v" "$size" "$s" "$r" "$oloss" "${c:-0}" \
				"$share" "${u:-0}" "$(ratio "$c" "$mref")" "$(ratio "$c" "$gref")" "$eff"
		done
	done
	# vtap's capture and ovs sinks, from part `sinks` of this run (64 B)
	if [ -n "${S[local.copy]:-}" ]; then
		for v in capture ovs-afxdp ovs-dpdk; do
			c=$(echo "${S[$v.copy]:-}" | tr ' ' '\n' | grep . | median)
			[ -n "$c" ] || continue
			printf '| vtap → %s monitor (part sinks) | 64 | %s | | | %.0f | | | %s | %s | |\n' "$v" \
				"$(echo "${S[$v.sent]:-}" | tr ' ' '\n' | grep . | median)" "$c" \
				"$(ratio "$c" "$(cm mirred.64.copy)")" "$(ratio "$c" "$(cm ovs-group.64.copy)")"
		done
	fi
	echo
	echo "| variant | iperf3 Mbit/s | copies per received frame | ping RTT µs (no load) | RTT added µs | sampled copies byte-exact |"
	echo "|---|---:|---:|---:|---:|---|"
	for v in $CMP_VARIANTS; do
		t=$(cm "$v.tcp"); [ -n "$t" ] || continue
		printf '| %s | %s | %s | %s | %s | %s |\n' "$v" "$t" "$(cm "$v.tcpc")" "${C[$v.rtt]:-}" \
			"$(awk -v a="${C[$v.rtt]:-0}" -v b="${C[none.rtt]:-0}" 'BEGIN { printf "%.0f", a - b }')" \
			"$([ "$v" = none ] && echo - || { [ -n "${C[$v.inexact]:-}" ] && echo NO || { [ -n "${C[$v.exact]:-}" ] && echo yes || echo "not sampled"; }; })"
	done
} >"$TABLE"
cat "$TABLE"

# targets of design §7 and issue 18 that this part measures
t1=$(ratio "$(cm vtap1.64.copy)" "$(cm mirred.64.copy)")
t2=$(ratio "$(cm vtap64.64.copy)" "$(cm mirred64.64.copy)")
t3=$(awk -v a="$(cm vtap1.64.cpu)" -v b="$(cm ovs-group.64.cpu)" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else print "-" }')
# TCP with every frame copied: vtap (1 rule) and tc mirred, each ÷ no tap
t4=$(ratio "$(cm vtap1.tcp)" "$(cm none.tcp)")
t4m=$(ratio "$(cm mirred.tcp)" "$(cm none.tcp)")
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "-") print "not measured"; else print (r + 0 >= t ? "MET" : "NOT MET") }'; }
# what the same share copied through the untapped path itself allows: a tap
# cannot make the sender faster than no tap (everything runs on its CPU)
bound() { ratio "$(cm none.64.recv)" "$(cm "$1".64.copy)"; }
echo "target copies/s 1 rule / tc u32 match-all + mirred >= 1.1x (64 B): ${t1}x -> $(verdict "$t1" 1.1) (no tap / mirred: $(bound mirred)x)"
echo "target copies/s 64 rules / 63 non-matching u32 + the copying one >= 2x (64 B): ${t2}x -> $(verdict "$t2" 2) (no tap / mirred64: $(bound mirred64)x)"
echo "target copies per CPU-second / OVS group table >= 3x (64 B): ${t3}x -> $(verdict "$t3" 3)"
echo "target TCP throughput, every frame copied / no tap >= 0.92x and ahead of mirred (iperf3): vtap ${t4}x, mirred ${t4m}x -> $(awk -v v="$t4" -v m="$t4m" 'BEGIN { if (v == "-" || m == "-") print "not measured"; else print (v + 0 >= 0.92 && v + 0 > m + 0 ? "MET" : "NOT MET") }')"
csv compare summary_ratio_vtap1_mirred 1 -1 "$t1" x
csv compare summary_ratio_vtap64_mirred64 1 -1 "$t2" x
csv compare summary_cpu_ratio_group_vtap1 1 -1 "$t3" x
csv compare summary_tcp_ratio_vtap1_none 1 -1 "$t4" x
csv compare summary_tcp_ratio_mirred_none 1 -1 "$t4m" x

# ---- the original experiment: rising offered load ----
echo
echo "== offered load rising (512-byte UDP frames, Mbit/s; 0 = unlimited): receiver and"
echo "   monitor packet counts per step, ${CMP_SECS} s per step"
STEPS=$VT_RUN/steps.dat
: >"$STEPS"
lossless_violations=0
for v in $CMP_STEP_VARIANTS; do
	variant_up "$v" || { echo "   $v: could not be set up" >&2; variant_down "$v"; status=1; continue; }
	echo "# $v" >>"$STEPS"
	for rate in $CMP_STEPS; do
		if [ "$rate" = 0 ]; then
			set -- $(cmp_run 512 100)
			set -- "$1" "$2" "$3" "$(( $1 * CMP_SECS ))" "$(( $2 * CMP_SECS ))" "$(( $3 * CMP_SECS ))"
		else
			set -- $(cmp_step "$rate")
		fi
		offered=$(awk -v s="$1" 'BEGIN { printf "%.1f", s * 512 * 8 / 1e6 }')
		csv steps "sent_pps_${v}_$rate" 1 0 "$1" pps
		csv steps "recv_pps_${v}_$rate" 1 0 "$2" pps
		csv steps "copies_pps_${v}_$rate" 1 0 "$3" pps
		printf '   %-12s step %4s Mbit/s: sent %8s/s (%7s Mbit/s)  received %8s/s  copies %8s/s  (frames %s / %s / %s)\n' \
			"$v" "$rate" "$1" "$offered" "$2" "$3" "$4" "$5" "$6"
		echo "$offered $4 $5 $6" >>"$STEPS"
		# a copy lost where the original path lost nothing (whole counts for
		# the limited steps; 0.1% window skew allowed for the unlimited one)
		if [ "$v" != none ] && awk -v s="$4" -v r="$5" -v c="$6" 'BEGIN { exit !(r >= s * 0.999 && c < r * 0.999) }'; then
			lossless_violations=$((lossless_violations + 1))
			echo "     ^ copies lost at a load the original path carried without loss"
		fi
	done
	printf '\n\n' >>"$STEPS"
	variant_down "$v"
done
vtap_viol=$(awk '/^# / { v = $2 } v == "vtap1" && NF == 4 && $3 >= $2 * 0.999 && $4 < $3 * 0.999 { n++ } END { print n + 0 }' "$STEPS")
if grep -q '^# vtap1$' "$STEPS"; then
	echo "target no copy lost at loads the untapped path carries (vtap, 1 rule): $vtap_viol step(s) with a loss -> $([ "$vtap_viol" = 0 ] && echo MET || echo NOT MET)"
else
	echo "target no copy lost at loads the untapped path carries (vtap, 1 rule): not measured (vtap1 not in CMP_STEP_VARIANTS)"
fi
csv steps summary_vtap1_lossy_steps 1 -1 "$vtap_viol" steps

# plot_steps STEPS PNG VARIANTS...: two panels, originals delivered ÷ sent
# and copies ÷ originals delivered, against the offered load
plot_steps() {
	local steps=$1 png=$2 i=0 v p1= p2=
	shift 2
	for v in "$@"; do
		p1+="\"$steps\" index $i using 1:(\$2 > 0 ? \$3/\$2 : 0) with linespoints title \"$v\", "
		[ "$v" != none ] && p2+="\"$steps\" index $i using 1:(\$3 > 0 ? \$4/\$3 : 0) with linespoints title \"$v\", "
		i=$((i + 1))
	done
	gnuplot <<EOF
set terminal pngcairo size 900,800
set output "$png"
set multiplot layout 2,1 title "Offered load rising: 512-byte UDP vm1 -> vm2 (make bench, part compare)"
set logscale x
set grid
set key bottom left
set xlabel "offered load (Mbit/s, measured at the sender)"
set yrange [0.5:1.05]
set ylabel "originals received ÷ sent"
plot ${p1%, }
set yrange [0.5:1.05]
set ylabel "copies ÷ originals received"
plot ${p2%, }
unset multiplot
EOF
}

if command -v gnuplot >/dev/null && [ -s "$STEPS" ]; then
	mkdir -p "$DOCS"
	# shellcheck disable=SC2086
	plot_steps "$STEPS" "$DOCS/bench-load.png" $CMP_STEP_VARIANTS && echo "plot: $DOCS/bench-load.png"
fi
cp "$TABLE" "$OUT/bench/compare.md"
cp "$STEPS" "$OUT/bench/steps.dat"
