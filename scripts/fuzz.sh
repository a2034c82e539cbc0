#!/usr/bin/env bash
# Runs every libFuzzer target ($OUT/fuzz/fuzz_NAME, built by `make fuzz`)
# for FUZZ_SECONDS each (default 60), starting from a copy of its seed corpus
# tests/fuzz/corpus/NAME/ in $OUT/fuzz/work/NAME/, so the committed corpus is
# never written to. Prints, per target, the executions and whether it found
# anything; exits non-zero if any target crashed, leaked, hung or ran out of
# memory, and says where the reproducer is.
#
#   FUZZ_SECONDS=N     seconds per target (default 60)
#   FUZZ_TARGETS="policy packet"   run only these (default: every built one)
#   FUZZ_ARGS="..."    extra libFuzzer flags (e.g. -jobs=2 -workers=2, -max_len=N)
set -u
OUT=${OUT:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_ARGS=${FUZZ_ARGS:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2

targets=()
if [ -n "${FUZZ_TARGETS:-}" ]; then
	for t in $FUZZ_TARGETS; do targets+=("$OUT/fuzz/fuzz_$t"); done
else
	for f in "$OUT"/fuzz/fuzz_*; do [ -x "$f" ] && [ -f "$f" ] && targets+=("$f"); done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets in $OUT/fuzz (run: make fuzz)" >&2
	exit 2
fi

bad=0
summary=()
for bin in "${targets[@]}"; do
	name=${bin##*/fuzz_}
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is not built" >&2
		bad=1
		summary+=("$name: NOT BUILT")
		continue
	fi
	work=$OUT/fuzz/work/$name
	art=$OUT/fuzz/work/$name-artifacts
	log=$OUT/fuzz/work/$name.log
	rm -rf "$work" "$art"
	mkdir -p "$work" "$art"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -rp "tests/fuzz/corpus/$name"/. "$work"/
	fi
	seeds=$(find "$work" -type f | wc -l)
	echo "== fuzz_$name: ${FUZZ_SECONDS}s from $seeds seeds (log: $log)"
	# -timeout: an input running 10 s is a hang worth a report.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$art/" $FUZZ_ARGS "$work" >"$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
	rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
	corpus=$(find "$work" -type f | wc -l)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
	found=$(find "$art" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
	crashes=$(printf '%s\n' "$found" | grep -E '/(crash|leak|timeout|oom)-' || true)
	if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
		bad=1
		echo "fuzz_$name: FOUND A PROBLEM after $execs executions (exit status $rc)"
		grep -m3 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+: check failed|.*runtime error)' "$log" |
			sed 's/^/  /'
		if [ -n "$crashes" ]; then
			printf '%s\n' "$crashes" | sed 's/^/  reproducer: /'
			first=$(printf '%s\n' "$crashes" | head -1)
			echo "  replay: $bin $first"
		else
			echo "  no reproducer written; see $log"
		fi
		summary+=("$name: $execs execs, CRASH ($(printf '%s\n' "$crashes" | head -1))")
	else
		echo "fuzz_$name: nothing found; $execs executions (${rate}/s), coverage ${cov:-?}, corpus $seeds -> $corpus inputs"
		summary+=("$name: $execs execs, nothing found")
	fi
done

echo "== fuzz summary (${FUZZ_SECONDS}s per target)"
printf '  %s\n' "${summary[@]}"
exit "$bad"
