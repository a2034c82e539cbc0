#!/usr/bin/env bash
# Cluster mode with etcd's access control, as docs/cluster.md sets it up:
# each node an etcd user whose role reads PREFIX/policies/ and
# PREFIX/nodes/NODE/ and writes PREFIX/status/NODE, nothing else; the
# operator a user that writes the policies. vtapd and vtapctl log in with
# --etcd-user/--etcd-password-file (etcd's gateway refuses client
# certificates while authentication is on) and get a new token when etcd
# forgets theirs (a restart). A node with another node's name cannot read
# or publish; a wrong password is named. Then the same cluster over TLS
# (https, client certificates, no authentication).
source "$(dirname "$0")/cluster-test.sh"

check "a one-member etcd and three node namespaces" cluster_up 1
# the roles and users of docs/cluster.md, then authentication on
P=$VT_RUN/pw
mkdir -p "$P"
for u in root ops n1 n2; do (umask 077; echo "pw-$u-$RANDOM" >"$P/$u"); done
rbac() {
	ectl user add root --new-user-password="$(cat "$P/root")" &&
		ectl user grant-role root root &&
		ectl role add vtap-operator &&
		ectl role grant-permission vtap-operator readwrite /vtap/ --prefix &&
		ectl user add ops --new-user-password="$(cat "$P/ops")" &&
		ectl user grant-role ops vtap-operator || return 1
	local n
	for n in n1 n2; do
		ectl role add "vtap-node-$n" &&
			ectl role grant-permission "vtap-node-$n" read /vtap/policies/ --prefix &&
			ectl role grant-permission "vtap-node-$n" read "/vtap/nodes/$n/" --prefix &&
			ectl role grant-permission "vtap-node-$n" readwrite "/vtap/status/$n" &&
			ectl user add "$n" --new-user-password="$(cat "$P/$n")" &&
			ectl user grant-role "$n" "vtap-node-$n" || return 1
	done
	ectl auth enable
}
fails() { ! "$@" >/dev/null 2>&1; }
check "etcd roles and users (operator, a role per node), authentication enabled" eval 'rbac >/dev/null'
as() { local u=$1; shift; ectl --user "$u:$(cat "$P/$u")" "$@"; }
check "without a user etcd refuses (authentication is on)" fails ectl get /vtap/ --prefix

for n in n1 n2; do
	check "vtapd on $n starts as etcd user $n" cl_start "$n" --etcd-user "$n" --etcd-password-file "$P/$n"
done
ops() { ip netns exec "$ETCD_NS" "$VTAPCTL" --etcd "$(etcd_endpoints)" --etcd-user ops --etcd-password-file "$P/ops" cluster "$@"; }
quiet() { "$@" >/dev/null; }
out=$(ip netns exec "$ETCD_NS" "$VTAPCTL" --etcd "$(etcd_endpoints)" cluster apply "$CL_DOCS/tap.yaml" 2>&1)
check "vtapctl without a user is refused, with etcd's reason" grep -q "user name is empty" <<<"$out"
check "the operator applies tap.yaml" quiet ops apply "$CL_DOCS/tap.yaml"
cat >"$VT_RUN/own.yaml" <<'YAML'
policies:
  - name: own
    source: { ports: ["b*p"] }
    match: { protocol: udp }
    monitor: far
YAML
check "and a document of n1's own" quiet ops apply "$VT_RUN/own.yaml" --node n1
check "both nodes read what they may and publish their status: cluster wait" quiet ops wait --timeout 20
check "n1 runs 2 policies (its own too), n2 one" \
	test "$(cl_ctl n1 status --json | json_of .policies)" = 2 -a "$(cl_ctl n2 status --json | json_of .policies)" = 1
check "etcdctl as n2: n1's documents are not n2's to read" fails as n2 get /vtap/nodes/n1/ --prefix
check "etcdctl as n2: nor n1's status to write" fails as n2 put /vtap/status/n1 x
check "etcdctl as n2: nor a policy" fails as n2 put /vtap/policies/x.yaml x

# a node with n2's credentials but another name: no access to its keys
check "a vtapd named nm with n2's credentials starts (nothing from the store)" \
	cl_start nm --etcd-user n2 --etcd-password-file "$P/n2"
sleep 2
check "its log names etcd's refusal (permission denied)" grep -q "permission denied" "$VT_RUN/nm.log"
check "and it is not in the cluster's view (it may not write its status)" \
	test "$(ops status --json | jq -r '[.nodes[] | select(.alive) | .node] | join(" ")')" = "n1 n2"
cl_stop nm
(umask 077; echo wrong >"$P/bad")
check "a vtapd with a wrong password starts" cl_start nm --etcd-user n2 --etcd-password-file "$P/bad"
sleep 2
check "its log says the authentication failed" grep -q "authentication failed" "$VT_RUN/nm.log"
cl_stop nm
chmod 644 "$P/bad"
out=$(cl_in n1 "$VTAPD" --etcd http://127.0.0.1:1 --etcd-user x --etcd-password-file "$P/bad" \
	--pin-root "/sys/fs/bpf/${VT_PREFIX}-none" --socket "$VT_RUN/none.sock" 2>&1); rc=$?
check "a password file others may read is refused ($(grep -o 'password file.*' <<<"$out"))" \
	test "$rc" != 0 -a -n "$(grep 'readable or writable by others' <<<"$out")"

# etcd restarted: its tokens are gone; the nodes log in again
healthy() { # etcdctl's health check needs a user once authentication is on
	local i
	for i in $(seq 100); do as root endpoint health >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
etcd_kill 1
etcd_start 1
check "the member restarts" healthy
cl_doc "$VT_RUN/after.yaml" after 8443
check "after etcd's restart the next edit is accepted" quiet ops apply "$VT_RUN/after.yaml"
alive2() { [ "$(ops status --json | json_of '[.nodes[] | select(.alive)] | length')" = 2 ]; }
check "both nodes publish again (new tokens)" cl_wait_for 30 alive2
check "and converge on it" quiet ops wait --timeout 30
grep -h "invalid auth token\|authenticate" "$VT_RUN"/n1.log | tail -2 | sed 's/^/# n1: /'

# TLS: https, the CA, a client certificate (authentication off)
for n in n1 n2; do cl_stop "$n"; done
etcd_down
etcd_make_certs "$VT_RUN/tls"
check "a one-member etcd over TLS (client certificates required)" etcd_up 1 "$VT_RUN/tls"
T=$VT_RUN/tls
# the store's namespace is new: the nodes are joined to it again
for n in n1 n2; do etcd_attach "$(cl_ns "$n")" "$ETCD_NET.${CL_ADDR[$n]}"; done
for n in n1 n2; do
	check "vtapd on $n starts with --etcd-cacert/--etcd-cert/--etcd-key" \
		cl_start "$n" --etcd-cacert "$T/ca.pem" --etcd-cert "$T/client.pem" --etcd-key "$T/client-key.pem" \
		--state-dir "$VT_RUN/tls-state-$n"
done
tls() { ip netns exec "$ETCD_NS" "$VTAPCTL" --etcd "$(etcd_endpoints)" --etcd-cacert "$T/ca.pem" --etcd-cert "$T/client.pem" --etcd-key "$T/client-key.pem" cluster "$@"; }
check "vtapctl applies over TLS" quiet tls apply "$CL_DOCS/tap.yaml"
alive_tls() { [ "$(tls status --json | json_of '[.nodes[] | select(.alive)] | length')" = 2 ]; }
check "both nodes publish their status over TLS" cl_wait_for 20 alive_tls
check "and converge" quiet tls wait --timeout 20
tap_end
