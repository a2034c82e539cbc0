#!/usr/bin/env bash
# `make bench` part cluster (scripts/bench.sh BENCH_PARTS=cluster; alone:
# scripts/bench-cluster.sh): a cluster edit reaching 1, 10 and 100 vtapd
# nodes on a three-member etcd (Debian's etcd 3.4, tests/ns/etcd-lib.sh),
# with sets of 10 and of 4096 rules; docs/benchmarks.md, "Cluster".
#
# Each node is a network namespace with its own vtapd in cluster mode (own
# pin root, socket and state), joined to the store's bridge. A node has no
# VM ports: the rules name ports "vm*" that no node has, so a node runs the
# whole apply path (watch event, settle, parse and check the documents,
# compile, write the inactive generation of its BPF maps, flip, persist the
# set, publish its status) but attaches nothing and copies nothing. What
# that skips: attaching taps to ports (a new port's first tap) and traffic;
# the monitor is a vxlan one (its device is made once, at the first apply).
#
# bench_cluster (tests/bench/bench_cluster.c) makes CLUSTER_EDITS edits per
# case, each a `vtapctl cluster apply` of the set's first document (64 rules
# at most) with one rule's port changed (every node then loads the whole set
# again), and measures from the moment vtapctl returns: every node
# applied it (its status with the new revision reached a watch on the
# store) and every node was notified (the watch event's arrival, each
# node's record of it in its status). Then what one node adds to etcd:
# watchers, keys, leases (etcd's /metrics and etcdctl), the bytes of a
# status put and, idle, the bytes a second (keepalives).
#
# CLUSTER_NODES (default "1 10 100"), CLUSTER_RULES ("10 4096"),
# CLUSTER_EDITS (20), CLUSTER_PAUSE_MS (2000: between one edit applied on
# every node and the next, so a notification does not share the two CPUs
# with the previous edit's last applies), CLUSTER_NODE_NICE (10: the nodes
# yield to the store and to other work on the host); rows "cluster,..." go
# to $RES.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
RES=${RES:-$OUT/bench/results.csv}
CLUSTER_NODES=${CLUSTER_NODES:-1 10 100}
CLUSTER_RULES=${CLUSTER_RULES:-10 4096}
CLUSTER_EDITS=${CLUSTER_EDITS:-20}
CLUSTER_PAUSE_MS=${CLUSTER_PAUSE_MS:-2000}
CLUSTER_NODE_NICE=${CLUSTER_NODE_NICE:-10}
VT_PREFIX=${CLUSTER_PREFIX:-vcb}
. tests/ns/lib.sh
. tests/ns/etcd-lib.sh
# etcd's own default: the nodes' watches carry the edits, not progress notes
ETCD_PROGRESS=10m
declare -A PID=()
csv() { local IFS=,; echo "$*" >>"$RES"; }

cleanup() {
	local p
	for p in "${PID[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PID[@]}"; do wait "$p" 2>/dev/null; done
	etcd_down
	topo_down
}
trap cleanup EXIT

# rules N DIR: N mirror rules to a vxlan monitor, each its own /24 and port,
# in documents of 64 rules at most: DIR/bench-00.yaml (the monitor, and rule
# r0 whose port is @EDIT@: bench_cluster puts the edit's number there, so an
# edit rewrites one document of 64 rules), DIR/bench-01.yaml, ...
rules() {
	mkdir -p "$2"
	python3 - "$1" "$2" <<'EOF'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
for k in range((n + 63) // 64):
    with open("%s/bench-%02d.yaml" % (d, k), "w") as f:
        if k == 0:
            f.write("monitors:\n  - { name: far, type: vxlan, remote: 10.79.0.1, vni: 100 }\n")
        f.write("policies:\n")
        for r in range(64 * k, min(n, 64 * k + 64)):
            port = "@EDIT@" if r == 0 else str(1000 + r % 60000)
            f.write("  - name: r%d\n    priority: %d\n    source: { ports: [\"vm*\"] }\n"
                    "    destination: { cidr: 10.%d.%d.0/24 }\n"
                    "    match: { protocol: tcp, dst_ports: [%s] }\n    monitor: far\n"
                    % (r, 100 + r, 100 + r // 256 % 100, r % 256, port))
EOF
}

node_ns() { echo "${VT_PREFIX}-k$1"; }
start_node() {
	local i=$1 ns
	ns=$(node_ns "$i")
	ip netns add "$ns"
	etcd_attach "$ns" "$ETCD_NET.$((100 + i))"
	# nice: the store would have machines of its own; here it shares two
	# CPUs with every node (see etcd_up below)
	ip netns exec "$ns" nice -n "$CLUSTER_NODE_NICE" "$VTAPD" --etcd "$(etcd_endpoints)" --node "k$i" \
		--pin-root "/sys/fs/bpf/${VT_PREFIX}-k$i" --socket "$VT_RUN/k$i.sock" \
		--state-dir "$VT_RUN/state" --log-level warn 2>>"$VT_RUN/k$i.log" &
	PID[$i]=$!
}
wait_node() {
	local i=$1
	for _ in $(seq 1200); do
		[ -S "$VT_RUN/k$i.sock" ] && return 0
		kill -0 "${PID[$i]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "bench-cluster: node k$i did not start:" >&2
	tail -5 "$VT_RUN/k$i.log" >&2
	return 1
}
cctl() { ip netns exec "$ETCD_NS" "$VTAPCTL" --etcd "$(etcd_endpoints)" cluster "$@"; }
# a member's /metrics value (the sum of its series)
metric() {
	ip netns exec "$ETCD_NS" curl -s "$(etcd_url "$1")/metrics" |
		awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}
metric_all() { local s=0 m; for m in 1 2 3; do s=$((s + $(metric "$m" "$1"))); done; echo "$s"; }
# memory of the running vtapds: resident KiB, and BPF map memlock bytes (their fds)
vtapd_mem() {
	local p rss=0 mem=0 fd
	for p in "${PID[@]}"; do
		rss=$((rss + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")))
		for fd in /proc/"$p"/fd/*; do
			[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-map" ] || continue
			mem=$((mem + $(awk '/^memlock:/ { print $2 }' "/proc/$p/fdinfo/${fd##*/}")))
		done
	done
	echo "$rss $mem"
}

echo
echo "== cluster: an edit reaching 1, 10, 100 vtapd nodes (namespaces, no VM ports: the whole"
echo "   apply path without attaching or traffic), three-member etcd $(etcd --version | head -1 | awk '{print $3}'), $CLUSTER_EDITS edits per case"
echo "   applied: vtapctl cluster apply returned -> every node's status has the revision (watched)"
echo "   notified: vtapctl returned -> every node's watch delivered the edit (the node's clock;"
echo "             <= 0: every node had it before vtapctl had exited); also from vtapctl's start"
echo "   edits $CLUSTER_PAUSE_MS ms apart (after every node applied the last); nodes at nice $CLUSTER_NODE_NICE, etcd at -10"
echo "   load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) on $(nproc) CPUs, before the store starts"
etcd_up 3 || exit 1
# the store's members ahead of the nodes: a hundred nodes compiling 4096
# rules at once on two CPUs would otherwise starve them into elections
renice -n -10 -p "${ETCD_PID[@]}" >/dev/null
mem0=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
w0=$(metric_all etcd_debugging_mvcc_watcher_total)
k0=$(metric 1 etcd_debugging_mvcc_keys_total)
l0=$(ectl lease list | grep -c '^[0-9a-f]\{16\}$')
started=0
for n in $CLUSTER_NODES; do
	t0=$(date +%s)
	# a few at a time: each loads and verifies vtap's BPF programs
	for ((i = started + 1; i <= n; i++)); do
		start_node "$i"
		((i % 4 == 0)) && wait_node "$i"
	done
	for ((i = started + 1; i <= n; i++)); do wait_node "$i" || exit 1; done
	started=$n
	for _ in $(seq 600); do
		[ "$(cctl status --json | jq '[.nodes[] | select(.alive)] | length')" = "$n" ] && break
		sleep 0.5
	done
	echo
	echo "-- $n node(s) running (started in $(($(date +%s) - t0)) s); load $(cut -d' ' -f1-3 /proc/loadavg)"
	for r in $CLUSTER_RULES; do
		rm -rf "$VT_RUN/r$r" "$VT_RUN/set"
		rules "$r" "$VT_RUN/r$r"
		mkdir -p "$VT_RUN/set"
		for f in "$VT_RUN/r$r"/*.yaml; do sed 's/@EDIT@/20000/' "$f" >"$VT_RUN/set/${f##*/}"; done
		# the set replaces the last case's: its documents, then the others gone
		cctl apply "$VT_RUN"/set/*.yaml >/dev/null || exit 1
		stale=$(cctl get | sed -n 's|^# /vtap/policies/\(bench-[0-9]*\)\.yaml .*|\1|p' |
			while read -r f; do [ -f "$VT_RUN/set/$f.yaml" ] || echo "$f"; done)
		[ -z "$stale" ] || cctl delete $stale >/dev/null || exit 1
		cctl wait --timeout 900 >/dev/null || { echo "bench-cluster: $n nodes did not converge on $r rules" >&2; exit 1; }
		sleep 1
		echo "   $r rules in $(ls "$VT_RUN/set" | wc -l) document(s), an edit rewrites the first ($(stat -c %s "$VT_RUN/set/bench-00.yaml") bytes); $n node(s):"
		ip netns exec "$ETCD_NS" "$OUT/bench/bench_cluster" --endpoints "$(etcd_endpoints)" --nodes "$n" \
			--doc "$VT_RUN/r$r/bench-00.yaml" --vtapctl "$VTAPCTL" --edits "$CLUSTER_EDITS" \
			--pause "$CLUSTER_PAUSE_MS" \
			--csv "$RES" --label "n${n}_r$r" >"$VT_RUN/b-$n-$r.txt" || { cat "$VT_RUN/b-$n-$r.txt"; exit 1; }
		grep -E '^(summary|target)' "$VT_RUN/b-$n-$r.txt" | sed 's/^summary [^:]*: /   /'
	done
	read -r rss mem <<<"$(vtapd_mem)"
	avail=$(awk '/^MemAvailable/ { print $2 }' /proc/meminfo)
	echo "   memory: $n vtapd(s) resident $((rss / 1024)) MiB ($((rss / n / 1024)) MiB each), their BPF maps $((mem / 1048576)) MiB; host MemAvailable fell $(((mem0 - avail) / 1024)) MiB, $((avail / 1024)) MiB left"
	csv cluster vtapd_rss_kib "$n" 0 "$rss" KiB
	csv cluster bpf_memlock_bytes "$n" 0 "$mem" B
done

# what one node adds to etcd (the last case's nodes, idle)
n=$started
w1=$(metric_all etcd_debugging_mvcc_watcher_total)
# the policy documents are not the nodes'
k1=$(($(metric 1 etcd_debugging_mvcc_keys_total) - $(ectl get /vtap/policies/ --prefix --keys-only | grep -c .)))
l1=$(ectl lease list | grep -c '^[0-9a-f]\{16\}$')
b0=$(metric_all etcd_network_client_grpc_received_bytes_total)
s0=$(metric_all etcd_network_client_grpc_sent_bytes_total)
sleep 20
b1=$(metric_all etcd_network_client_grpc_received_bytes_total)
s1=$(metric_all etcd_network_client_grpc_sent_bytes_total)
echo
echo "-- what one node adds to etcd ($n nodes, idle 20 s; the JSON gateway counts as etcd's gRPC client):"
awk -v n="$n" -v w=$((w1 - w0)) -v k=$((k1 - k0)) -v l=$((l1 - l0)) -v rb=$((b1 - b0)) -v sb=$((s1 - s0)) \
	'BEGIN { printf "   watchers %.2f, keys %.2f, leases %.2f; idle: %.0f bytes/s to etcd, %.0f bytes/s from it\n",
		w / n, k / n, l / n, rb / n / 20, sb / n / 20 }'
grep -h '^summary' "$VT_RUN"/b-*.txt | sed -n 's/.*status puts \([0-9.]*\) per node per edit, \([0-9]*\) bytes each/   status update: \2 bytes (\1 puts per node per edit)/p' | sort -u
csv cluster watchers_per_node "$n" 0 "$(awk -v a=$((w1 - w0)) -v n="$n" 'BEGIN { printf "%.2f", a / n }')" count
csv cluster idle_bytes_per_s_per_node "$n" 0 "$(awk -v a=$((b1 - b0 + s1 - s0)) -v n="$n" 'BEGIN { printf "%.0f", a / n / 20 }')" B/s
