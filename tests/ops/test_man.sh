#!/usr/bin/env bash
# The man pages: built from their scdoc sources, clean under groff's
# warnings (what `man --warnings` runs) and mandoc's lint at error level, and
# in step with --help: every option a program's --help names is in its page,
# and every option its page lists is in --help (vtapctl: the commands too).
. "$(dirname "$0")/../ns/lib.sh"
trap 'rm -rf "$VT_RUN"' EXIT

for page in vtapd.8 vtapctl.8 vtap-dpdk.8 vtap-policy.5; do
	f=$OUT/man/$page
	if [ ! -s "$f" ]; then
		not_ok "$page: built into $OUT/man"
		continue
	fi
	ok "$page: built into $OUT/man"
	w=$(groff -ww -z -man -t "$f" 2>&1)
	check "$page: groff -ww (man --warnings) prints nothing${w:+: $w}" test -z "$w"
	w=$(mandoc -T lint -W error "$f" 2>&1)
	check "$page: mandoc -T lint -W error prints nothing${w:+: $w}" test -z "$w"
	check "$page: renders with man(1)" bash -c "MANWIDTH=80 man -l '$f' 2>/dev/null | grep -q NAME"
done

# long options in a text: --name words, as a sorted unique list
longopts() { grep -oE -- '--[a-z][a-z0-9-]+' | sort -u; }
# the options a page names (rendered, so scdoc's markup is gone), SEE ALSO aside
page_opts() {
	MANWIDTH=200 man -l "$OUT/man/$1" 2>/dev/null |
		awk '/^SEE ALSO/ { exit } { print }' | longopts
}

for prog in vtapd vtap-dpdk vtapctl; do
	help=$("$OUT/$prog" --help 2>&1 | longopts)
	page=$(page_opts "$prog.8")
	missing=$(comm -23 <(echo "$help") <(echo "$page") | tr '\n' ' ')
	check "$prog: every option of --help is in $prog(8)${missing:+ (missing: $missing)}" \
		test -z "$missing"
	extra=$(comm -13 <(echo "$help") <(echo "$page") | tr '\n' ' ')
	check "$prog: every option of $prog(8) is in --help${extra:+ (not in --help: $extra)}" \
		test -z "$extra"
	check "$prog: --help names at least 3 options (the comparison is not empty)" \
		test "$(echo "$help" | wc -l)" -ge 3
done

# vtapctl's commands: the first word of each line of the usage's command list
help_cmds=$("$OUT/vtapctl" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' | sort -u)
page_cmds=$(MANWIDTH=200 man -l "$OUT/man/vtapctl.8" 2>/dev/null |
	awk '/^COMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on && /^       [a-z]/ { print $1 }' | sort -u)
diff=$(diff <(echo "$help_cmds") <(echo "$page_cmds") | grep '^[<>]' | tr '\n' ' ')
check "vtapctl: the commands of --help and of vtapctl(8) are the same${diff:+ ($diff)}" test -z "$diff"
check "vtapctl: at least 8 commands compared" test "$(echo "$help_cmds" | wc -l)" -ge 8

# --version everywhere, the release of the VERSION file
v=$(cat VERSION)
for prog in vtapd vtap-dpdk vtapctl; do
	out=$("$OUT/$prog" --version 2>&1)
	check "$prog --version prints '$prog $v' ($out)" bash -c "[[ '$out' == '$prog $v'* ]]"
done
out=$("$OUT/vtapctl" version 2>&1)
check "vtapctl version prints 'vtapctl $v' ($out)" bash -c "[[ '$out' == 'vtapctl $v'* ]]"
check "debian/changelog's version is VERSION's ($v)" \
	bash -c "head -1 debian/changelog | grep -qF '($v-'"

tap_end
