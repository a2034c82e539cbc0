#!/usr/bin/env bash
# The etcd client (user/store) against a real etcd: a three-member cluster
# in its own namespace (tests/ns/etcd-lib.sh), the client in another
# namespace joined to it, driven through build/tools/etcd_tool. Writes
# "behind the client's back" and independent reads use etcdctl.
set -u
cd "$(dirname "$0")/../.."
source tests/ns/lib.sh
source tests/ns/etcd-lib.sh

EC=${VT_PREFIX}-ec
TOOL=$OUT/tools/etcd_tool
BG=() # background tools, killed at exit
cleanup() {
	local p
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; done
	etcd_down
	topo_down
}
trap cleanup EXIT

tool() { ip netns exec "$EC" "$TOOL" "$@"; }
# tool_bg OUTFILE ARGS...: in the background, its pid in BGPID
tool_bg() {
	local out=$1; shift
	ip netns exec "$EC" "$TOOL" "$@" >"$out" 2>&1 &
	BGPID=$!
	BG+=("$BGPID")
}
ms() { date +%s%3N; }
hex() { od -An -tx1 -v | tr -d ' \n'; }
# wait_for SECONDS COMMAND...: poll every 0.1 s
wait_for() {
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
rev_now() { tool --endpoints "$EP" get /nothing | awk '$1 == "REV" { print $2 }'; }
show() { sed 's/^/#   /' "$1" | tail -n "${2:-15}"; }

# every event a watch printed: revisions strictly increasing and without a
# gap from FIRST, so nothing lost or repeated; prints the last revision
check_events() {
	python3 - "$1" "$2" <<'EOF'
import sys
revs = [int(l.split()[2]) for l in open(sys.argv[1]) if l.split()[:1] in (["PUT"], ["DELETE"])]
want = list(range(int(sys.argv[2]), int(sys.argv[2]) + len(revs)))
if not revs or revs != want:
    bad = next((i for i, (a, b) in enumerate(zip(revs, want)) if a != b), len(revs))
    print("# %d events; first wrong at %d: %s (want %s)" % (len(revs), bad, revs[bad:bad+3], want[bad:bad+3]))
    sys.exit(1)
print(revs[-1])
EOF
}

# ---- a three-member cluster, a client namespace on its bridge
t0=$(ms)
check "three-member etcd healthy" etcd_up 3
diag "cluster healthy $(($(ms) - t0)) ms after the first start"
ip netns add "$EC"
etcd_attach "$EC" "$ETCD_NET.100"
EP=$(etcd_endpoints)

# ---- put / range / delete, binary-safe values
val=$(python3 -c 'print(bytes(range(256)).hex() + "0a00")')
tool --endpoints "$EP" put-hex /t/bin "$val" >"$VT_RUN/put" 2>&1
got=$(tool --endpoints "$EP" get /t/bin | awk '$1 == "KV" { print $5 }')
check "a 258-byte value (every byte, NUL and newline inside) reads back the same" [ "$got" = "$val" ]
etc=$(ectl get /t/bin --print-value-only | head -c 258 | hex)
check "etcdctl reads the same bytes the client wrote" [ "$etc" = "$val" ]
head -c 300 /dev/urandom >"$VT_RUN/rnd"
ectl put /t/rnd <"$VT_RUN/rnd" >/dev/null
got=$(tool --endpoints "$EP" get /t/rnd | awk '$1 == "KV" { print $5 }')
check "the client reads the bytes etcdctl wrote" [ "$got" = "$(hex <"$VT_RUN/rnd")" ]
tool --endpoints "$EP" put /t/empty "" >/dev/null
out=$(tool --endpoints "$EP" get /t/ --prefix)
check "a prefix range lists the three keys in order, the empty value as empty" \
	[ "$(echo "$out" | awk '$1 == "KV" { print $2 ":" $5 }' | cut -c1-10 | tr '\n' ' ')" = \
	"/t/bin:000 /t/empty:- /t/rnd:$(hex <"$VT_RUN/rnd" | cut -c1-3) " ]
out=$(tool --endpoints "$EP" del /t/bin)
check "delete of one key: deleted 1" [ "$(echo "$out" | awk '{ print $2 }')" = 1 ]
check "the deleted key is gone" [ "$(tool --endpoints "$EP" get /t/bin | awk '{ print $4 }')" = 0 ]
out=$(tool --endpoints "$EP" del /t/ --prefix)
check "delete of a prefix: deleted 2" [ "$(echo "$out" | awk '{ print $2 }')" = 2 ]

# ---- a transaction of 20 keys lands at one revision; compare-and-put
args=()
for i in $(seq 20); do args+=("/txn/k$(printf %02d "$i")=$(printf 'file %d' "$i" | hex)"); done
out=$(tool --endpoints "$EP" txn "${args[@]}")
R=$(echo "$out" | awk '$1 == "TXN" && $2 == "succeeded" { print $4 }')
revs=$(ectl get /txn/ --prefix -w json | python3 -c '
import json, sys
print(" ".join(sorted({str(kv["mod_revision"]) for kv in json.load(sys.stdin)["kvs"]})))')
n=$(ectl get /txn/ --prefix -w json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["kvs"]))')
check "txn of 20 puts: one revision ($R) for all 20 keys (etcdctl's view)" \
	eval '[ -n "$R" ] && [ "$revs" = "$R" ] && [ "$n" = 20 ]'
out=$(tool --endpoints "$EP" txn --if-mod "/txn/k01=$R" "/txn/k01=$(printf new | hex)")
check "compare-and-put on the current mod revision succeeds" [ "$(echo "$out" | awk '{ print $2 }')" = succeeded ]
out=$(tool --endpoints "$EP" txn --if-mod "/txn/k01=$R" "/txn/k01=$(printf stale | hex)" "/txn/k02=00")
v1=$(ectl get /txn/k01 --print-value-only)
v2=$(ectl get /txn/k02 --print-value-only)
check "compare-and-put on a stale revision fails and writes nothing" \
	eval '[ "$(echo "$out" | awk "{ print \$2 }")" = failed ] && [ "$v1" = new ] && [ "$v2" = "file 2" ]'

# ---- watch from a revision across a leader kill, writes going on
L=$(etcd_leader)
others=$(for i in 1 2 3; do [ "$i" != "$L" ] && echo "$i"; done)
EPL=$(etcd_endpoints "$L" $others) # the leader first: the watch and the writer start there
S=$(($(rev_now) + 1))
tool_bg "$VT_RUN/watch1" --endpoints "$EPL" --idle 2000 watch /w/ --prefix --rev "$S" \
	--until-key /w/zz-end --seconds 60
W=$BGPID
tool_bg "$VT_RUN/write1" --endpoints "$EPL" write /w/k 300
WR=$BGPID
wait_for 20 eval '[ "$(cat "$VT_RUN/write1" 2>/dev/null | grep -c ^PUT)" -ge 100 ]'
diag "killing leader m$L ($(etcd_url "$L")) after $(grep -c ^PUT "$VT_RUN/write1") writes"
etcd_kill "$L" KILL
wait "$WR"
wrc=$?
tool --endpoints "$EPL" put /w/zz-end end >/dev/null
wait "$W"
wwrc=$?
check "the writer put all 300 keys through the leader's death" \
	eval '[ "$wrc" = 0 ] && [ "$(grep -c ^PUT "$VT_RUN/write1")" = 300 ]'
check "the watch ran until the last key" [ "$wwrc" = 0 ]
first=$(awk '$1 == "CONNECTED" { print $2; exit }' "$VT_RUN/watch1")
later=$(awk '$1 == "CONNECTED" { print $2 }' "$VT_RUN/watch1" | tail -n 1)
check "the watch started at the leader and reconnected to another member" \
	eval '[ "$first" = "$(etcd_url "$L")" ] && [ "$later" != "$(etcd_url "$L")" ]'
last=$(check_events "$VT_RUN/watch1" "$S")
check "every revision from $S to the end once, in order (no event lost or repeated)" [ -n "$last" ]
missing=$(awk '$1 == "PUT" { print $2, $3 }' "$VT_RUN/write1" | while read -r k r; do
	grep -q "^PUT $k $r " "$VT_RUN/watch1" || echo "$k@$r"; done | head -3)
check "each write the writer saw acknowledged is in the watch, at its revision" [ -z "$missing" ]
[ -z "$missing" ] || diag "missing: $missing"
[ "$wwrc" = 0 ] || show "$VT_RUN/watch1"
grep '^ERROR' "$VT_RUN/watch1" | head -2 | sed 's/^/# watch: /'
etcd_start "$L"
etcd_wait_healthy

# ---- compaction while a watch is away is reported
A=$(for i in 1 2 3; do [ "$i" != "$(etcd_leader)" ] && echo "$i"; done | head -1)
others=$(for i in 1 2 3; do [ "$i" != "$A" ] && echo "$i"; done)
EPO=$(etcd_endpoints $others)
S=$(($(rev_now) + 1))
tool_bg "$VT_RUN/watch2" --endpoints "$(etcd_url "$A")" --idle 1000 watch /c/ --prefix --rev "$S" \
	--until-key /c/end --seconds 40
W=$BGPID
tool --endpoints "$EPO" put /c/1 one >/dev/null
wait_for 5 grep -qs '^PUT /c/1 ' "$VT_RUN/watch2"
etcd_kill "$A" KILL
for i in 2 3 4 5; do tool --endpoints "$EPO" put "/c/$i" x >/dev/null; done
C=$(rev_now)
tool --endpoints "$EPO" compact "$C" >/dev/null
etcd_start "$A"
etcd_wait_healthy
wait "$W"
wrc=$?
got=$(awk '$1 == "COMPACTED" { print $2 }' "$VT_RUN/watch2")
check "a watch whose next revision was compacted away stops and says COMPACTED $C" \
	eval '[ "$wrc" = 3 ] && [ "$got" = "$C" ]'
check "it had delivered what came before the compaction" grep -q '^PUT /c/1 ' "$VT_RUN/watch2"
[ "$wrc" = 3 ] || show "$VT_RUN/watch2"
out=$(tool --endpoints "$EP" watch /c/ --prefix --rev 2 --seconds 5)
check "a watch asked to start at a compacted revision is told at once" \
	[ "$(echo "$out" | awk '$1 == "COMPACTED" { print $2 }')" = "$C" ]

# ---- a quiet watch hears the store's revision; a hung member is left
R=$(rev_now)
out=$(tool --endpoints "$EP" watch /quiet/ --prefix --seconds 2.5)
check "a quiet watch gets progress notifications with the store's revision ($R)" \
	eval 'echo "$out" | grep -q "^PROGRESS $R\$" && echo "$out" | grep -q "^NEXT $((R + 1))\$"'
A=$(for i in 1 2 3; do [ "$i" != "$(etcd_leader)" ] && echo "$i"; done | head -1)
others=$(for i in 1 2 3; do [ "$i" != "$A" ] && echo "$i"; done)
EPO=$(etcd_endpoints $others)
S=$(($(rev_now) + 1))
tool_bg "$VT_RUN/watch4" --endpoints "$(etcd_endpoints "$A" $others)" --idle 1000 \
	--attempt-timeout 1000 watch /h/ --prefix --rev "$S" --until-key /h/end --seconds 30
W=$BGPID
wait_for 5 grep -qs '^CONNECTED' "$VT_RUN/watch4"
etcd_kill "$A" STOP
t0=$(ms)
for i in 1 2 3 4 5; do tool --endpoints "$EPO" put "/h/$i" x >/dev/null; done
tool --endpoints "$EPO" put /h/end x >/dev/null
wait "$W"
wrc=$?
dt=$(($(ms) - t0))
etcd_kill "$A" CONT
check "a watch on a hung member (SIGSTOP) moves on and delivers every write (${dt} ms; idle 1000 + probe 1000)" \
	eval '[ "$wrc" = 0 ] && [ "$dt" -le 5000 ] && [ -n "$(check_events "$VT_RUN/watch4" "$S")" ]'
grep '^ERROR' "$VT_RUN/watch4" | head -2 | sed 's/^/# watch: /'
[ "$wrc" = 0 ] || show "$VT_RUN/watch4"
etcd_wait_healthy

# ---- leases
tool_bg "$VT_RUN/hold1" --endpoints "$EP" lease-hold /l/n1 alive --ttl 2 --seconds 6
H=$BGPID
sleep 4.5
check "keepalives hold a 2 s lease's key for 4.5 s" [ "$(ectl get /l/n1 --print-value-only)" = alive ]
wait "$H"
t0=$(ms)
check "the key is still there when the keepalives stop" [ "$(ectl get /l/n1 --print-value-only)" = alive ]
wait_for 4 eval '[ -z "$(ectl get /l/n1 --print-value-only)" ]'
dt=$(($(ms) - t0))
check "without keepalives it vanishes within the TTL (${dt} ms, TTL 2000 ms + etcd's 500 ms expiry tick)" [ "$dt" -le 2600 ]

tool_bg "$VT_RUN/hold2" --endpoints "$EP" lease-hold /l/n2 alive --ttl 3 --seconds 8
H=$BGPID
wait_for 5 grep -qs '^PUT' "$VT_RUN/hold2"
ID=$(awk '$1 == "GRANTED" { print $2; exit }' "$VT_RUN/hold2")
ectl lease revoke "$(printf %x "$ID")" >/dev/null
lease_of() { ectl get "$1" -w json | python3 -c 'import json,sys; k=json.load(sys.stdin).get("kvs",[]); print(k[0].get("lease",0) if k else "none")'; }
wait_for 4 eval '[ "$(lease_of /l/n2)" != none ] && [ "$(lease_of /l/n2)" != "$ID" ]'
now=$(lease_of /l/n2)
check "a lease revoked behind the client's back: a new lease is granted and the key put again" \
	eval '[ "$now" != none ] && [ "$now" != "$ID" ] && grep -q "^GRANTED .* lease $ID expired" "$VT_RUN/hold2"'
wait "$H"
tool --endpoints "$EP" lease-hold /l/n3 alive --ttl 30 --seconds 1 --revoke >"$VT_RUN/hold3" 2>&1
check "a clean stop revokes: the key of a 30 s lease is gone at once" [ -z "$(ectl get /l/n3 --print-value-only)" ]

# ---- the whole store away: hung, then dead, then back
S=$(($(rev_now) + 1))
tool_bg "$VT_RUN/watch3" --endpoints "$EP" --idle 1000 watch /d/ --prefix --rev "$S" \
	--until-key /d/after --seconds 90
W=$BGPID
tool_bg "$VT_RUN/hold4" --endpoints "$EP" lease-hold /d/lease alive --ttl 4 --seconds 90
H=$BGPID
wait_for 5 grep -qs '^PUT' "$VT_RUN/hold4"
tool --endpoints "$EP" put /d/before 1 >/dev/null
for i in 1 2 3; do etcd_kill "$i" STOP; done
t0=$(ms)
out=$(tool --endpoints "$EP" --timeout 2000 --attempt-timeout 600 put /d/x 1 2>&1)
rc=$?
dt=$(($(ms) - t0))
check "every member hung: a put fails within its 2000 ms timeout (${dt} ms)" eval '[ "$rc" = 1 ] && [ "$dt" -le 2500 ]'
check "... naming the operation, the key and what each endpoint did" \
	eval 'echo "$out" | grep -q "etcd put '"'/d/x'"': no endpoint answered within 2000 ms (http://.*timed out"'
diag "$out"
for i in 1 2 3; do etcd_kill "$i" KILL; done
t0=$(ms)
out=$(tool --endpoints "$EP" --timeout 2000 get /d/ --prefix 2>&1)
rc=$?
dt=$(($(ms) - t0))
check "every member dead: a range fails within its 2000 ms timeout (${dt} ms)" eval '[ "$rc" = 1 ] && [ "$dt" -le 2500 ]'
check "... naming each endpoint" eval 'for i in 1 2 3; do echo "$out" | grep -qF "$(etcd_url $i): Failed to connect" || exit 1; done'
diag "$out"
sleep 2
for i in 1 2 3; do etcd_start "$i"; done
etcd_wait_healthy
tool --endpoints "$EP" put /d/after 1 >/dev/null
wait "$W"
wrc=$?
check "a watch that lived through the outage delivers the first write after it" [ "$wrc" = 0 ]
check "... and the one before it, with no revision lost or repeated" \
	eval 'grep -q "^PUT /d/before " "$VT_RUN/watch3" && [ -n "$(check_events "$VT_RUN/watch3" "$S")" ]'
check "... having reported the outage" grep -q '^ERROR etcd watch' "$VT_RUN/watch3"
[ "$wrc" = 0 ] || show "$VT_RUN/watch3"
wait_for 6 eval '[ "$(ectl get /d/lease --print-value-only 2>/dev/null)" = alive ]'
check "the lease holder's key is there again after the outage" [ "$(ectl get /d/lease --print-value-only)" = alive ]
check "... having reported the failed keepalives" grep -q '^ERROR etcd lease keepalive' "$VT_RUN/hold4"
grep -q "^ERROR etcd lease keepalive" "$VT_RUN/hold4" || show "$VT_RUN/hold4"
kill -KILL "$H" 2>/dev/null

# ---- TLS with client certificates
etcd_down
etcd_make_certs "$VT_RUN/tls"
check "one TLS member (client certificates required) healthy" etcd_up 1 "$VT_RUN/tls"
etcd_attach "$EC" "$ETCD_NET.100"
EP=$(etcd_endpoints)
C=$VT_RUN/tls
out=$(tool --endpoints "$EP" --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem" put /tls/a yes 2>&1)
check "put over https with a client certificate" [ "$(echo "$out" | awk '{ print $1 }')" = REV ]
check "... etcdctl reads it" [ "$(ectl get /tls/a --print-value-only)" = yes ]
t0=$(ms)
out=$(tool --endpoints "$EP" --cacert "$C/wrong-ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem" \
	get /tls/a 2>&1)
rc=$?
dt=$(($(ms) - t0))
check "a server certificate from another CA is refused at once (${dt} ms), naming the endpoint" \
	eval '[ "$rc" = 1 ] && [ "$dt" -lt 2000 ] && echo "$out" | grep -q "$EP: SSL certificate problem"'
diag "$out"
out=$(tool --endpoints "$EP" --cacert "$C/ca.pem" --timeout 1500 get /tls/a 2>&1)
rc=$?
check "without a client certificate the server refuses, and the error says certificate" \
	eval '[ "$rc" = 1 ] && echo "$out" | grep -q "$EP: .*certificate"'
diag "$out"
out=$(tool --endpoints "$EP" --cacert "$C/nonexistent.pem" get /tls/a 2>&1)
check "a CA file that is not there is an option error naming it" \
	eval 'echo "$out" | grep -q "cacert .*nonexistent.pem.: No such file"'
tap_end
