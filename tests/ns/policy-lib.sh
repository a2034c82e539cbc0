#!/usr/bin/env bash
# Shared by the policy directory tests (test_policy_*.sh), sourced after
# lib.sh and topo_up: policy files for vm1's ICMP to the monitor, written
# the safe way, and the checks those tests make on vtapd.

VM1=${VT_PREFIX}-vm1
MON=${VT_PREFIX}-mon

# mon_yaml: the monitor every policy uses
mon_yaml() {
	cat <<YAML
monitors:
  - { name: mon, type: local, port: $MON }
YAML
}

# pol_yaml NAME: a policy copying vm1's ICMP to the monitor
pol_yaml() {
	cat <<YAML
policies:
  - name: $1
    source: { ports: [$VM1] }
    match: { protocol: icmp }
    monitor: mon
YAML
}

# put DIR NAME: standard input becomes DIR/NAME, written under a hidden
# name in DIR and renamed in (docs/policy.md: the safe way)
put() {
	cat >"$1/.put.tmp" && mv "$1/.put.tmp" "$1/$2"
}

# ctl5 ARGS...: vtapctl, given 5 s: a vtapd that stopped answering fails
# the check that asked instead of hanging the test. lib.sh's JSON helpers
# (status_of, stat_of) reach vtapd through it.
ctl5() { timeout 5 "$VTAPCTL" --socket "$VT_SOCK" --pin-root "$VT_PIN" "$@"; }
VT_CTL=ctl5

# has_policy NAME: NAME is in the set in effect
has_policy() { ctl5 stats "$1" --json >/dev/null 2>&1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_until SECONDS CMD...: CMD succeeds within SECONDS (tried every 50 ms)
wait_until() {
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# logged TEXT: vtapd's log has a line with TEXT
logged() { grep -qF -- "$1" "$VT_RUN/vtapd.log"; }

# start_with_p_a: the monitor and policy p-a in the directory, vtapd
# started on it, and p-a copying (two TAP lines)
start_with_p_a() {
	mon_yaml | put "$VT_POL" 10-mon.yaml
	pol_yaml p-a | put "$VT_POL" 20-a.yaml
	check "vtapd starts" vtapd_start
	check "p-a is in effect and copies" copies_grow p-a
}

# copies_grow POLICY: a ping of vm1 adds copies to it
copies_grow() {
	local a b
	a=$(stat_of "$1" copies) || return 1
	nsx vm1 ping -c 2 -i 0.1 -q 10.77.0.2 >/dev/null
	b=$(stat_of "$1" copies) || return 1
	[ "$b" -gt "$a" ] 2>/dev/null || { diag "copies of $1 went from '$a' to '$b'"; return 1; }
}
