#!/usr/bin/env bash
# The whole test suite again with ASan + UBSan in user space:
#   make test SANITIZE=1 OUT=$OUT        (OUT=build-asan by default)
# The unit binaries, vtapd and vtapctl (the namespace tests take them from
# $OUT through tests/ns/lib.sh) and the fuzz targets of the corpus suite are
# all instrumented. The BPF programs are not affected; libbpf, libyaml and the
# other system libraries are not instrumented (their allocations still go
# through ASan's malloc, so leaks of memory they return to us are seen).
#
# A sanitizer report must fail the run even when it comes from a process
# whose exit status no test looks at (vtapd stopped by SIGTERM, a vtapctl
# whose failure was the expected outcome): every report is written to a file
# under $OUT/sanitizer/ (log_path), and afterwards this script adds one TAP
# line, failed when any report file exists, printing them.
#
# Then, unless VALGRIND=0, scripts/valgrind.sh (short vtapd/vtapctl runs of
# the uninstrumented build in $PLAIN_OUT, default "build") adds its TAP lines.
#
# Ends, like scripts/run-tests.sh, with one line "N passed, N failed" over
# everything it ran. Extra arguments go to make (e.g. SUITES is honoured by
# run-tests.sh through the environment: SUITES=unit scripts/sanitize.sh).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build-asan}
PLAIN_OUT=${PLAIN_OUT:-build}
mkdir -p "$OUT"
reports=$(cd "$OUT" && pwd)/sanitizer
rm -rf "$reports"
mkdir -p "$reports"

# detect_leaks: LeakSanitizer at every instrumented process's exit.
# halt_on_error / abort_on_error=0: stop at the first error with an exit
# status (not a core dump). log_path: reports go to $reports/asan.PID and
# $reports/ubsan.PID (a test's own stderr stays clean for its checks).
# UBSan's checks recover by default (no -fno-sanitize-recover in the
# Makefile): halt_on_error=1 makes the first one fatal too.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:log_path=$reports/ubsan"

# gcc links libasan.so and libubsan.so as two shared runtimes; so linked,
# UBSan ignores log_path and reports on stderr only (gcc 12: a runtime error
# in vtapd would land in a log the ns test deletes). Both linked statically,
# each honours log_path. The Makefile appends its -fsanitize flags to an
# LDFLAGS from the environment. (clang links its runtime statically anyway.)
if "${CC:-gcc}" -v 2>&1 | grep -q '^gcc version'; then
	export LDFLAGS="${LDFLAGS:+$LDFLAGS }-static-libasan -static-libubsan"
	# link again what an earlier build may have linked otherwise
	rm -f "$OUT/vtapd" "$OUT/vtapctl" "$OUT"/tests/test_* "$OUT"/bench/*
fi

log=$(mktemp /tmp/vtap-sanitize.XXXXXX)
trap 'rm -f "$log"' EXIT
make test SANITIZE=1 OUT="$OUT" "$@" 2>&1 | tee "$log"
# the closing line of run-tests.sh; no closing line (the build failed, or
# run-tests.sh died) counts as one failure
total=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
if [ -n "$total" ]; then
	passed=$(awk '{print $1}' <<<"$total")
	failed=$(awk '{print $3}' <<<"$total")
	skipped=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$total")
else
	echo "not ok - make test SANITIZE=1 OUT=$OUT ended without a total"
	passed=0 failed=1
fi
skipped=${skipped:-0}

echo "== sanitizer reports ($reports)"
found=$(find "$reports" -type f | sort)
if [ -z "$found" ]; then
	echo "ok 1 - no ASan/UBSan/LSan report from any instrumented process"
	passed=$((passed + 1))
else
	for f in $found; do
		echo "# ---- $f"
		sed 's/^/# /' "$f"
	done
	echo "not ok 1 - sanitizer reports: $(echo "$found" | wc -l) file(s) in $reports"
	failed=$((failed + 1))
fi

if [ "${VALGRIND:-1}" != 0 ]; then
	echo "== valgrind (vtapd, vtapctl from $PLAIN_OUT)"
	# valgrind runs the uninstrumented binaries (valgrind and ASan do not
	# mix): built here when missing, no sanitizer environment
	if make all OUT="$PLAIN_OUT" >"$log" 2>&1; then
		env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS OUT="$PLAIN_OUT" \
			scripts/valgrind.sh >"$log" 2>&1
		rc=$?
	else
		tail -20 "$log" | sed 's/^/# /'
		echo "not ok 1 - make all OUT=$PLAIN_OUT (the binaries valgrind runs)"
		rc=1
	fi
	cat "$log"
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - scripts/valgrind.sh exited with status $rc"
		f=1
	fi
	if [ $((p + f)) -eq 0 ]; then
		echo "not ok - scripts/valgrind.sh ran no test"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f))
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
