#!/usr/bin/env bash
# What the two demos share (scripts/demo.sh, scripts/demo-cluster.sh),
# sourced by each before anything else; the namespaces themselves come from
# tests/ns/lib.sh (demo.sh) and tests/ns/cluster-lib.sh (demo-cluster.sh).
#
#   demo_start USAGE HINT ARGS...  MODE (run, keep or down) from the first of
#                         ARGS: --help prints the demo's header, anything else
#                         its usage (exit 2); then root or exit 1 (HINT: a
#                         second line saying how); the repository's top as the
#                         working directory, OUT exported (build by default)
#   demo_need TARGET TOOL...  vtapd and vtapctl built (by make TARGET), the
#                         tools installed, or die
#   demo_traps WHAT       on exit: captures and servers stopped; a plain run,
#                         or a --keep one that stopped before its verdict
#                         (VERDICT_DONE unset), says "tearing down (WHAT)" and
#                         runs the demo's own demo_down
#   section, say, die     the demo's output

demo_start() {
	local usage=$1 hint=$2
	shift 2
	MODE=run
	case "${1:-}" in
	"") ;;
	--keep) MODE=keep ;;
	--down) MODE=down ;;
	-h | --help)
		sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "usage: $0 $usage" >&2
		exit 2
		;;
	esac
	if [ "$(id -u)" != 0 ]; then
		echo "demo: vtap loads BPF programs and creates network namespaces: run it as root" >&2
		[ -z "$hint" ] || echo "      $hint" >&2
		exit 1
	fi
	HERE=$(cd "$(dirname "$0")/.." && pwd)
	cd "$HERE" || exit 1
	: "${OUT:=build}" # relative paths are from the repository's top
	export OUT
}

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B= G= R= N=; fi
section() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { echo "demo: $*"; }
die() { echo "demo: $*" >&2; exit 1; }

demo_need() {
	local target=$1 b t
	shift
	for b in "$VTAPD" "$VTAPCTL"; do
		[ -x "$b" ] || die "$b is missing: run 'make $target' (it builds everything first)"
	done
	for t in "$@"; do
		command -v "$t" >/dev/null || die "$t is not installed (make deps installs it)"
	done
}

demo_cleanup() {
	local rc=$?
	capture_stop 2>/dev/null
	[ -n "${SRV_PIDS:-}" ] && kill $SRV_PIDS 2>/dev/null
	# --keep leaves everything up once the verdict is out, even a failed one
	# (to look into it); a run that stopped before that is taken down
	if [ "$MODE" = run ] || [ -z "${VERDICT_DONE:-}" ]; then
		echo
		say "tearing down ($DEMO_WHAT)"
		demo_down >/dev/null 2>&1
	fi
	exit "$rc"
}

demo_traps() {
	DEMO_WHAT=$1
	trap demo_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
