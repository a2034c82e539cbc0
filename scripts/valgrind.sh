#!/usr/bin/env bash
# Short runs of vtapctl and vtapd under valgrind's memcheck, one TAP line each;
# a run fails on any memcheck error (invalid access, uninitialised value used,
# bad free) and on definitely or indirectly lost memory at exit.
#   vtapctl: --help, validate (a good and a bad file), status without vtapd
#   vtapd:   a tiny policy on two veth pairs of its own (host ports
#            ${VG_PREFIX}-vm, ${VG_PREFIX}-mon), its own pin root and socket;
#            it serves status, stats --json and reload, then gets SIGTERM
# The binaries come from $OUT (default build; use an uninstrumented build:
# valgrind and ASan do not mix). Needs root (BPF, tc, veth).
# scripts/valgrind.supp holds the few suppressions, each with its reason.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
VG_PREFIX=${VG_PREFIX:-vtvg}
VTAPD=$OUT/vtapd
VTAPCTL=$OUT/vtapctl
run=$(mktemp -d /tmp/vtap-valgrind.XXXXXX)
pin=/sys/fs/bpf/${VG_PREFIX}-valgrind-$$
sock=$run/vtapd.sock
VG=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --track-origins=yes --num-callers=30 --suppressions=scripts/valgrind.supp)

n=0 nfailed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); nfailed=$((nfailed + 1)); echo "not ok $n - $*"; }
diag() { echo "# $*"; }

vtapd_pid=
cleanup() {
	if [ -n "$vtapd_pid" ]; then
		kill -KILL "$vtapd_pid" 2>/dev/null
		wait "$vtapd_pid" 2>/dev/null
	fi
	ip link del "${VG_PREFIX}-vm" 2>/dev/null
	ip link del "${VG_PREFIX}-mon" 2>/dev/null
	# a vtapd killed above leaves its pins; vtapctl removes them and its clsacts
	[ -d "$pin" ] && "$VTAPCTL" --socket "$sock" --pin-root "$pin" teardown >/dev/null 2>&1
	[ -n "${VG_KEEP:-}" ] && cp -r "$run" "$VG_KEEP"; rm -rf "$pin" "$run"
}
trap cleanup EXIT

# vg NAME EXPECTED_STATUS CMD...: CMD under memcheck; ok when memcheck found
# nothing (its status is not 99) and CMD exited with EXPECTED_STATUS
# ("nonzero": any status but 0 and 99)
vg() {
	local name=$1 want=$2; shift 2
	local vlog=$run/vg-$n.log rc
	"${VG[@]}" --log-file="$vlog" "$@" >"$run/out" 2>&1
	rc=$?
	if [ "$rc" -eq 99 ]; then
		not_ok "$name: memcheck errors"
		sed -n '/ERROR SUMMARY/p;/^==[0-9]*== [A-Z][a-z]/,/^==[0-9]*== $/p' "$vlog" | head -150 | sed 's/^/# /'
	elif [ "$want" = nonzero ] && [ "$rc" -ne 0 ] || [ "$rc" = "$want" ]; then
		ok "$name: valgrind-clean (exit $rc)"
	else
		not_ok "$name: exited with status $rc, expected $want"
		sed 's/^/# /' "$run/out" | head -20
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "valgrind.sh: vtapd loads BPF programs and attaches tc filters: run it as root" >&2
	exit 1
fi
if ! command -v valgrind >/dev/null; then
	echo "not ok 1 - valgrind is not installed (scripts/deps.sh installs it)"
	exit 1
fi
if [ ! -x "$VTAPD" ] || [ ! -x "$VTAPCTL" ]; then
	echo "not ok 1 - no $VTAPD or $VTAPCTL: build them first (make OUT=$OUT)"
	exit 1
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# ---- vtapctl alone
vg "vtapctl --help" 0 "$VTAPCTL" --help
vg "vtapctl validate policies/demo.yaml" 0 "$VTAPCTL" validate policies/demo.yaml
mkdir -p "$run/bad"
cat >"$run/bad/bad.yaml" <<'EOF'
monitors:
  - name: mon
    type: local
    port: vtap-mon
policies:
  - name: web
    colour: blue
    destination:
      cidr: 10.77.0.1/24
    match:
      protocol: tcp
      dst_ports: [80, 70000]
    action: mirror
    monitor: nowhere
EOF
vg "vtapctl validate on a bad file (errors reported)" 1 "$VTAPCTL" validate "$run/bad/bad.yaml"
grep -q 'bad.yaml:[0-9]*:[0-9]*:' "$run/out" || diag "validate printed no FILE:LINE:COLUMN error: $(head -3 "$run/out")"
vg "vtapctl validate policies/examples/*.yaml" 0 "$VTAPCTL" validate policies/examples/*.yaml
vg "vtapctl validate tests/unit/policies/bad/* (errors reported)" 1 \
	"$VTAPCTL" validate tests/unit/policies/bad/*
vg "vtapctl validate on a file that does not exist" nonzero "$VTAPCTL" validate "$run/none.yaml"
vg "vtapctl status without vtapd" nonzero "$VTAPCTL" --socket "$sock" --pin-root "$pin" status

# ---- vtapd: a tiny policy on ports of its own
ip link del "${VG_PREFIX}-vm" 2>/dev/null
ip link del "${VG_PREFIX}-mon" 2>/dev/null
ip link add "${VG_PREFIX}-vm" type veth peer name "${VG_PREFIX}-vmp"
ip link add "${VG_PREFIX}-mon" type veth peer name "${VG_PREFIX}-monp"
for l in vm vmp mon monp; do ip link set "${VG_PREFIX}-$l" up; done
mkdir -p "$run/policies"
cat >"$run/policies/10-tiny.yaml" <<EOF
monitors:
  - name: mon
    type: local
    port: ${VG_PREFIX}-mon
policies:
  - name: tiny
    source:
      ports: [${VG_PREFIX}-vm]
    direction: both
    match:
      protocol: udp
      dst_ports: [9999]
    action: mirror
    monitor: mon
EOF
"${VG[@]}" --log-file="$run/vtapd.vg" "$VTAPD" --policy-dir "$run/policies" \
	--pin-root "$pin" --socket "$sock" --log-level debug 2>"$run/vtapd.log" &
vtapd_pid=$!
up=0
for _ in $(seq 600); do # valgrind is slow to start: up to 60 s
	[ -S "$sock" ] && { up=1; break; }
	kill -0 "$vtapd_pid" 2>/dev/null || break
	sleep 0.1
done
if [ "$up" = 1 ]; then
	ok "vtapd under valgrind serves its socket"
else
	not_ok "vtapd under valgrind did not start"
	tail -20 "$run/vtapd.log" | sed 's/^/# /'
fi
ctl() { "$VTAPCTL" --socket "$sock" --pin-root "$pin" "$@" >"$run/out" 2>&1; }
if ctl status && grep -q "${VG_PREFIX}-vm" "$run/out"; then
	ok "vtapctl status (against vtapd under valgrind)"
else
	not_ok "vtapctl status (against vtapd under valgrind)"
	sed 's/^/# /' "$run/out" | head -20
fi
if ctl stats --json && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$run/out"; then
	ok "vtapctl stats --json"
else
	not_ok "vtapctl stats --json"
	sed 's/^/# /' "$run/out" | head -20
fi
# a reload that changes something: the rule set is built again
sed -i 's/9999/9998/' "$run/policies/10-tiny.yaml"
if ctl reload; then ok "vtapctl reload"; else not_ok "vtapctl reload"; sed 's/^/# /' "$run/out"; fi
# a bad edit: vtapd rejects it and keeps the rule set it has (the error path
# of a reload frees what it parsed)
cp "$run/policies/10-tiny.yaml" "$run/tiny.good"
printf '    colour: blue\n' >>"$run/policies/10-tiny.yaml"
if ! ctl reload && grep -q colour "$run/out"; then
	ok "vtapctl reload of a bad edit is refused"
else
	not_ok "vtapctl reload of a bad edit is refused"
	sed 's/^/# /' "$run/out" | head -20
fi
mv "$run/tiny.good" "$run/policies/10-tiny.yaml"
# and the same commands once more under memcheck themselves, against vtapd
vg "vtapctl status under valgrind" 0 "$VTAPCTL" --socket "$sock" --pin-root "$pin" status --json
vg "vtapctl stats --json under valgrind" 0 "$VTAPCTL" --socket "$sock" --pin-root "$pin" stats --json
vg "vtapctl policies under valgrind" 0 "$VTAPCTL" --socket "$sock" --pin-root "$pin" policies
vg "vtapctl reload under valgrind" 0 "$VTAPCTL" --socket "$sock" --pin-root "$pin" reload

rc=
if [ -n "$vtapd_pid" ] && kill -TERM "$vtapd_pid" 2>/dev/null; then
	for _ in $(seq 300); do # up to 30 s for the leak check at exit
		kill -0 "$vtapd_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$vtapd_pid" 2>/dev/null && kill -KILL "$vtapd_pid"
	wait "$vtapd_pid"
	rc=$?
fi
vtapd_pid=
if [ "$rc" = 99 ]; then
	not_ok "vtapd (start, status, stats, reload, SIGTERM): memcheck errors"
	sed -n '/ERROR SUMMARY/p;/^==[0-9]*== [A-Z][a-z]/,/^==[0-9]*== $/p' "$run/vtapd.vg" | head -200 | sed 's/^/# /'
elif [ "$rc" = 0 ]; then
	ok "vtapd (start, status, stats, reload, SIGTERM): valgrind-clean, exit 0"
else
	not_ok "vtapd (start, status, stats, reload, SIGTERM): exit status ${rc:-none}"
	tail -20 "$run/vtapd.log" | sed 's/^/# /'
fi
diag "vtapd: $(grep -m1 'ERROR SUMMARY' "$run/vtapd.vg" | sed 's/^==[0-9]*== //')"
if [ -e "$pin" ]; then not_ok "vtapd removed its pins on SIGTERM"; else ok "vtapd removed its pins on SIGTERM"; fi

# ---- vtapd --keep leaves its taps and pins; vtapctl teardown (no daemon)
# removes them: both under memcheck
"${VG[@]}" --log-file="$run/vtapd-keep.vg" "$VTAPD" --policy-dir "$run/policies" \
	--pin-root "$pin" --socket "$sock" --keep 2>"$run/vtapd-keep.log" &
vtapd_pid=$!
for _ in $(seq 600); do
	[ -S "$sock" ] && break
	kill -0 "$vtapd_pid" 2>/dev/null || break
	sleep 0.1
done
kill -TERM "$vtapd_pid" 2>/dev/null
wait "$vtapd_pid"
rc=$?
vtapd_pid=
if [ "$rc" = 0 ] && [ -d "$pin" ]; then
	ok "vtapd --keep (start, SIGTERM, pins left): valgrind-clean, exit 0"
elif [ "$rc" = 99 ]; then
	not_ok "vtapd --keep: memcheck errors"
	sed -n '/ERROR SUMMARY/p;/^==[0-9]*== [A-Z][a-z]/,/^==[0-9]*== $/p' "$run/vtapd-keep.vg" | head -200 | sed 's/^/# /'
else
	not_ok "vtapd --keep: exit status $rc, pins $([ -d "$pin" ] && echo left || echo gone)"
	tail -20 "$run/vtapd-keep.log" | sed 's/^/# /'
fi
vg "vtapctl teardown without vtapd (pins and filters it left)" 0 \
	"$VTAPCTL" --socket "$sock" --pin-root "$pin" teardown
if [ -e "$pin" ]; then not_ok "vtapctl teardown removed the pins"; else ok "vtapctl teardown removed the pins"; fi

echo "1..$n"
[ "$nfailed" -eq 0 ]
