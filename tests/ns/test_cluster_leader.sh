#!/usr/bin/env bash
# Cluster mode (§6.4): the store's leader dies during a stream of edits. A
# three-member etcd, nodes n1 and n2 copying a steady UDP stream each to
# the monitor on nm (tests/ns/cluster-lib.sh); 30 edits, one after the
# other, each waited for on every node; the leader is killed after the
# tenth. Every edit converges on both nodes, and copying never pauses:
# every datagram of both streams reaches the monitor, byte for byte, and
# the longest silence at the monitor while the leader dies is measured.
source "$(dirname "$0")/cluster-test.sh"
EDITS=30 KILL_AT=10 PPS=200
# The edits change a policy on ports that are tapped already (a*p): a first
# tap on a port creates its clsact qdisc, and the kernel drops what the
# port transmits while it swaps the qdisc in (dev_deactivate) — a cost of
# attaching (docs/cluster.md), not of the store
cl_setup 3

capture_start b1 "$VT_RUN/b1.pcap" udp port 5000
capture_start b2 "$VT_RUN/b2.pcap" udp port 5000
capture_start mon "$VT_RUN/mon.pcap" udp port 5000
# the streams outlast the edits: about 2 s before, the rest after
secs=$((EDITS / 2 + 12))
cl_stream 1 "$secs" "$PPS" &
S1=$!
cl_stream 2 "$secs" "$PPS" &
S2=$!
sleep 2

ok_edits=0 slow=
for k in $(seq "$EDITS"); do
	cl_doc "$VT_RUN/edit.yaml" edit $((9000 + k)) $((100 + k))
	if [ "$k" = "$KILL_AT" ]; then
		leader=$(etcd_leader)
		kill_at=$(date +%s.%N)
		etcd_kill "$leader"
		diag "edit $k: killed the leader, member $leader"
	fi
	t0=$(date +%s%N)
	if ! cl_apply "$VT_RUN/edit.yaml"; then
		diag "edit $k: apply failed"
		continue
	fi
	if cctl wait --revision "$CL_REV" --timeout 15 >/dev/null; then
		ok_edits=$((ok_edits + 1))
	else
		diag "edit $k (revision $CL_REV): $(cctl wait --revision "$CL_REV" --timeout 0 2>&1 | tail -1)"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt 1000 ] && slow+=" $k:${ms}ms"
done
diag "edits applied and converged: $ok_edits of $EDITS; slower than 1 s (apply + wait):${slow:- none}"
check "every edit converged on both nodes, the leader's death included" test "$ok_edits" = "$EDITS"
check "a new leader was elected among the two left" test -n "$(etcd_leader)"
wait "$S1" "$S2"
capture_stop

fin=$(cctl status --json)
diag "after the edits: $(jq -c '[.nodes[] | {node, state, revision}]' <<<"$fin")"
edit_prio() { cl_ctl "$1" policies --json | json_of '.[] | select(.name == "edit") | .priority'; }
check "the last edit is what both nodes run (policy edit, priority $((100 + EDITS)))" \
	test "$(edit_prio n1)" = $((100 + EDITS)) -a "$(edit_prio n2)" = $((100 + EDITS))
n_b1=$(count "$VT_RUN/b1.pcap"); n_b2=$(count "$VT_RUN/b2.pcap"); n_mon=$(count "$VT_RUN/mon.pcap")
want=$((secs * PPS))
diag "datagrams: sent $want per node; b1 got $n_b1, b2 $n_b2; the monitor $n_mon"
check "both streams reached their receivers whole" test "$n_b1" = "$want" -a "$n_b2" = "$want"
for i in 1 2; do
	[ "$(count "$VT_RUN/b$i.pcap")" = "$want" ] && continue
	# which datagrams the receiver missed, and what the links counted
	diag "b$i missed: $(comm -13 <(tshark -r "$VT_RUN/b$i.pcap" -T fields -e frame.time_epoch -e data.data 2>/dev/null | cut -c1-40 | awk '{print substr($2,1,16)}' | sort) \
		<(tshark -r "$VT_RUN/mon.pcap" -Y "ip.src == 10.77.$i.1" -T fields -e data.data 2>/dev/null | cut -c1-16 | sort) | xxd -r -p 2>/dev/null | fold -w8 | tr '\n' ' ')"
	diag "n$i b${i}p: $(cl_in "n$i" ip -s link show "b${i}p" | tr -s ' \n' ' ')"
	diag "b$i eth0: $(nsx "b$i" ip -s link show eth0 | tr -s ' \n' ' ')"
	diag "n$i a${i}p: $(cl_in "n$i" ip -s link show "a${i}p" | tr -s ' \n' ' ')"
	diag "n$i vmbr: $(cl_in "n$i" ip -s link show vmbr | tr -s ' \n' ' ')"
done
check "copying never stopped: the monitor has every datagram of both nodes, byte for byte" \
	test "$(frames_all "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")"
check "no capture lost a frame" captures_complete "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap" "$VT_RUN/mon.pcap"
# the longest silence of each node's copies at the monitor, against the
# receivers' own (the stream's pace, 5 ms, and the host's scheduling)
for i in 1 2; do
	read -r nm gm _ _ <<<"$(cl_gaps "$VT_RUN/mon.pcap" "10.77.$i.1")"
	read -r nb gb _ _ <<<"$(cl_gaps "$VT_RUN/b$i.pcap" "10.77.$i.1")"
	k1=$(awk -v t="$kill_at" 'BEGIN { printf "%.3f", t + 3 }')
	diag "node n$i: in the 3 s after the leader was killed the monitor got $(cl_count_between "$VT_RUN/mon.pcap" "10.77.$i.1" "$kill_at" "$k1") copies, b$i $(cl_count_between "$VT_RUN/b$i.pcap" "10.77.$i.1" "$kill_at" "$k1") datagrams"
	diag "node n$i: longest gap between copies at the monitor $gm ms (at b$i $gb ms)"
	check "node n$i: no copy gap at the monitor longer than the receiver's longest + 50 ms" \
		awk -v m="$gm" -v b="$gb" 'BEGIN { exit !(m <= b + 50) }'
done
tap_end
