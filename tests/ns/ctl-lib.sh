#!/usr/bin/env bash
# Shared by the control-socket tests (after lib.sh): clients that misbehave
# (ctlpeer.py) and the timings the tests compare.
CTLPEER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ctlpeer.py
PEER_PID=

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# lt A B: A is a number below B
lt() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -lt "$2" ]; }

# peer_start OUT ARGS...: ctlpeer.py ARGS in the background (output in
# OUT); returns once its connections are made
peer_start() {
	local out=$1 i
	shift
	python3 "$CTLPEER" "$@" >"$out" 2>&1 &
	PEER_PID=$!
	for i in $(seq 250); do
		grep -q '^ready' "$out" && return 0
		sleep 0.02
	done
	diag "ctlpeer.py did not get ready: $(head -3 "$out")"
	return 1
}
# peer_wait: until ctlpeer.py has seen every connection end (or its hold)
peer_wait() {
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}
peer_kill() {
	[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null
	PEER_PID=
}

# status_ms SOCK: how long `vtapctl status` takes on SOCK (10 s at most;
# "failed" when it fails); its answer in $VT_RUN/status.out
status_ms() {
	local t0
	t0=$(date +%s%N)
	timeout 10 "$VTAPCTL" --socket "$1" status >"$VT_RUN/status.out" 2>&1 || {
		echo failed
		return
	}
	ms_since "$t0"
}

# tap_ms VM: make VM's namespace and host port (test_hotplug.sh's steps) and
# print the ms from 'ip link add' until vtap_tc_out is on the port ("never"
# after 5 s)
tap_ms() {
	local port=${VT_PREFIX}-$1 t0
	ip netns add "${VT_PREFIX}-$1"
	t0=$(date +%s%N)
	ip link add "$port" type veth peer name eth0 netns "${VT_PREFIX}-$1"
	while [ "$(ms_since "$t0")" -lt 5000 ]; do
		if tc filter show dev "$port" ingress 2>/dev/null | grep -q vtap_tc_out; then
			ms_since "$t0"
			return
		fi
	done
	echo never
}
