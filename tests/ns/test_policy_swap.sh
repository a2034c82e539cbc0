#!/usr/bin/env bash
# Atomic policy swaps under load (§2 "Updates are atomic"): while an iperf3
# TCP stream runs vm1 -> vm2, the policy set is replaced many times.
#  Phase 1: the copying of port 5201 moves back and forth between two
#    policies, a and b (both always present; the idle one watches port 5299).
#    No frame may be lost or doubled at a swap: the monitor's capture equals
#    the stream's frames captured at vm2, byte for byte and in number, and
#    copies(a) + copies(b) == frames at the monitor.
#  Phase 2: copying alternates between on (policy a) and off (nothing
#    matches). The monitor gets a strict subset of the stream, and still
#    exactly copies(a) + copies(b) frames.
# Each swap is one reload (reloads_ok + 1); the stream itself is untouched
# (iperf3 exits 0, bytes received == bytes sent).
: "${VT_PREFIX:=vtsw}"
. "$(dirname "$0")/lib.sh"
trap topo_down EXIT
topo_up

VM1=${VT_PREFIX}-vm1
cat >"$VT_POL/10-mon.yaml" <<YAML
monitors:
  - { name: mon, type: local, port: ${VT_PREFIX}-mon }
YAML
# set_policies PORT_A PORT_B: policies a and b copy vm1's TCP with those
# peer ports, both directions; written beside the directory and renamed in,
# so vtapd sees one change
set_policies() {
	cat >"$VT_RUN/swap.tmp" <<YAML
policies:
  - name: a
    source: { ports: [$VM1] }
    direction: both
    match: { protocol: tcp, dst_ports: [$1] }
    monitor: mon
  - name: b
    source: { ports: [$VM1] }
    direction: both
    match: { protocol: tcp, dst_ports: [$2] }
    monitor: mon
YAML
	mv "$VT_RUN/swap.tmp" "$VT_POL/20-swap.yaml"
}
# wait_reloads N: until reloads_ok == N (3 s at most)
wait_reloads() {
	local i
	for i in $(seq 150); do
		[ "$(status_of reloads_ok)" -ge "$1" ] && return 0
		sleep 0.02
	done
	return 1
}
copies() { echo $(($(stat_of a copies) + $(stat_of b copies))); }
matched() { echo $(($(stat_of a matched_pkts) + $(stat_of b matched_pkts))); }
failed() { echo $(($(stat_of a copy_fail) + $(stat_of b copy_fail))); }

# swap_run NAME SWAPS SECONDS PORTS...: an iperf3 stream of SECONDS while
# set_policies cycles through PORTS ("A:B" pairs), SWAPS times in all;
# captures in $VT_RUN/NAME-{vm2,mon}.pcap, iperf3's JSON in NAME-{c,s}.json
swap_run() {
	local name=$1 swaps=$2 secs=$3; shift 3
	local pairs=("$@") i r0 rok=1
	capture_start vm2 "$VT_RUN/$name-vm2.pcap" --immediate-mode tcp port 5201
	capture_start mon "$VT_RUN/$name-mon.pcap" --immediate-mode
	nsx vm2 timeout 30 iperf3 -s -1 -J -B 10.77.0.2 >"$VT_RUN/$name-s.json" 2>&1 &
	local srv=$! j
	# listening before the client starts: a fixed pause was once too short
	# under the sanitizer run's load (the client's connection refused, two
	# frames of stream in phase 1)
	for j in $(seq 150); do
		nsx vm2 ss -Hltn 'sport = :5201' | grep -q . && break
		sleep 0.02
	done
	# -b: a stream the captures keep up with on 2 cores (they must not drop)
	nsx vm1 timeout 30 iperf3 -c 10.77.0.2 -t "$secs" -b 200M -J >"$VT_RUN/$name-c.json" 2>&1 &
	local cli=$!
	sleep 0.3
	r0=$(status_of reloads_ok)
	for ((i = 0; i < swaps; i++)); do
		set_policies ${pairs[i % ${#pairs[@]}]/:/ }
		if ! wait_reloads $((r0 + i + 1)); then rok=0; diag "swap $((i + 1)) was not applied"; fi
		sleep $(python3 -c "print(max(0.05, ($secs - 1.0) / $swaps - 0.1))")
	done
	wait "$cli"; CLI_RC=$?
	wait "$srv"
	capture_stop
	SWAPS_OK=$rok
	RELOADS=$(($(status_of reloads_ok) - r0))
}

# pcap_cmp equal|subset A B: the frames of pcap B equal (or are a sub-multiset
# of) the frames of pcap A, byte for byte. In Python: lib.sh's frames()
# turns each frame into hex text, far too slow for 64 KB GSO frames.
pcap_cmp() {
	python3 - "$@" <<'PY'
import collections, hashlib, struct, sys
def frames(path):
    d = open(path, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, out = 24, collections.Counter()
    while off + 16 <= len(d):
        _, _, cap, orig = struct.unpack(e + "IIII", d[off:off + 16])
        if cap != orig:
            sys.exit("# %s: a frame was truncated (%d of %d bytes)" % (path, cap, orig))
        out[hashlib.sha1(d[off + 16:off + 16 + cap]).digest()] += 1
        off += 16 + cap
    return out
mode, a, b = sys.argv[1], frames(sys.argv[2]), frames(sys.argv[3])
extra, missing = b - a, a - b
print("# %s: %d frames, %s: %d frames; %d only in the second, %d only in the first"
      % (sys.argv[2].rsplit("/", 1)[-1], sum(a.values()), sys.argv[3].rsplit("/", 1)[-1],
         sum(b.values()), sum(extra.values()), sum(missing.values())))
ok = not extra and (mode == "subset" or not missing) and sum(b.values()) > 0
sys.exit(0 if ok else 1)
PY
}

# iperf_ok NAME: bytes received == bytes sent (retransmissions are reported,
# not failed: on 2 shared cores a busy host can cause one; a swap that lost
# originals would show in the byte-for-byte comparison of phase 1)
iperf_ok() {
	local c sent rtx mbps blk recv
	# retransmits and blksize are not in every iperf3 report: 0 and iperf3's
	# default block (128 KiB) when absent, as iperf3 means them
	c=$(json_of '.end.sum_sent.bytes, (.end.sum_sent.retransmits // 0),
		(.end.sum_sent.bits_per_second / 1e6 | round), (.start.test_start.blksize // 131072)' \
		<"$VT_RUN/$1-c.json") || return 1
	recv=$(json_of .end.sum_received.bytes <"$VT_RUN/$1-s.json") || return 1
	read -r -d '' sent rtx mbps blk <<<"$c"
	diag "iperf3: sent $sent bytes, server received $recv, $rtx retransmits, $mbps Mbit/s"
	# iperf3 3.12's server summary sometimes leaves out its last read, one
	# 128 KiB block (seen with and without vtap, in about 1 run of 10): that
	# exact shortfall is the tool's, any other difference fails
	[ $((sent - recv)) -eq "$blk" ] &&
		diag "(exactly one $blk-byte block short: iperf3's summary, not the stream)"
	[ "$sent" -gt 0 ] && { [ "$sent" -eq "$recv" ] || [ $((sent - recv)) -eq "$blk" ]; }
}

set_policies 5201 5299
check "vtapd starts: policy a copies port 5201, b watches 5299" vtapd_start

# --- phase 1: the copying moves between a and b ---
c0=$(copies); m0=$(matched)
swap_run p1 10 6 5299:5201 5201:5299
check "phase 1: iperf3 client exits 0" test "$CLI_RC" -eq 0
check "phase 1: bytes received == bytes sent" iperf_ok p1
check "phase 1: every swap applied (one reload each)" test "$SWAPS_OK" -eq 1 -a "$RELOADS" -eq 10
check "phase 1: the captures dropped nothing" captures_complete "$VT_RUN/p1-vm2.pcap" "$VT_RUN/p1-mon.pcap"
n_vm2=$(count "$VT_RUN/p1-vm2.pcap"); n_mon=$(count "$VT_RUN/p1-mon.pcap")
c1=$(copies); m1=$(matched)
diag "phase 1: vm2 saw $n_vm2 stream frames, the monitor $n_mon; copies a $(stat_of a copies), b $(stat_of b copies)"
check "phase 1: a substantial stream (> 1000 frames)" test "$n_vm2" -gt 1000
check "phase 1: both policies copied (the swaps took effect)" test "$(stat_of a copies)" -gt 0 -a "$(stat_of b copies)" -gt 0
check "phase 1: no frame lost or doubled across 10 swaps: monitor == vm2, byte for byte" \
	pcap_cmp equal "$VT_RUN/p1-vm2.pcap" "$VT_RUN/p1-mon.pcap"
check "phase 1: copies(a) + copies(b) == frames at the monitor" test $((c1 - c0)) -eq "$n_mon"
check "phase 1: matched == copies, no copy failed" test $((m1 - m0)) -eq $((c1 - c0)) -a "$(failed)" -eq 0

# --- phase 2: copying on (a) and off (nothing matches) ---
c0=$(copies); m0=$(matched)
swap_run p2 8 5 5299:5299 5201:5299
check "phase 2: iperf3 client exits 0" test "$CLI_RC" -eq 0
check "phase 2: bytes received == bytes sent" iperf_ok p2
check "phase 2: every swap applied (one reload each)" test "$SWAPS_OK" -eq 1 -a "$RELOADS" -eq 8
check "phase 2: the captures dropped nothing" captures_complete "$VT_RUN/p2-vm2.pcap" "$VT_RUN/p2-mon.pcap"
n_vm2=$(count "$VT_RUN/p2-vm2.pcap"); n_mon=$(count "$VT_RUN/p2-mon.pcap")
c1=$(copies); m1=$(matched)
diag "phase 2: vm2 saw $n_vm2 stream frames, the monitor $n_mon"
check "phase 2: the monitor got some of the stream, not all of it" test "$n_mon" -gt 0 -a "$n_mon" -lt "$n_vm2"
check "phase 2: every frame at the monitor is a frame of the stream, byte for byte" \
	pcap_cmp subset "$VT_RUN/p2-vm2.pcap" "$VT_RUN/p2-mon.pcap"
check "phase 2: copies(a) + copies(b) == frames at the monitor" test $((c1 - c0)) -eq "$n_mon"
check "phase 2: matched == copies, no copy failed" test $((m1 - m0)) -eq $((c1 - c0)) -a "$(failed)" -eq 0

# --- vtapctl reload: one more swap, through the socket ---
# (vtapd also re-applies when a port a policy names comes or goes, which flips
# the generation too: allow three tries for a clean observation)
reload_flips() {
	local i r0 g0 g1
	for i in 1 2 3; do
		r0=$(status_of reloads_ok); g0=$(status_of active_generation)
		ctl reload >/dev/null || { diag "vtapctl reload failed"; return 1; }
		g1=$(status_of active_generation)
		[ "$(status_of reloads_ok)" -eq $((r0 + 1)) ] || { diag "reloads_ok did not go up by one"; return 1; }
		[ "$g1" -ne "$g0" ] && return 0
	done
	diag "the active generation stayed $g0"; return 1
}
check "vtapctl reload: exit 0, reloads_ok + 1, the active generation flips" reload_flips
tap_end
