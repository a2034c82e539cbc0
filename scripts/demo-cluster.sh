#!/usr/bin/env bash
# vtap cluster demo (`make demo-cluster`, `scripts/demo.sh --cluster`): design
# §6.4 on this host, the way `make demo` shows one host.
#
# Builds a small cloud of network namespaces (tests/ns/cluster-lib.sh): a
# three-member etcd, two compute nodes n1 and n2 (each with VMs a and b on a
# bridge, and its own vtapd in cluster mode) and a monitor host nm (its own
# vtapd, the monitor VM behind port monp), joined by an underlay. One
# `vtapctl cluster apply` taps TCP port 80 of both nodes' a-VMs to the
# monitor, through VXLAN; nm's own document (--node nm) delivers the copies
# to the monitor VM. Traffic on both nodes; the monitor's frames are
# compared, byte for byte, with the matching frames both receivers saw, and
# `cluster stats` with the monitor's count. Then the store's leader is
# killed and an edit still reaches every node. Exit status 0 when all agree.
#
#   scripts/demo-cluster.sh           run it, tear everything down afterwards
#   scripts/demo-cluster.sh --keep    leave it up to look around
#   scripts/demo-cluster.sh --down    tear down what --keep left
set -u

. "$(dirname "$0")/demo-lib.sh"
demo_start "[--keep | --down]" "" "$@"
VT_PREFIX=vtc
VT_RUN=/run/vtap/demo-cluster
. tests/ns/cluster-lib.sh
ours() { ip netns list | awk '{print $1}' | grep "^${VT_PREFIX}-"; }

# everything the demo made: its namespaces hold every process it started
# (etcd members, vtapds: SIGTERM, so each vtapd detaches and unpins)
demo_down() {
	local n
	for n in "${!CL_PID[@]}"; do cl_stop "$n"; done
	for n in $(ours); do ip netns pids "$n" 2>/dev/null | xargs -r kill -TERM 2>/dev/null; done
	sleep 1
	for n in $(ours); do ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null; done
	topo_down
	# the pin roots' parent (cluster-lib.sh's CL_PINS), of this run or of
	# the --keep run a --down ends: every vtapd of the demo is gone by now
	rm -rf "/sys/fs/bpf/${VT_PREFIX}-cl-"*
	rmdir /run/vtap 2>/dev/null
	return 0
}

if [ "$MODE" = down ]; then
	if [ -z "$(ours)" ]; then
		say "nothing to tear down"
		rm -rf "$VT_RUN"
		exit 0
	fi
	say "tearing down the cluster demo"
	demo_down
	[ -z "$(ours)" ] || die "still there: $(ours | tr '\n' ' ')"
	say "done: etcd and the vtapds stopped, namespaces removed"
	exit 0
fi

demo_need demo-cluster etcd etcdctl tcpdump python3 jq ip
if [ -n "$(ours)" ]; then
	say "a previous demo (--keep) is still up: tearing it down first"
	demo_down
fi
mkdir -p "$VT_RUN"

demo_traps "etcd, vtapds, namespaces"

section "1. a three-member etcd, nodes n1 and n2 (VMs a and b each), monitor host nm"
cluster_up 3 || die "cannot build the namespaces or start etcd"
say "etcd members: $(etcd_endpoints) (namespace $ETCD_NS), leader: member $(etcd_leader)"
for n in $CL_NODES; do
	cl_start "$n" </dev/null || die "vtapd on $n did not start"
	say "vtapd on $n: $VTAPD --etcd ... --node $n (pid ${CL_PID[$n]})"
done

section "2. vtapctl cluster apply: one document for every node, one for nm"
sed 's/^/  | /' "$CL_DOCS/tap.yaml"
cctl apply "$CL_DOCS/tap.yaml" | sed 's/^/  /' || die "cluster apply failed"
sed 's/^/  | /' "$CL_DOCS/recv.yaml"
cctl apply "$CL_DOCS/recv.yaml" --node nm | sed 's/^/  /' || die "cluster apply --node nm failed"
cctl wait --timeout 20 | sed 's/^/  /' || die "the nodes did not converge"

section "3. vtapctl cluster status"
cctl status | sed 's/^/  /'

section "4. traffic: 3 GETs a1 -> b1:80 on n1, 3 GETs a2 -> b2:80 on n2"
capture_start b1 "$VT_RUN/b1.pcap" tcp port 80 || die "tcpdump did not start"
capture_start b2 "$VT_RUN/b2.pcap" tcp port 80 || die "tcpdump did not start"
capture_start mon "$VT_RUN/mon.pcap" || die "tcpdump did not start"
cl_web 1 3
cl_web 2 3
capture_stop
say "node n1: b1 saw $(count "$VT_RUN/b1.pcap") port-80 frames; node n2: b2 saw $(count "$VT_RUN/b2.pcap")"

section "5. vtapctl cluster stats (every node republishes its counters within 5 s)"
n_mon=$(count "$VT_RUN/mon.pcap")
for _ in $(seq 60); do
	[ "$(cctl stats web --json | jq '.policies[0].copies // 0')" = "$n_mon" ] && break
	sleep 0.2
done
cctl stats | sed 's/^/  /'

section "6. the store's leader dies; an edit still reaches every node"
leader=$(etcd_leader)
etcd_kill "$leader"
say "killed member $leader; applying stream.yaml through the others"
cctl apply "$CL_DOCS/stream.yaml" | sed 's/^/  /'
edit_ok=0
cctl wait --timeout 20 | sed 's/^/  /' && edit_ok=1
say "new leader: member $(etcd_leader)"
cctl status | sed 's/^/  /'

section "7. verdict"
copies=$(cctl stats web --json | jq '.policies[0].copies // 0')
fail=
[ "$(count "$VT_RUN/b1.pcap")" -gt 0 ] && [ "$(count "$VT_RUN/b2.pcap")" -gt 0 ] || fail="${fail}  - a node saw no traffic\n"
[ "$(frames_all "$VT_RUN/b1.pcap" "$VT_RUN/b2.pcap")" = "$(frames_all "$VT_RUN/mon.pcap")" ] ||
	fail="${fail}  - the monitor's frames differ from the receivers' matching frames\n"
[ "$copies" = "$n_mon" ] || fail="${fail}  - cluster stats says $copies copies, the monitor has $n_mon frames\n"
[ "$edit_ok" = 1 ] || fail="${fail}  - the edit after the leader's death did not converge\n"
if [ -z "$fail" ]; then
	printf '%sPASS: the monitor on nm received %d copies from two nodes, identical byte for byte to the matching frames of both; cluster stats sums to %s; an edit reached every node after the leader died%s\n' \
		"$G$B" "$n_mon" "$copies" "$N"
	rc=0
else
	printf '%b' "$fail"
	printf '%sFAIL: see above%s\n' "$R$B" "$N"
	rc=1
fi
VERDICT_DONE=1

if [ "$MODE" = keep ]; then
	section "left running (--keep)"
	cat <<EOF
  etcd ($ETCD_NS: $(etcd_endpoints)), the vtapds of n1, n2, nm and the VMs are up.
  The cluster, from the store's namespace:
    ip netns exec $ETCD_NS $VTAPCTL --etcd $(etcd_endpoints) cluster status
    ip netns exec $ETCD_NS $VTAPCTL --etcd $(etcd_endpoints) cluster get
  One node:
    $VTAPCTL --socket $VT_RUN/n1.sock status
  The monitor:
    ip netns exec ${VT_PREFIX}-mon tcpdump -i eth0 -nn
  Tear it all down:
    $0 --down
EOF
fi
exit "$rc"
