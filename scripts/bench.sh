#!/usr/bin/env bash
# `make bench`: every vtap benchmark in one run, side by side (2-core host:
# report ratios measured together, never absolute numbers alone).
#   swap      tests/bench/bench_swap: parse / compile / atomic swap of 1..4096
#             rules, BPF map memory
#   classify  tests/bench/bench_classify: classifier and copy cost with
#             BPF_PROG_TEST_RUN; tests/bench/bench_classify_parts: the
#             classifier's steps one at a time, 1 rule against 4096
#   copy      tests/bench/bench_copy: where the time of one copy goes in the
#             kernel (BPF_PROG_TEST_RUN, piece by piece: the bare helper, an
#             egress program, the sink program through clsact and TCX, the
#             tap), and the target per copy / bare bpf_clone_redirect
#   traffic   real frames in namespaces (tests/ns/lib.sh, prefix $BENCH_PREFIX, default vtb): copies
#             per second of vtap (one match-all rule) vs tc mirred (u32 match-all;
#             cls_matchall is not built into this kernel),
#             trafgen 64-byte UDP from vm1 to vm2, copies counted at the monitor;
#             and vtap's program as a non-direct-action cls_bpf classifier (one
#             `action: skip` rule: classifies, counts, returns -1 = match) with a
#             mirred action (design §5), loaded and pinned by tests/bench/bench_pin
#             and vtapd's tap with that skip rule (direct-action, as vtapd attaches it)
#             followed by a u32 match-all + mirred filter: the best a copy by mirred
#             behind vtap's classifier could do (skipmirred)
#   sinks     the same trafgen load, copies per second delivered through each
#             kind of monitor, side by side: local (mon's eth0), capture
#             (records vtapd wrote to a pcapng file), ovs with OVS's AF_XDP
#             netdev and with OVS-DPDK's net_af_xdp PMD (mon's eth0, an OVS
#             system port); private OVS instances from scripts/ovs-lib.sh;
#             MET / NOT MET for capture and ovs >= 0.95x local (design §7).
#             For each also an iperf3 TCP stream (TSO: the capture's and
#             the ovs monitors' copies of its super-frames go through the
#             ring; vtapd segments the ovs ones): Mbit/s with each, the
#             copies lost on the way and the frames at the monitor. Also
#             ovs-afxdp-cc: OVS AF_XDP with vtapd --complete-checksums (the
#             kernel segments the copies on the sink veth, checksums
#             finished). BENCH_SINKS picks variants (default all five)
#             First tests/bench/bench_sinks: what one copy costs the sending
#             CPU in the kernel by monitor kind (BPF_PROG_TEST_RUN; load-
#             independent, unlike the traffic rates on a shared host)
#   drain     tests/bench/bench_drain: vtapd's drain of the XDP tap's ring
#             into pcapng alone, one core and two; MET / NOT MET for
#             >= 2 M records/s per core (design §7)
#   compare   every way of tapping on the same traffic: vtap with 1..4096 rules,
#             tc u32 + mirred, OVS port mirror, OpenFlow group tables in OVS and
#             OVS-DPDK; 64/512/1500-byte frames and iperf3; rising offered load
#             with a plot (scripts/bench-compare.sh; CMP_* tune it)
#   vtapd     vtapd's resident memory with 4096 rules; port appears -> tapped
#   dpdk      the kernel-bypass comparison: the same trafgen load forwarded from
#             vm1 to vm2 and mirrored to mon, by the kernel path (vm1's port on
#             the bridge, vtapd's eBPF tap) and by vtap-dpdk (vm1's port off the
#             bridge, net_af_xdp bump in the wire to a veth on the bridge);
#             forwarded = frames at vm2, mirrored = frames at mon, per second
#   xdp       the XDP tap against the TC tap: tests/bench/bench_xdp
#             (BPF_PROG_TEST_RUN: classification under each hook, frames not
#             copied; cost per copy of XDP + ring buffer, TC + clone_redirect,
#             TC + ring buffer), then the trafgen load above: copies per second
#             of XDP + ring buffer (vtapd --attach xdp, capture monitor), TC +
#             bpf_clone_redirect (--attach tc, capture and local monitors) and
#             tc u32 + mirred (local), side by side
#   cluster   scripts/bench-cluster.sh: a cluster edit reaching 1, 10 and 100
#             vtapd nodes (namespaces without VM ports) on a three-member
#             etcd, sets of 10 and 4096 rules: apply and notification times,
#             what a node adds to etcd's load, the vtapds' memory
# Needs root. Raw results: $OUT/bench/results.csv (one line per run).
# BENCH_PARTS selects parts (default: all); TRAFFIC_SECS, TRAFFIC_REPEATS,
# CLASSIFY_ROUNDS, COPY_ROUNDS, SWAP_RUNS tune the run lengths; CLASSIFY_SIZES the rule
# counts of part classify (`make bench-classify`: 1,16,256,4096).
# BENCH_PREFIX (default vtb) names the namespaces and links, so a run never
# meets another's; BENCH_NICE (default 0) is the nice level of the sender
# and the sink side during real-traffic runs (-20 on a host shared with
# other load).
set -u
OUT=${OUT:-build}
BENCH_PARTS=${BENCH_PARTS:-swap classify copy traffic sinks drain compare vtapd dpdk xdp cluster}
TRAFFIC_SECS=${TRAFFIC_SECS:-3}
TRAFFIC_REPEATS=${TRAFFIC_REPEATS:-3}
CLASSIFY_ROUNDS=${CLASSIFY_ROUNDS:-5}
COPY_ROUNDS=${COPY_ROUNDS:-21}
CLASSIFY_SIZES=${CLASSIFY_SIZES:-1,16,64,256,1024,4096}
SWAP_RUNS=${SWAP_RUNS:-7}
# the BPF map memory target (issue 18; bench_swap checks its own loader against
# the same figure): MiB, all of vtapd's maps at the default limits
MAP_MEM_TARGET_MIB=16
BIN=$OUT/bench
RES=$OUT/bench/results.csv

if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: needs root (BPF, namespaces)" >&2
	exit 1
fi
mkdir -p "$OUT/bench"
echo "bench,metric,n_rules,run,value,unit" >"$RES"
RULES=$(mktemp -d /tmp/vtap-bench-rules.XXXXXX)
status=0

# csv BENCH METRIC N RUN VALUE UNIT
csv() { local IFS=,; echo "$*" >>"$RES"; }
has() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
# map_memlock PID: bytes of BPF map memory, as bpftool reports it
# (bytes_memlock), of every map the process holds an fd of, each map once
# (vtapd's TC and XDP objects hold the same pinned maps): pinned or not,
# libbpf's own (.rodata) included
map_memlock() {
	local id b mem=0 ids
	ids=$(awk '/^map_id:/ { print $2 }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un)
	[ -n "$ids" ] || { echo "bench.sh: no BPF map held by pid $1" >&2; return 1; }
	for id in $ids; do
		b=$(bpftool -j map show id "$id" | json_of .bytes_memlock) || return 1
		mem=$((mem + b))
	done
	echo "$mem"
}
# nothing for no input (not 0: a run where nothing was measured)
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== machine"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "nproc $(nproc), kernel $(uname -r), CPU ${cpu:-unknown}, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
# a shared host's other work shows in every real-traffic figure: say how busy it was
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (at the start)"
echo "git $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- 2>/dev/null || echo '+dirty')"
csv machine nproc 0 0 "$(nproc)" cpus
csv machine "kernel=$(uname -r)" 0 0 0 info
csv machine "cpu=${cpu//,/ }" 0 0 0 info

"$BIN/bench_swap" --emit "$RULES" || { echo "bench.sh: cannot generate rule sets" >&2; exit 1; }

if has swap; then
	"$BIN/bench_swap" --runs "$SWAP_RUNS" --csv "$RES" || status=1
fi

if has copy; then
	"$BIN/bench_copy" --rounds "$COPY_ROUNDS" --csv "$RES" || status=1
fi

if has classify; then
	"$BIN/bench_classify" --rules "$RULES" --rounds "$CLASSIFY_ROUNDS" --sizes "$CLASSIFY_SIZES" \
		--csv "$RES" || status=1
	# the miss path step by step (docs/architecture.md)
	"$BIN/bench_classify_parts" --rules "$RULES" --rounds "$CLASSIFY_ROUNDS" || status=1
fi

if has drain; then
	"$BIN/bench_drain" --rounds "$CLASSIFY_ROUNDS" --csv "$RES" || status=1
fi

if has sinks; then
	"$BIN/bench_sinks" --rounds "$CLASSIFY_ROUNDS" --csv "$RES" || status=1
fi

# ---- real traffic in namespaces ----
if has xdp; then
	"$BIN/bench_xdp" --rules "$RULES" --rounds "$CLASSIFY_ROUNDS" --csv "$RES" || status=1
fi

if has traffic || has sinks || has compare || has vtapd || has dpdk || has xdp; then
	VT_PREFIX=${BENCH_PREFIX:-vtb}
	. "$(dirname "$0")/../tests/ns/lib.sh"
	cleanup() {
		for p in "${GEN_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
		[ -n "${VDP_PID:-}" ] && kill "$VDP_PID" 2>/dev/null && wait "$VDP_PID" 2>/dev/null
		vtapd_stop
		[ -n "${OVSD:-}" ] && ovs_stop "$OVSD" >/dev/null 2>&1
		tc qdisc del dev ${VT_PREFIX}-vm1 clsact 2>/dev/null
		rm -rf "$CM_PIN"
		topo_down
		rm -rf "$RULES"
	}
	trap cleanup EXIT
	GEN_PIDS=()
	# the "vtap classifier + mirred" variant's own pins (not vtapd's)
	CM_PIN=${VT_PIN}-cm
	# leftovers of an interrupted run
	for ns in $(ip netns list | awk '{print $1}' | grep "^${VT_PREFIX}-"); do ip netns del "$ns"; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${VT_PREFIX}-"); do
		ip link del "$l" 2>/dev/null
	done
	topo_up
else
	trap 'rm -rf "$RULES"' EXIT
fi

declare -A PM RSS MAPMEM
stat_ns() { nsx "$1" cat "/sys/class/net/eth0/statistics/$2"; }
# where copies are counted: the monitor's eth0, or a capture's records
COPIES_AT=mon
copies_now() {
	if [ "$COPIES_AT" = capture ]; then
		ctl_json '.monitor_sinks[0].written' status
	else
		stat_ns mon rx_packets
	fi
}

# CPU time (ns) of every thread of the given processes, and the threads
# that receive for the sink: vtapd, the sink peers' NAPI threads
# (kernel/sink_queue.h), the OVS instance of this run
cpu_ns() {
	local s=0 p t a
	for p in "$@"; do
		for t in /proc/$p/task/*/schedstat; do
			read -r a _ <"$t" 2>/dev/null && s=$((s + a))
		done
	done
	echo "$s"
}
sink_pids() {
	echo "${VTAPD_PID:-}" $(pgrep "^napi/${VT_PREFIX}-") \
		$([ -n "${SINK_OVSD:-}" ] && cat "$SINK_OVSD/ovs-vswitchd.pid" 2>/dev/null)
}

# measure VARIANT REPEAT: trafgen in vm1 for TRAFFIC_SECS after a 1 s
# warm-up; prints "sent received copies mon_dropped" per second, then the
# CPU the sender's processes (trafgen, and the softirqs it runs) spent per
# frame sent and the sink side (sink_pids) per copy, in ns. BENCH_NICE
# (default 0) runs both at that nice level: on a shared host, -20 keeps
# other load from deciding the ratios.
measure() {
	local cfg=$VT_RUN/udp64.cfg m1 m2
	m1=$(nsx vm1 cat /sys/class/net/eth0/address)
	m2=$(nsx vm2 cat /sys/class/net/eth0/address)
	# 60 bytes + FCS = 64 on the wire; to an address vm2 does not own (no
	# ICMP replies: vm2 drops it at routing, after counting it received)
	cat >"$cfg" <<EOF
{
  eth(da=$m2, sa=$m1, type=0x0800),
  ipv4(saddr=10.77.0.1, daddr=10.77.0.99, ttl=64),
  udp(sp=4000, dp=9),
  fill(0x00, 18)
}
EOF
	# through timeout(1): its signal reaches trafgen's worker process too
	ip netns exec ${VT_PREFIX}-vm1 nice -n "${BENCH_NICE:-0}" timeout $((TRAFFIC_SECS + 3)) \
		trafgen -o eth0 -i "$cfg" -P 1 -C -Q >/dev/null 2>&1 &
	GEN_PIDS=($!)
	sleep 1
	local tx0 rx0 cp0 dr0 tx1 rx1 cp1 dr1 gen sinkp g0 g1 k0 k1
	gen=$(ip netns pids ${VT_PREFIX}-vm1); sinkp=$(sink_pids)
	[ "${BENCH_NICE:-0}" != 0 ] && renice -n "$BENCH_NICE" -p $sinkp \
		$(for p in $sinkp; do ls "/proc/$p/task" 2>/dev/null; done) >/dev/null 2>&1
	tx0=$(stat_ns vm1 tx_packets); rx0=$(stat_ns vm2 rx_packets)
	cp0=$(copies_now); dr0=$(stat_ns mon rx_dropped)
	g0=$(cpu_ns $gen); k0=$(cpu_ns $sinkp)
	sleep "$TRAFFIC_SECS"
	tx1=$(stat_ns vm1 tx_packets); rx1=$(stat_ns vm2 rx_packets)
	cp1=$(copies_now); dr1=$(stat_ns mon rx_dropped)
	g1=$(cpu_ns $gen); k1=$(cpu_ns $sinkp)
	kill "${GEN_PIDS[0]}" 2>/dev/null; wait "${GEN_PIDS[0]}" 2>/dev/null
	GEN_PIDS=()
	sleep 0.2
	awk -v s="$TRAFFIC_SECS" -v a="$((tx1 - tx0))" -v b="$((rx1 - rx0))" \
		-v c="$((cp1 - cp0))" -v d="$((dr1 - dr0))" -v g="$((g1 - g0))" -v k="$((k1 - k0))" \
		'BEGIN { printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", a / s, b / s, c / s, d / s,
			(a > 0 ? g / a : 0), (c > 0 ? k / c : 0) }'
}

if has traffic; then
	echo
	echo "== copies per second, real traffic: trafgen (1 process) 64-byte UDP vm1 -> vm2,"
	echo "   copies of vm1's frames (ingress of ${VT_PREFIX}-vm1) counted at mon's eth0 rx_packets,"
	echo "   ${TRAFFIC_SECS} s per run, ${TRAFFIC_REPEATS} interleaved repeats, medians (frames/s)"
	cat >"$VT_POL/bench.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - name: all-of-vm1
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    monitor: mon
YAML
	# vtapcls: the same match as vtap's rule, as a skip (no copy, counted)
	cat >"$VT_RUN/skip.yaml" <<YAML
policies:
  - name: all-of-vm1-skip
    source: { ports: [${VT_PREFIX}-vm1] }
    direction: out
    action: skip
YAML
	declare -A R
	for rep in $(seq "$TRAFFIC_REPEATS"); do
		for v in none vtap mirred vtapcls skipmirred; do
			case $v in
			skipmirred)
				# vtapd's tap as it runs (direct-action on clsact, a skip
				# rule: it classifies and counts, copies nothing) with a
				# match-all u32 + mirred filter after it: what a copy by
				# mirred behind vtap's classifier could reach at best (no
				# gate deciding which frames the mirred filter copies)
				cp "$VT_POL/bench.yaml" "$VT_RUN/bench-copy.yaml"
				cp "$VT_RUN/skip.yaml" "$VT_POL/bench.yaml"
				vtapd_start --attach tc || { cp "$VT_RUN/bench-copy.yaml" "$VT_POL/bench.yaml"; status=1; continue; }
				sleep 0.3
				if ! tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 2 u32 \
					match u32 0 0 action mirred egress mirror dev ${VT_PREFIX}-mon ||
					! tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q 'vtap_tc_out.*direct-action'; then
					echo "bench.sh: vtap skip + mirred not attached as intended" >&2
					status=1
				fi
				;;
			vtap)
				vtapd_start || { status=1; continue; }
				sleep 0.3
				if ! tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap_tc_out; then
					echo "bench.sh: vtapd did not attach to ${VT_PREFIX}-vm1" >&2
					status=1
				fi
				;;
			mirred)
				tc qdisc add dev ${VT_PREFIX}-vm1 clsact
				# cls_matchall is not built into this kernel: u32 matching
				# every frame is the match-all classifier here
				tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 1 u32 \
					match u32 0 0 action mirred egress mirror dev ${VT_PREFIX}-mon
				;;
			vtapcls)
				# no vtapd: no direct-action filter on ${VT_PREFIX}-vm1 and no
				# sink program on ${VT_PREFIX}-mon (mirred's copies carry no mark)
				rm -rf "$CM_PIN"
				if ! "$BIN/bench_pin" "$CM_PIN" "$CM_PIN/prog_out" "$VT_RUN/skip.yaml"; then
					echo "bench.sh: bench_pin failed" >&2
					status=1
				fi
				tc qdisc add dev ${VT_PREFIX}-vm1 clsact
				# object-pinned without direct-action: -1 = match, default classid
				tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 1 bpf \
					object-pinned "$CM_PIN/prog_out" \
					action mirred egress mirror dev ${VT_PREFIX}-mon
				if ! tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q vtap_tc_out ||
					tc filter show dev ${VT_PREFIX}-vm1 ingress | grep -q direct-action; then
					echo "bench.sh: vtap classifier + mirred not attached as intended" >&2
					status=1
				fi
				;;
			esac
			line=$(measure)
			case $v in
			vtap) vtapd_stop ;;
			mirred) tc qdisc del dev ${VT_PREFIX}-vm1 clsact ;;
			skipmirred)
				skips=$(stat_of all-of-vm1-skip matched_pkts 2>/dev/null)
				if ! [ "${skips:-0}" -gt 0 ] 2>/dev/null; then
					echo "bench.sh: vtap skip + mirred: the skip rule matched no frame" >&2
					status=1
				fi
				csv traffic skip_matched_frames_skipmirred 1 "$rep" "${skips:-0}" frames
				tc filter del dev ${VT_PREFIX}-vm1 ingress prio 2
				vtapd_stop
				cp "$VT_RUN/bench-copy.yaml" "$VT_POL/bench.yaml"
				;;
			vtapcls)
				# frames the skip rule classified (proof the classifier ran)
				# (no BTF in the pin: each CPU's value is raw bytes in hex,
				# matched_pkts first, little-endian)
				skips=$(bpftool -j map dump pinned "$CM_PIN/vtap_stats" | json_of '
					def le_u64: map(ltrimstr("0x") | explode | reduce .[] as $c (0;
						. * 16 + ($c | if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end)))
						| reverse | reduce .[] as $b (0; . * 256 + $b);
					[.[].values[].value[:8] | le_u64] | total')
				if ! [ "${skips:-0}" -gt 0 ] 2>/dev/null; then
					echo "bench.sh: vtap classifier + mirred: the skip rule matched no frame" >&2
					status=1
				fi
				csv traffic skip_matched_frames_vtapcls 1 "$rep" "${skips:-0}" frames
				tc qdisc del dev ${VT_PREFIX}-vm1 clsact
				rm -rf "$CM_PIN"
				;;
			esac
			# what vtapd left behind would distort the next variant
			if tc filter show dev ${VT_PREFIX}-vm1 ingress 2>/dev/null | grep -q .; then
				echo "bench.sh: filters left on ${VT_PREFIX}-vm1 after $v; removing" >&2
				tc qdisc del dev ${VT_PREFIX}-vm1 clsact 2>/dev/null
			fi
			tc qdisc del dev ${VT_PREFIX}-mon clsact 2>/dev/null
			if sink_on ${VT_PREFIX}-mon; then
				echo "bench.sh: vtap_sink left on ${VT_PREFIX}-mon after $v; vtapctl teardown" >&2
				ctl teardown >/dev/null 2>&1
			fi
			set -- $line
			csv traffic "sent_pps_$v" 1 "$rep" "$1" pps
			csv traffic "received_pps_$v" 1 "$rep" "$2" pps
			csv traffic "copies_pps_$v" 1 "$rep" "$3" pps
			csv traffic "mon_dropped_pps_$v" 1 "$rep" "$4" pps
			R[$v.sent]+="$1 "; R[$v.recv]+="$2 "; R[$v.copy]+="$3 "; R[$v.drop]+="$4 "
			printf '   run %d %-7s sent %9s  received %9s  copies %9s  mon drops %s\n' \
				"$rep" "$v" "$1" "$2" "$3" "$4"
		done
	done
	med() { echo "${R[$1]:-}" | tr ' ' '\n' | grep . | median; }
	printf '%-28s %12s %12s %12s %12s\n' variant "sent/s" "received/s" "copies/s" "copy/sent"
	for v in none vtap mirred vtapcls skipmirred; do
		s=$(med "$v.sent"); r=$(med "$v.recv"); c=$(med "$v.copy")
		printf '%-28s %12.0f %12.0f %12.0f %12.3f\n' \
			"$(case $v in none) echo 'no tap';; vtap) echo 'vtap (1 rule)';;
			   mirred) echo 'tc u32 match-all + mirred';;
			   vtapcls) echo 'vtap classifier + mirred';;
			   skipmirred) echo 'vtap tap (skip) + mirred';; esac)" \
			"${s:-0}" "${r:-0}" "${c:-0}" "$(awk -v c="${c:-0}" -v s="${s:-1}" 'BEGIN { print (s > 0 ? c / s : 0) }')"
	done
	cv=$(med vtap.copy); cm=$(med mirred.copy)
	if [ -n "$cv" ] && [ -n "$cm" ] && awk -v m="$cm" 'BEGIN { exit !(m > 0) }'; then
		ratio=$(awk -v a="$cv" -v b="$cm" 'BEGIN { printf "%.2f", a / b }')
		csv traffic summary_copies_ratio_vtap_mirred 1 -1 "$ratio" x
		verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 1.1 ? "MET" : "NOT MET") }')
		echo "target copies/s vtap / tc u32 match-all + mirred >= 1.1x: ${ratio}x -> $verdict"
	else
		echo "target copies/s vtap / tc u32 match-all + mirred >= 1.1x: not measured (no copies counted)"
		status=1
	fi
	# ratio_line A B CSV_NAME TEXT [NOTE]: the median copies/s of variant
	# A over B's, printed and recorded
	ratio_line() {
		local a b r
		a=$(med "$1.copy"); b=$(med "$2.copy")
		if [ -n "$a" ] && [ -n "$b" ] && awk -v m="$b" 'BEGIN { exit !(m > 0) }'; then
			r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
			csv traffic "$3" 1 -1 "$r" x
			echo "copies/s $4: ${r}x${5:+ ($5)}"
		else
			echo "copies/s $4: not measured (no copies counted)"
			status=1
		fi
	}
	ratio_line skipmirred mirred summary_copies_ratio_skipmirred_mirred \
		"vtap tap (skip) + mirred / tc u32 match-all + mirred" \
		"a mirred copy behind vtap's classifier, at best"
	ratio_line vtap vtapcls summary_copies_ratio_vtap_vtapcls \
		"vtap (clone_redirect) / vtap classifier + mirred"
fi

# a count, or 0 when a read gave none (vtapd gone, a field missing): the
# caller's sanity checks then see it
count_or_0() { case $1 in '' | *[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
# "tap_failed sink_lost from_ring received" now, for measure_tcp
tcp_counts_now() {
	local tap sink ring=0 recv=0
	tap=$(count_or_0 "$(stat_of all-of-vm1 copy_fail 2>/dev/null)")
	if [ "$COPIES_AT" = capture ]; then
		sink=$(ctl_json '.monitor_sinks[0] | .ring_full + .fill_empty + .sink_dropped + .no_socket + .bad' status 2>/dev/null)
		ring=$(ctl_json '.monitor_sinks[0].from_ring' status 2>/dev/null)
		recv=$(ctl_json '.monitor_sinks[0].received' status 2>/dev/null)
	elif [ -n "$SINK_OVSD" ]; then
		# segments vtapd's AF_XDP TX could not send, copies the sink
		# veth's queue dropped and its peer (OVS's port, its socket
		# full), then mon's drops
		sink=$(($(count_or_0 "$(ctl_json '.monitor_sinks[0].xdp_tx | .no_frame + .ring_full' status 2>/dev/null)") + $(count_or_0 "$(ctl_json '.monitor_sinks[0] | .sink_dropped + .peer_dropped' status 2>/dev/null)") + $(count_or_0 "$(stat_ns mon rx_dropped)")))
		ring=$(ctl_json '.monitor_sinks[0].xdp_tx.segments' status 2>/dev/null)
		recv=$(ctl_json '.monitor_sinks[0].xdp_tx.sent' status 2>/dev/null)
	else
		sink=$(stat_ns mon rx_dropped)
	fi
	echo "$tap $(count_or_0 "$sink") $(count_or_0 "$ring") $(count_or_0 "$recv")"
}

# measure_tcp: iperf3 vm1 -> vm2 for TRAFFIC_SECS (the VMs' veths with TSO:
# vm1 sends super-frames, which the TC tap copies as such); prints
# "Mbit/s tap_failed sink_lost ring sock": copies the tap could not make
# (the policy's copy_fail, which counts its ring_full too: a capture's
# copies go through the ring), what was lost after it (local: frames
# mon's eth0 dropped; ovs: the segments vtapd's AF_XDP TX could not send,
# no_frame + ring_full, the sink veth queue's drops (sink_dropped), its
# peer's (peer_dropped: OVS's socket full) and mon's eth0 drops — OVS's
# own drops are OVS's;
# capture: the frames of the sink veth not written, should it have had a
# copy the ring cannot carry — ring_full, fill_empty, sink_dropped,
# no_socket, bad), and for a capture what came through the ring and the
# sink veth's socket, for ovs the segments vtapd cut and the frames its
# AF_XDP TX sent. Mbit/s 0: iperf3 failed.
measure_tcp() {
	local bps a b
	nsx vm2 timeout $((TRAFFIC_SECS + 5)) iperf3 -s -1 -B 10.77.0.2 >/dev/null 2>&1 &
	GEN_PIDS=($!)
	sleep 0.3
	a=$(tcp_counts_now)
	bps=$(nsx vm1 iperf3 -c 10.77.0.2 -t "$TRAFFIC_SECS" -J 2>/dev/null |
		json_of '.end.sum_received.bits_per_second | floor' 2>/dev/null)
	sleep 0.3
	b=$(tcp_counts_now)
	wait "${GEN_PIDS[0]}" 2>/dev/null
	GEN_PIDS=()
	echo "$(count_or_0 "$bps") $a $b" |
		awk '{ printf "%.0f %d %d %d %d\n", $1 / 1e6, $6 - $2, $7 - $3, $8 - $4, $9 - $5 }'
}

if has sinks; then
	. "$(dirname "$0")/ovs-lib.sh"
	OVSD=$VT_RUN/ovs
	echo
	echo "== copies per second through each kind of monitor: the trafgen load above (64-byte"
	echo "   UDP vm1 -> vm2, one match-all rule), ${TRAFFIC_SECS} s per run, ${TRAFFIC_REPEATS} interleaved repeats,"
	echo "   medians; local/ovs: frames at mon's eth0, capture: records written to pcapng"
	declare -A S
	SINK_VARIANTS=${BENCH_SINKS:-local capture ovs-afxdp ovs-dpdk ovs-afxdp-cc}
	# was variant $1 (capture-128: capture's) measured?
	measured() { case " $SINK_VARIANTS " in *" ${1%-128} "*) return 0 ;; esac; return 1; }
	for rep in $(seq "$TRAFFIC_REPEATS"); do
		for v in $SINK_VARIANTS; do
			rm -f "$VT_POL"/*.yaml
			COPIES_AT=mon
			SINK_OVSD=
			case $v in
			local) mon="{ name: m, type: local, port: ${VT_PREFIX}-mon }" ;;
			capture)
				mon="{ name: m, type: capture, port: ${VT_PREFIX}-cap, file: $VT_RUN/bench.pcapng }"
				COPIES_AT=capture ;;
			ovs-*)
				flavour=${v#ovs-}
				flavour=${flavour%-cc}
				if [ "$flavour" = dpdk ]; then ovs_start "$OVSD" dpdk; else ovs_start "$OVSD"; fi ||
					{ echo "bench.sh: OVS ($flavour) did not start" >&2; status=1; continue; }
				ovs_add_br ${VT_PREFIX}-obr >/dev/null && ovs_add_system_port ${VT_PREFIX}-obr ${VT_PREFIX}-mon >/dev/null ||
					{ echo "bench.sh: OVS bridge/port set-up failed" >&2; status=1; }
				mon="{ name: m, type: ovs, port: ${VT_PREFIX}-ovs, bridge: ${VT_PREFIX}-obr, ovs_port: ${VT_PREFIX}-mon, datapath: $flavour }"
				SINK_OVSD=$OVSD ;;
			esac
			cat >"$VT_POL/sinks.yaml" <<YAML
monitors:
  - $mon
policies:
  - { name: all-of-vm1, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, monitor: m }
YAML
			# the TC tap (capture: through the ring buffer, GSO
			# super-frames whole); XDP mode: part xdp
			OVS_RUNDIR=${OVSD} vtapd_start --attach tc $([ "$v" = ovs-afxdp-cc ] && echo --complete-checksums) ||
				{ status=1; continue; }
			# ready when the rule set points at a working sink
			for _ in $(seq 100); do
				nsx vm1 ping -c 1 -W 0.1 10.77.0.2 >/dev/null 2>&1
				[ "$(stat_of all-of-vm1 copies)" -gt 0 ] && break
				sleep 0.1
			done
			line=$(measure)
			case $v in
			local | capture | ovs-*)
				# capture-128: the same capture, its policy with
				# snaplen 128 (headers only), reloaded
				for t in $v $([ "$v" = capture ] && echo capture-128); do
					if [ "$t" = capture-128 ]; then
						sed -i 's/direction: out, monitor: m/direction: out, snaplen: 128, monitor: m/' "$VT_POL/sinks.yaml"
						ctl reload >/dev/null || status=1
					fi
					m0=$(count_or_0 "$(stat_ns mon rx_packets)")
					set -- $(measure_tcp)
					mf=$(($(count_or_0 "$(stat_ns mon rx_packets)") - m0))
					csv sinks "tcp_mon_frames_$t" 1 "$rep" "$mf" frames
					if [ "$1" -eq 0 ]; then
						echo "bench.sh: $t: iperf3 moved nothing" >&2
						status=1
					fi
					csv sinks "tcp_mbit_$t" 1 "$rep" "$1" Mbit/s
					csv sinks "tcp_copies_lost_tap_$t" 1 "$rep" "$2" copies
					csv sinks "tcp_copies_lost_sink_$t" 1 "$rep" "$3" copies
					S[$t.tcp]+="$1 "; S[$t.tcplost]+="$2+$3 "; S[$t.tcpmon]+="$mf "
					printf '   run %d %-11s TCP %6s Mbit/s  copies the tap could not make %s, lost after it %s%s\n' \
						"$rep" "$t" "$1" "$2" "$3" "$(case $v in capture) echo " (records via the ring $4, the sink veth's socket $5)" ;; ovs-*) echo " (segments cut by vtapd $4, frames sent by its AF_XDP TX $5; frames at the monitor $mf)" ;; esac)"
				done
				;;
			esac
			vtapd_stop
			case $v in ovs-*) ovs_stop "$OVSD" >/dev/null 2>&1 ;; esac
			rm -f "$VT_RUN/bench.pcapng"*
			set -- $line
			csv sinks "sent_pps_$v" 1 "$rep" "$1" pps
			csv sinks "copies_pps_$v" 1 "$rep" "$3" pps
			csv sinks "sender_ns_per_frame_$v" 1 "$rep" "$5" ns
			csv sinks "sink_ns_per_copy_$v" 1 "$rep" "$6" ns
			S[$v.sent]+="$1 "; S[$v.copy]+="$3 "; S[$v.gen]+="$5 "; S[$v.sink]+="$6 "
			printf '   run %d %-10s sent %9s  received %9s  copies %9s  sender %5s ns/frame  sink %5s ns/copy\n' \
				"$rep" "$v" "$1" "$2" "$3" "$5" "$6"
		done
	done
	smed() { echo "${S[$1]:-}" | tr ' ' '\n' | grep . | median; }
	echo "   sender: CPU of trafgen's processes (with the softirqs they run) per frame sent;"
	echo "   sink: CPU of vtapd, the sink peer's NAPI thread, ovs-vswitchd per copy (load $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '%-22s %12s %12s %10s %9s %10s %10s\n' monitor "sent/s" "copies/s" "copy/sent" "vs local" \
		"sender ns" "sink ns"
	cl=$(smed local.copy)
	for v in $SINK_VARIANTS; do
		s=$(smed "$v.sent"); c=$(smed "$v.copy")
		printf '%-22s %12.0f %12.0f %10.3f %8.2fx %10.0f %10.0f\n' "$v" "${s:-0}" "${c:-0}" \
			"$(awk -v c="${c:-0}" -v s="${s:-1}" 'BEGIN { print (s > 0 ? c / s : 0) }')" \
			"$(awk -v c="${c:-0}" -v l="${cl:-0}" 'BEGIN { print (l > 0 ? c / l : 0) }')" \
			"$(smed "$v.gen")" "$(smed "$v.sink")"
		csv sinks "summary_copies_pps_$v" 1 -1 "${c:-0}" pps
	done
	# what the sender's own cost allows where nothing else competes for
	# its CPU (a host with a core to spare): local's ns per frame / v's
	for v in capture ovs-afxdp ovs-dpdk ovs-afxdp-cc; do
		measured "$v" || continue
		r=$(awk -v a="$(smed local.gen)" -v b="$(smed "$v.gen")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		csv sinks "summary_sender_cost_ratio_local_${v}" 1 -1 "$r" x
		echo "sender CPU per frame, local / $v: ${r}x (the copies/s ratio where the sender's core is its own)"
	done
	for v in capture ovs-afxdp ovs-dpdk ovs-afxdp-cc; do
		measured "$v" || continue
		r=$(awk -v c="$(smed "$v.copy")" -v l="${cl:-0}" 'BEGIN { printf "%.2f", (l > 0 ? c / l : 0) }')
		csv sinks "summary_copies_ratio_${v}_local" 1 -1 "$r" x
		echo "target copies/s $v / local >= 0.95x: ${r}x -> $(awk -v r="$r" 'BEGIN { print (r >= 0.95 ? "MET" : "NOT MET") }')"
	done
	# a TCP load (TSO): the capture's copies are GSO super-frames, whole
	# through the ring; whole frames, vtapd's file writes are the limit,
	# cut to 128 bytes the VM's cost of the ring copy; an ovs monitor's go
	# through the ring too, cut into segments by vtapd (OVS takes
	# wire-sized frames)
	tl_=$(smed local.tcp)
	for t in capture capture-128 ovs-afxdp ovs-dpdk ovs-afxdp-cc; do
		measured "$t" || continue
		tc_=$(smed "$t.tcp")
		if awk -v c="${tc_:-0}" -v l="${tl_:-0}" 'BEGIN { exit !(c > 0 && l > 0) }'; then
			r=$(awk -v c="$tc_" -v l="$tl_" 'BEGIN { printf "%.2f", c / l }')
			csv sinks "summary_tcp_ratio_${t}_local" 1 -1 "$r" x
			echo "TCP (iperf3, TSO) Mbit/s with a $t / with a local monitor: ${r}x (lost, by the tap + after it: local $(echo ${S[local.tcplost]:-}), $t $(echo ${S[$t.tcplost]:-}); frames at the monitor, median: local $(smed local.tcpmon), $t $(smed "$t.tcpmon"))"
		else
			echo "TCP (iperf3, TSO) Mbit/s with a $t / with a local monitor: not measured"
			status=1
		fi
	done
fi

if has compare; then
	. "$(dirname "$0")/bench-compare.sh"
fi

if has xdp; then
	echo
	echo "== copies per second, XDP + ring buffer vs TC: the trafgen load above (64-byte UDP"
	echo "   vm1 -> vm2, one match-all out rule), ${TRAFFIC_SECS} s per run, ${TRAFFIC_REPEATS} interleaved repeats,"
	echo "   medians; local/mirred: frames at mon's eth0, capture: records written to pcapng"
	declare -A X
	# *-skip: the hook and the classifier without copies (a skip rule): what
	# attaching costs by itself on real traffic
	XV="none tc-skip xdp-skip tc-local mirred tc-capture xdp-capture"
	for rep in $(seq "$TRAFFIC_REPEATS"); do
		for v in $XV; do
			rm -f "$VT_POL"/*.yaml
			COPIES_AT=mon
			act=mirror
			case $v in
			*-skip) mon="{ name: m, type: local, port: ${VT_PREFIX}-mon }"; mode=${v%-skip}; act=skip ;;
			tc-local) mon="{ name: m, type: local, port: ${VT_PREFIX}-mon }"; mode=tc ;;
			tc-capture | xdp-capture)
				mon="{ name: m, type: capture, port: ${VT_PREFIX}-cap, file: $VT_RUN/bench.pcapng }"
				mode=${v%-capture}; COPIES_AT=capture ;;
			esac
			case $v in
			none) ;;
			mirred)
				tc qdisc add dev ${VT_PREFIX}-vm1 clsact
				tc filter add dev ${VT_PREFIX}-vm1 ingress protocol all prio 1 u32 \
					match u32 0 0 action mirred egress mirror dev ${VT_PREFIX}-mon ;;
			*)
				cat >"$VT_POL/xdp.yaml" <<YAML
monitors:
  - $mon
policies:
  - { name: all-of-vm1, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, action: $act$([ $act = mirror ] && echo ", monitor: m") }
YAML
				vtapd_start --attach "$mode" || { status=1; continue; }
				for _ in $(seq 100); do
					nsx vm1 ping -c 1 -W 0.1 10.77.0.2 >/dev/null 2>&1
					[ "$(stat_of all-of-vm1 matched_pkts)" -gt 0 ] && break
					sleep 0.1
				done
				hooks=$(port_of ${VT_PREFIX}-vm1 hooks)
				want=$([ "$mode" = xdp ] && echo "out(xdp)" || echo out)
				if [ "$hooks" != "$want" ]; then
					echo "bench.sh: $v: ${VT_PREFIX}-vm1 tapped by '$hooks', not '$want'" >&2
					status=1
				fi ;;
			esac
			line=$(measure)
			rf=0
			case $v in
			none) ;;
			mirred) tc qdisc del dev ${VT_PREFIX}-vm1 clsact ;;
			*) rf=$(stat_of all-of-vm1 ring_full); vtapd_stop ;;
			esac
			rm -f "$VT_RUN/bench.pcapng"*
			set -- $line
			csv xdp "sent_pps_$v" 1 "$rep" "$1" pps
			csv xdp "copies_pps_$v" 1 "$rep" "$3" pps
			csv xdp "ring_full_$v" 1 "$rep" "$rf" frames
			X[$v.sent]+="$1 "; X[$v.copy]+="$3 "; X[$v.rf]+="$rf "
			printf '   run %d %-12s sent %9s  received %9s  copies %9s  ring_full %s\n' \
				"$rep" "$v" "$1" "$2" "$3" "$rf"
		done
	done
	xmed() { echo "${X[$1]:-}" | tr ' ' '\n' | grep . | median; }
	printf '%-34s %12s %12s %12s %10s\n' variant "sent/s" "copies/s" "copy/sent" "ring_full"
	for v in $XV; do
		s=$(xmed "$v.sent"); c=$(xmed "$v.copy"); f=$(xmed "$v.rf")
		printf '%-34s %12.0f %12.0f %12.3f %10s\n' \
			"$(case $v in none) echo 'no tap';; tc-skip) echo 'TC tap, skip rule (no copy)';;
			   xdp-skip) echo 'XDP tap, skip rule (no copy)';; tc-local) echo 'TC + clone_redirect, local';;
			   mirred) echo 'tc u32 + mirred, local';; tc-capture) echo 'TC + clone_redirect, capture';;
			   xdp-capture) echo 'XDP + ring buffer, capture';; esac)" \
			"${s:-0}" "${c:-0}" "$(awk -v c="${c:-0}" -v s="${s:-1}" 'BEGIN { print (s > 0 ? c / s : 0) }')" "${f:-0}"
	done
	for pair in "xdp-capture tc-capture copy" "xdp-capture tc-local copy" "xdp-capture mirred copy" \
		"xdp-skip tc-skip sent"; do
		set -- $pair
		a=$(xmed "$1.$3"); b=$(xmed "$2.$3")
		r=$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		csv xdp "summary_${3}_ratio_${1}_${2}" 1 -1 "$r" x
		echo "$([ "$3" = copy ] && echo copies/s || echo sent/s) $1 / $2: ${r}x"
	done
fi

if has vtapd; then
	echo
	echo "== vtapd on the namespace topology, with the bench_swap rule sets of 1 and 4096 rules"
	echo "   port appears -> tapped: ip link add of a veth matching \"${VT_PREFIX}-p*\" until its"
	echo "   ingress filter is visible (polled with tc, about 5 ms per poll); ${TRAFFIC_REPEATS} repeats"
	printf '%7s %12s %12s %14s %22s\n' rules "RSS MiB" "peak MiB" "map MiB" "port->tapped ms (each)"
	for n in 1 4096; do
		rm -f "$VT_POL"/*.yaml
		if [ "$n" = 1 ]; then
			# bench_swap's 1-rule set is a skip rule, which copies
			# nothing, so no port is tapped for it: one mirror rule
			cat >"$VT_POL/policies.yaml" <<-EOF
				monitors:
				  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
				policies:
				  - { name: one, source: { ports: ["${VT_PREFIX}-p*"] }, monitor: mon }
			EOF
		else
			cp "$RULES/n$n/policies.yaml" "$VT_POL/"
		fi
		vtapd_start || { status=1; continue; }
		sleep 0.5
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$VTAPD_PID/status")
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$VTAPD_PID/status")
		mem=$(map_memlock "$VTAPD_PID") || { status=1; mem=0; }
		csv vtapd rss_kib "$n" 0 "$rss" KiB
		csv vtapd hwm_kib "$n" 0 "$hwm" KiB
		csv vtapd bpftool_memlock_bytes "$n" 0 "$mem" B
		PT=
		for rep in $(seq "$TRAFFIC_REPEATS"); do
			ip link del ${VT_PREFIX}-p3 2>/dev/null
			sleep 0.3
			t0=$(date +%s%N)
			ip link add ${VT_PREFIX}-p3 type veth peer name ${VT_PREFIX}-p3x
			ip link set ${VT_PREFIX}-p3 up
			t1=
			for _ in $(seq 2000); do
				if tc filter show dev ${VT_PREFIX}-p3 ingress 2>/dev/null | grep -q vtap_tc_out; then
					t1=$(date +%s%N); break
				fi
				sleep 0.001
			done
			ms=timeout
			[ -n "$t1" ] && ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
			csv vtapd port_to_tapped_ms "$n" "$rep" "$ms" ms
			PT+="$ms "
		done
		ip link del ${VT_PREFIX}-p3 2>/dev/null
		vtapd_stop
		pm=$(echo "$PT" | tr ' ' '\n' | grep -E '^[0-9.]+$' | median)
		PM[$n]=${pm:-}; RSS[$n]=$rss; MAPMEM[$n]=$mem
		awk -v n="$n" -v r="$rss" -v h="$hwm" -v m="$mem" -v p="$PT" \
			'BEGIN { printf "%7d %12.1f %12.1f %14.2f   %s\n", n, r / 1024, h / 1024, m / 1048576, p }'
	done
	if [ -n "${MAPMEM[4096]:-}" ]; then
		awk -v m="${MAPMEM[4096]}" -v t="$MAP_MEM_TARGET_MIB" 'BEGIN { printf "target BPF map memory of vtapd with 4096 rules, default limits (bpftool memlock) < %d MiB: %.2f MiB -> %s\n", t, m / 1048576, (m < t * 1048576 ? "MET" : "NOT MET") }'
	fi
	if [ -n "${RSS[4096]:-}" ]; then
		awk -v k="${RSS[4096]}" 'BEGIN { printf "target vtapd resident memory with 4096 rules < 32 MiB: %.1f MiB -> %s\n", k / 1024, (k < 32768 ? "MET" : "NOT MET") }'
	fi
	if [ -n "${PM[4096]:-}" ]; then
		awk -v m="${PM[4096]}" -v o="${PM[1]:-?}" 'BEGIN { printf "target port appears -> tapped < 100 ms: median %.1f ms with 4096 rules (%s ms with 1) -> %s\n", m, o, (m < 100 ? "MET" : "NOT MET") }'
	fi
fi

if has dpdk; then
	echo
	echo "== kernel bypass: forwarded and mirrored frames/s, eBPF path vs vtap-dpdk, the trafgen"
	echo "   load above (64-byte UDP vm1 -> vm2), one match-all rule on vm1 (direction out) and"
	echo "   no rule; ${TRAFFIC_SECS} s per run, ${TRAFFIC_REPEATS} interleaved repeats, medians"
	echo "   kernel: ${VT_PREFIX}-vm1 on the bridge, vtapd's TC tap; dpdk: ${VT_PREFIX}-vm1 off the bridge,"
	echo "   vtap-dpdk (1 lcore, net_af_xdp copy mode) between it and ${VT_PREFIX}-w1, whose peer is"
	echo "   on the bridge; copies to ${VT_PREFIX}-mon (kernel: bpf_clone_redirect; dpdk: AF_XDP tx)"
	ip link add ${VT_PREFIX}-w1 type veth peer name ${VT_PREFIX}-w1b
	ip link set ${VT_PREFIX}-w1b master ${VT_PREFIX}-br up
	ip link set ${VT_PREFIX}-w1 up
	xdp() { echo "net_af_xdp$1,iface=$2,start_queue=0,queue_count=1"; }
	declare -A D
	for rep in $(seq "$TRAFFIC_REPEATS"); do
		for v in kernel-fwd kernel-tap dpdk-fwd dpdk-tap; do
			rm -f "$VT_POL"/*.yaml
			case $v in
			*-tap) cat >"$VT_POL/bench.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
policies:
  - { name: all-of-vm1, source: { ports: [${VT_PREFIX}-vm1] }, direction: out, monitor: mon }
YAML
			;;
			esac
			case $v in
			kernel-*)
				ip link set ${VT_PREFIX}-vm1 master ${VT_PREFIX}-br
				if [ "$v" = kernel-tap ]; then vtapd_start || { status=1; continue; }; fi ;;
			dpdk-*)
				ip link set ${VT_PREFIX}-vm1 nomaster
				"$OUT/vtap-dpdk" --vm "$(xdp 0 ${VT_PREFIX}-vm1)" --net "$(xdp 1 ${VT_PREFIX}-w1)" \
					--monitor "$(xdp 2 ${VT_PREFIX}-mon)" --policy-dir "$VT_POL" \
					--socket "$VT_RUN/vdp.sock" >>"$VT_RUN/vdp.log" 2>&1 &
				VDP_PID=$!
				for _ in $(seq 200); do [ -S "$VT_RUN/vdp.sock" ] && break; sleep 0.05; done
				[ -S "$VT_RUN/vdp.sock" ] || { echo "bench.sh: vtap-dpdk did not start" >&2; cat "$VT_RUN/vdp.log" >&2; status=1; continue; } ;;
			esac
			sleep 0.5
			line=$(measure)
			if [ "$v" = dpdk-tap ]; then
				"$OUT/vtapctl" --socket "$VT_RUN/vdp.sock" stats all-of-vm1 --json >"$VT_RUN/vdp-stats.json"
			fi
			case $v in
			kernel-tap) vtapd_stop ;;
			dpdk-*) kill "$VDP_PID"; wait "$VDP_PID" 2>/dev/null; VDP_PID= ;;
			esac
			set -- $line
			csv dpdk "sent_pps_$v" 1 "$rep" "$1" pps
			csv dpdk "forwarded_pps_$v" 1 "$rep" "$2" pps
			csv dpdk "mirrored_pps_$v" 1 "$rep" "$3" pps
			D[$v.sent]+="$1 "; D[$v.fwd]+="$2 "; D[$v.copy]+="$3 "
			printf '   run %d %-10s sent %9s  forwarded %9s  mirrored %9s\n' "$rep" "$v" "$1" "$2" "$3"
		done
	done
	dmed() { echo "${D[$1]:-}" | tr ' ' '\n' | grep . | median; }
	printf '%-12s %12s %12s %12s %14s %14s\n' variant "sent/s" "forwarded/s" "mirrored/s" "fwd vs kernel" "mirr vs kernel"
	for v in kernel-fwd kernel-tap dpdk-fwd dpdk-tap; do
		k=kernel-${v#*-}
		s=$(dmed "$v.sent"); f=$(dmed "$v.fwd"); c=$(dmed "$v.copy")
		kf=$(dmed "$k.fwd"); kc=$(dmed "$k.copy")
		printf '%-12s %12.0f %12.0f %12.0f %13.2fx %13s\n' "$v" "${s:-0}" "${f:-0}" "${c:-0}" \
			"$(awk -v a="${f:-0}" -v b="${kf:-0}" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
			"$(awk -v a="${c:-0}" -v b="${kc:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
		csv dpdk "summary_forwarded_pps_$v" 1 -1 "${f:-0}" pps
		csv dpdk "summary_mirrored_pps_$v" 1 -1 "${c:-0}" pps
	done
	[ -f "$VT_RUN/vdp-stats.json" ] && echo "vtap-dpdk counters, last dpdk-tap run: $(cat "$VT_RUN/vdp-stats.json")"
	# vtap-dpdk's own cost, without AF_XDP or veths: net_null ports (rx makes
	# 64-byte frames as fast as asked, tx frees them), one match-all rule
	echo "   vtap-dpdk alone, net_null ports (no AF_XDP, no kernel): frames/s through the lcore"
	cat >"$VT_POL/bench.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: net_null2 }
policies:
  - { name: all, source: { ports: [net_null0] }, direction: out, monitor: mon }
YAML
	for rules in tap fwd; do
		[ "$rules" = fwd ] && rm -f "$VT_POL/bench.yaml"
		"$OUT/vtap-dpdk" --vm net_null0 --net net_null1 --monitor net_null2 --idle-us 0 \
			--policy-dir "$VT_POL" --socket "$VT_RUN/vdp.sock" >>"$VT_RUN/vdp.log" 2>&1 &
		VDP_PID=$!
		for _ in $(seq 200); do [ -S "$VT_RUN/vdp.sock" ] && break; sleep 0.05; done
		sleep 1
		nul() { "$OUT/vtapctl" --socket "$VT_RUN/vdp.sock" status --json | json_of '
			(.ports[] | select(.role == "net" and .name == "net_null1") | .tx),
			(.ports[] | select(.role == "monitor" and .name == "net_null2") | .tx)'; }
		set -- $(nul); f0=$1 c0=$2
		sleep "$TRAFFIC_SECS"
		set -- $(nul); f1=$1 c1=$2
		kill "$VDP_PID"; wait "$VDP_PID" 2>/dev/null; VDP_PID=
		awk -v s="$TRAFFIC_SECS" -v f=$((f1 - f0)) -v c=$((c1 - c0)) -v r="$rules" \
			'BEGIN { printf "   dpdk-null-%s  forwarded %9.0f/s  mirrored %9.0f/s\n", r, f / s, c / s }'
		csv dpdk "forwarded_pps_null_$rules" 1 0 $(((f1 - f0) / TRAFFIC_SECS)) pps
		csv dpdk "mirrored_pps_null_$rules" 1 0 $(((c1 - c0) / TRAFFIC_SECS)) pps
	done
	ip link set ${VT_PREFIX}-vm1 master ${VT_PREFIX}-br
	ip link del ${VT_PREFIX}-w1
fi

if has cluster; then
	OUT=$OUT RES=$RES scripts/bench-cluster.sh || status=1
fi

echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) (at the end), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "raw results: $RES"
exit $status
