#!/usr/bin/env bash
# make install / uninstall into a scratch DESTDIR: the file list, examples
# never overwritten, uninstall leaving only the operator's files; the
# installed units pass systemd-analyze verify; bash completion completes
# commands, flags and the policy names of a running vtapd.
. "$(dirname "$0")/../ns/lib.sh"
D=$VT_RUN/destdir
cleanup() { vtapd_stop; rm -rf "$VT_PIN" "$VT_RUN"; }
trap cleanup EXIT

inst() { make -s install OUT="$OUT" DESTDIR="$D" PREFIX=/usr/local "$@" >"$VT_RUN/install.log" 2>&1; }
check "make install DESTDIR PREFIX=/usr/local" inst
expected=$(cat <<LIST
/etc/vtap/policies/examples/$(ls policies/examples | sed -n 1p)
/usr/local/lib/systemd/system/vtap-dpdk@.service
/usr/local/lib/systemd/system/vtapd.service
/usr/local/sbin/vtap-dpdk
/usr/local/sbin/vtapctl
/usr/local/sbin/vtapd
/usr/local/share/bash-completion/completions/vtapctl
/usr/local/share/bash-completion/completions/vtapd
/usr/local/share/bash-completion/completions/vtap-dpdk
/usr/local/share/doc/vtap/grafana-vtap.json
/usr/local/share/doc/vtap/metrics.md
/usr/lib/$(gcc -print-multiarch)/wireshark/extcap/vtap-extcap
/usr/local/share/doc/vtap/README.md
/usr/local/share/doc/vtap/policy.md
/usr/local/share/man/man5/vtap-policy.5
/usr/local/share/man/man8/vtap-dpdk.8
/usr/local/share/man/man8/vtapctl.8
/usr/local/share/man/man8/vtapd.8
LIST
)
got=$(cd "$D" && find . -type f | sed 's/^\.//' | sort)
missing=$(comm -23 <(sort <<<"$expected") <(echo "$got") | tr '\n' ' ')
check "the installed tree has every expected file${missing:+ (missing: $missing)}" test -z "$missing"
n_ex=$(ls policies/examples/*.yaml | wc -l)
check "all $n_ex example policies under /etc/vtap/policies/examples" \
	test "$(ls "$D"/etc/vtap/policies/examples/*.yaml | wc -l)" -eq "$n_ex"
stray=$(echo "$got" | grep -vE '^/(etc/vtap/policies/examples/[a-z0-9-]+\.yaml|usr/local/(sbin|lib/systemd/system|share/(man|doc/vtap|bash-completion))/.*|usr/lib/[a-z0-9_-]+/wireshark/extcap/vtap-extcap)$' | tr '\n' ' ')
check "nothing installed outside the expected places${stray:+ ($stray)}" test -z "$stray"
check "the programs are executable and run" "$D/usr/local/sbin/vtapd" --version
ext=$D/usr/lib/$(gcc -print-multiarch)/wireshark/extcap/vtap-extcap
check "the extcap entry is executable and runs the installed vtapctl extcap" \
	bash -c "[ -x '$ext' ] && grep -q '^exec /usr/local/sbin/vtapctl extcap \"\\\$@\"' '$ext'"
check "vtapd.service runs the installed vtapd" \
	grep -q '^ExecStart=/usr/local/sbin/vtapd ' "$D/usr/local/lib/systemd/system/vtapd.service"

# the operator's files are never overwritten
ex=$(ls "$D"/etc/vtap/policies/examples/*.yaml | head -1)
echo "# the operator's edit" >>"$ex"
echo "monitors: []" >"$D/etc/vtap/policies/site.yaml"
check "a second make install succeeds" inst
check "... and keeps an edited example" grep -q "the operator's edit" "$ex"
check "... and says so" grep -q "keeping $ex" "$VT_RUN/install.log"

# the units: systemd-analyze verify with the installed programs and pages
mkdir -p "$VT_RUN/units"
for u in vtapd.service vtap-dpdk@.service; do
	sed "s|/usr/local/sbin/|$D/usr/local/sbin/|" "$D/usr/local/lib/systemd/system/$u" >"$VT_RUN/units/$u"
done
out=$(cd "$VT_RUN/units" && MANPATH="$D/usr/local/share/man" systemd-analyze verify --man=yes \
	./vtapd.service ./vtap-dpdk@x.service 2>&1)
rc=$?
[ -n "$out" ] && diag "$out"
check "systemd-analyze verify vtapd.service vtap-dpdk@.service: clean" test "$rc" -eq 0 -a -z "$out"
check "vtapd.service is Type=notify with a watchdog and ExecReload=SIGHUP" bash -c "
	u=$D/usr/local/lib/systemd/system/vtapd.service
	grep -q '^Type=notify' \$u && grep -q '^WatchdogSec=' \$u && grep -q '^ExecReload=/bin/kill -HUP' \$u"
check "vtapd.service bounds capabilities to the five vtapd keeps" \
	grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_PERFMON CAP_BPF' \
	"$D/usr/local/lib/systemd/system/vtapd.service"

# bash completion, against a running vtapd with two policies
cat >"$VT_POL/p.yaml" <<'YAML'
monitors:
  - { name: m, port: cmpl-mon0 }
policies:
  - { name: web-in, source: { ports: ["cmpl-vm*"] }, monitor: m }
  - { name: web-out, source: { ports: ["cmpl-vm*"] }, monitor: m }
YAML
vtapd_start
complete_words() { # WORDS...: what the completion offers for the last word
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"; shift
		PATH=$(dirname "$1"):$PATH; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_vtapctl vtapctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ \
		"$D/usr/local/share/bash-completion/completions/vtapctl" "$D/usr/local/sbin/vtapctl" "$@"
}
got=$(complete_words vtapctl st)
check "vtapctl st<TAB>: stats status ($got)" test "$got" = "stats status "
got=$(complete_words vtapctl --so)
check "vtapctl --so<TAB>: --socket ($got)" test "$got" = "--socket "
got=$(complete_words vtapctl --socket "$VT_SOCK" stats web)
check "vtapctl stats web<TAB>: the running vtapd's policies ($got)" test "$got" = "web-in web-out "
got=$(complete_words vtapctl --socket "$VT_SOCK" capture "")
check "vtapctl capture <TAB>: the policies ($got)" test "$got" = "web-in web-out "
got=$(complete_words vtapctl ext)
check "vtapctl ext<TAB>: extcap ($got)" test "$got" = "extcap "
got=$(complete_words vtapctl extcap --extcap-i)
check "vtapctl extcap --extcap-i<TAB>: --extcap-interface --extcap-interfaces ($got)" \
	test "$got" = "--extcap-interface --extcap-interfaces "
got=$(complete_words vtapctl --socket "$VT_SOCK" status --)
check "vtapctl status --<TAB>: --json ($got)" test "$got" = "--json "
got=$(complete_words vtapctl --etcd http://127.0.0.1:1 cluster "")
check "vtapctl --etcd URL cluster <TAB>: its commands ($got)" \
	test "$got" = "apply delete get stats status wait "
got=$(complete_words vtapctl --etcd http://127.0.0.1:1 cluster wait --)
check "vtapctl cluster wait --<TAB>: --revision --timeout ($got)" test "$got" = "--revision --timeout "
got=$(complete_words vtapctl --etc)
check "vtapctl --etc<TAB>: the store's options ($got)" \
	test "$got" = "--etcd --etcd-cacert --etcd-cert --etcd-key --etcd-password-file --etcd-prefix --etcd-user "
vtapd_stop
# vtapd's and vtap-dpdk's options, from their --help
daemon_words() { # PROG WORDS...
	local prog=$1; shift
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"; shift
		PATH=$(dirname "$1"):$PATH; prog=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_vtap_daemon "$prog" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ \
		"$D/usr/local/share/bash-completion/completions/$prog" "$D/usr/local/sbin/vtapd" "$prog" "$@"
}
got=$(daemon_words vtapd vtapd --met)
check "vtapd --met<TAB>: --metrics ($got)" test "$got" = "--metrics "
got=$(daemon_words vtap-dpdk vtap-dpdk --met)
check "vtap-dpdk --met<TAB>: --metrics ($got)" test "$got" = "--metrics "
got=$(daemon_words vtapd vtapd --log-level "")
check "vtapd --log-level <TAB>: the levels ($got)" test "$got" = "debug error info warn "

check "make uninstall" make -s uninstall OUT="$OUT" DESTDIR="$D" PREFIX=/usr/local
left=$(cd "$D" && find . -type f | sed 's/^\.//' | sort | tr '\n' ' ')
want=$(printf '%s\n' /etc/vtap/policies/site.yaml "${ex#$D}" | sort | tr '\n' ' ')
check "uninstall leaves only the operator's files ($left)" test "$left" = "$want"

tap_end
