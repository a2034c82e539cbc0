#!/usr/bin/env bash
# A private etcd for the tests (source after lib.sh): one member or a
# three-member cluster of Debian's etcd, started and stopped by the test.
#
# Where it lives: its own network namespace ${VT_PREFIX}-etcd, members on a
# bridge there (etcdbr) at $ETCD_NET.11, .12, .13, client port 2379, peer
# port 2380, data under $VT_RUN/etcd. Being alone in a namespace, the ports
# are always free and nothing another test (or helper) runs can collide
# with them; the root namespace gets nothing. A namespace that must reach
# the store (a test's client, a cluster node running vtapd) is joined to
# the bridge by etcd_attach NS ADDR: a veth whose ends are created directly
# in the two namespaces, ADDR on $ETCD_NET.0/24. docs/cluster.md, "Tests".
#
#   etcd_up N [TLSDIR]   start N members (TLSDIR: https with client certs,
#                        files from etcd_make_certs); healthy when it returns
#   etcd_down            stop everything, remove the namespace and data
#   etcd_endpoints [I..] "URL,URL,..." of the members (all, or those given)
#   etcd_url I           one member's client URL (members are 1..N)
#   etcd_kill I [SIG]    signal one member (default KILL) and reap it
#   etcd_start I         start a member again on its data dir
#   etcd_wait_healthy [I..]  wait until the members answer as healthy
#   etcd_leader          the number of the current leader
#   etcd_attach NS ADDR  join namespace NS (full name) to the store's bridge
#   ectl ARGS...         etcdctl against every member (or $ECTL_EP), from inside
#                        the namespace
#   etcd_make_certs DIR  a CA, a server and a client certificate, and a second
#                        unrelated CA (wrong-ca.pem), with openssl
ETCD_NS=${VT_PREFIX}-etcd
ETCD_NET=${ETCD_NET:-10.78.0}
ETCD_DIR=$VT_RUN/etcd
ETCD_N=0
ETCD_TLS=
# progress notifications: a quiet watch learns the store's revision (etcd's
# default is every 10 minutes)
ETCD_PROGRESS=${ETCD_PROGRESS:-1s}
declare -A ETCD_PID=()

etcd_addr() { echo "$ETCD_NET.1$1"; }
etcd_scheme() { if [ -n "$ETCD_TLS" ]; then echo https; else echo http; fi; }
etcd_url() { echo "$(etcd_scheme)://$(etcd_addr "$1"):2379"; }

etcd_endpoints() {
	local ids=("$@") i out=
	[ ${#ids[@]} -gt 0 ] || ids=($(seq "$ETCD_N"))
	for i in "${ids[@]}"; do out+="${out:+,}$(etcd_url "$i")"; done
	echo "$out"
}

ectl() {
	local tls=()
	[ -n "$ETCD_TLS" ] && tls=(--cacert "$ETCD_TLS/ca.pem" --cert "$ETCD_TLS/client.pem"
		--key "$ETCD_TLS/client-key.pem")
	ETCDCTL_API=3 ip netns exec "$ETCD_NS" etcdctl --endpoints "${ECTL_EP:-$(etcd_endpoints)}" \
		--dial-timeout 2s --command-timeout 5s "${tls[@]}" "$@"
}

etcd_start() {
	local i=$1 a cluster= j tls=()
	a=$(etcd_addr "$i")
	for j in $(seq "$ETCD_N"); do cluster+="${cluster:+,}m$j=http://$(etcd_addr "$j"):2380"; done
	[ -n "$ETCD_TLS" ] && tls=(--cert-file "$ETCD_TLS/server.pem" --key-file "$ETCD_TLS/server-key.pem"
		--trusted-ca-file "$ETCD_TLS/ca.pem" --client-cert-auth)
	# not through nsx: $! must be etcd itself (ip netns exec execs it)
	ip netns exec "$ETCD_NS" etcd --name "m$i" --data-dir "$ETCD_DIR/m$i" \
		--listen-client-urls "$(etcd_url "$i")" --advertise-client-urls "$(etcd_url "$i")" \
		--listen-peer-urls "http://$a:2380" --initial-advertise-peer-urls "http://$a:2380" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		--initial-cluster-token "${VT_PREFIX}-etcd-$$" \
		--experimental-watch-progress-notify-interval "$ETCD_PROGRESS" \
		--logger zap --log-level warn "${tls[@]}" >>"$ETCD_DIR/m$i.log" 2>&1 &
	ETCD_PID[$i]=$!
}

etcd_kill() {
	local i=$1 sig=${2:-KILL} pid=${ETCD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	if [ "$sig" = KILL ] || [ "$sig" = TERM ]; then
		wait "$pid" 2>/dev/null
		unset "ETCD_PID[$i]"
	fi
	return 0
}

etcd_wait_healthy() {
	local ids=("$@") t
	[ ${#ids[@]} -gt 0 ] || ids=($(seq "$ETCD_N"))
	for t in $(seq 100); do
		if ECTL_EP=$(etcd_endpoints "${ids[@]}") ectl endpoint health >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	diag "etcd members ${ids[*]} not healthy after 10 s:"
	tail -n 5 "$ETCD_DIR"/m*.log | sed 's/^/# /'
	return 1
}

etcd_up() {
	local n=$1 i
	ETCD_N=$n
	ETCD_TLS=${2:-}
	mkdir -p "$ETCD_DIR"
	ip netns add "$ETCD_NS"
	ip -n "$ETCD_NS" link set lo up
	ip -n "$ETCD_NS" link add etcdbr type bridge
	ip -n "$ETCD_NS" link set etcdbr up
	for i in $(seq "$n"); do ip -n "$ETCD_NS" addr add "$(etcd_addr "$i")/24" dev etcdbr; done
	for i in $(seq "$n"); do etcd_start "$i"; done
	etcd_wait_healthy
}

etcd_down() {
	local i
	for i in "${!ETCD_PID[@]}"; do
		kill -CONT "${ETCD_PID[$i]}" 2>/dev/null
		etcd_kill "$i" KILL
	done
	ip netns del "$ETCD_NS" 2>/dev/null
	rm -rf "$ETCD_DIR"
	ETCD_N=0
	return 0
}

# the member that is the leader, by the status of the members running
etcd_leader() {
	ECTL_EP=$(etcd_endpoints "${!ETCD_PID[@]}") ectl endpoint status -w json 2>/dev/null |
		python3 -c '
import json, sys
for i, ep in enumerate(json.load(sys.stdin)):
    st = ep["Status"]
    if st["header"]["member_id"] == st["leader"]:
        print(ep["Endpoint"].rsplit(".", 1)[1].split(":")[0][1:])
        break'
}

# a veth from the store's bridge into NS; ADDR on the store's /24
etcd_attach() {
	local ns=$1 addr=$2 n
	n=$(ip -n "$ETCD_NS" -o link show type veth | wc -l)
	ip link add "e$n" netns "$ETCD_NS" type veth peer name etcd0 netns "$ns"
	ip -n "$ETCD_NS" link set "e$n" master etcdbr up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev etcd0
	ip -n "$ns" link set etcd0 up
}

etcd_make_certs() {
	local d=$1 i san="IP:127.0.0.1"
	for i in 1 2 3; do san+=",IP:$(etcd_addr "$i")"; done
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
		openssl req -x509 "${ec[@]}" -subj /CN=vtap-test-ca -days 2 -keyout ca-key.pem -out ca.pem
		openssl req -x509 "${ec[@]}" -subj /CN=vtap-wrong-ca -days 2 -keyout wrong-ca-key.pem -out wrong-ca.pem
		openssl req "${ec[@]}" -subj /CN=etcd-server -keyout server-key.pem -out server.csr
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san") \
			-out server.pem
		openssl req "${ec[@]}" -subj /CN=vtap-node -keyout client-key.pem -out client.csr
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
			-extfile <(printf 'extendedKeyUsage=clientAuth\n') -out client.pem
	) >"$d/openssl.log" 2>&1
}
