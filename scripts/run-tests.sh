#!/usr/bin/env bash
# Runs every suite and ends with one line: "N passed, N failed".
#   unit: the cmocka binaries in $OUT/tests (TAP output)
#   corpus: every file of tests/fuzz/corpus/NAME/ through $OUT/fuzz/fuzz_NAME
#         (the libFuzzer targets, ASan + UBSan), one TAP line per target
#   ns:   the namespace tests in tests/ns/test_*.sh (TAP output)
#   ops:  what an operator installs and runs: man pages, make install, the
#         Debian package, systemd notify, metrics, extcap (tests/ops/*.sh)
# SUITES="unit corpus ns ops" by default; TESTS=glob narrows the ns and ops tests.
set -u
OUT=${OUT:-build}
SUITES=${SUITES:-unit corpus ns ops}
export OUT CMOCKA_MESSAGE_OUTPUT=TAP
passed=0 failed=0 skipped=0
log=$(mktemp /tmp/vtap-tests.XXXXXX)

# run NAME CMD...: run one TAP producer, echo its output, add up its lines
run() {
	local name=$1; shift
	echo "== $name"
	"$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	# a producer that died without reporting a failure still fails once
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "not ok - $name ran no test"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

if [ "$(id -u)" != 0 ]; then
	echo "the tests load BPF programs and build network namespaces: run them as root" >&2
	exit 1
fi
for suite in $SUITES; do
	case $suite in
	unit)
		for t in "$OUT"/tests/test_*; do
			[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
		done
		;;
	corpus)
		for f in "$OUT"/fuzz/fuzz_*; do
			[ -x "$f" ] || continue
			name=${f##*/fuzz_}
			dir=tests/fuzz/corpus/$name
			run "corpus/$name" bash -c "
				n=\$(ls '$dir' | wc -l)
				if [ \"\$n\" -gt 0 ] && '$f' -runs=0 '$dir' >/tmp/vtap-corpus-$name.log 2>&1; then
					echo 'ok 1 - $name: '\$n' corpus inputs replayed, no crash, no sanitizer report'
				else
					tail -20 /tmp/vtap-corpus-$name.log | sed 's/^/# /'
					echo 'not ok 1 - $name: corpus replay ('\$n' inputs)'
				fi"
		done
		;;
	ops)
		for t in tests/ops/${TESTS:-test_*}.sh; do
			[ -f "$t" ] && run "ops/$(basename "$t" .sh)" timeout 600 bash "$t"
		done
		;;
	ns)
		# iproute2 makes its pin directories /sys/fs/bpf/{tc,xdp,ip}
		# (globals/ in one, links to it) on any `ip link set ... xdp`
		# (ovs-lib's ovs_stop, test_xdp): gone again after the suite when
		# none was there before; rmdir only, so nothing pinned is lost
		had_iproute=$(for n in ip tc xdp; do [ -e /sys/fs/bpf/$n ] && echo 1; done)
		for t in tests/ns/${TESTS:-test_*}.sh; do
			[ -f "$t" ] && run "ns/$(basename "$t" .sh)" timeout 600 bash "$t"
		done
		if [ -z "$had_iproute" ]; then
			for n in ip tc xdp; do [ -L /sys/fs/bpf/$n ] && rm -f /sys/fs/bpf/$n; done
			for n in ip tc xdp; do
				[ -d /sys/fs/bpf/$n ] && rmdir /sys/fs/bpf/$n/globals /sys/fs/bpf/$n 2>/dev/null
			done
		fi
		;;
	esac
done
rm -f "$log"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
