#!/usr/bin/env bash
# What the policy directory may hold (issue 19, item 8): only regular files
# owned by root. Each refusal names the file in the log, in vtapctl reload
# and in status' last_error, and the running set keeps copying:
#  a. a symbolic link to a file outside the directory (a secret, root's,
#     mode 0600, like /etc/shadow): refused; not a line of the secret in
#     the log, in `vtapctl status` (text and JSON) or in vtapctl reload;
#  b. a FIFO: refused without hanging vtapd (it keeps answering);
#  c. a character device: refused;
#  d. a file owned by another user: refused (this one held before).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/policy-lib.sh"
FIFO=
# retire_fifo: take the FIFO out of the policy directory (no later reload
# can open it), then let a vtapd blocked opening it for reading (the bug)
# go on: it does once a writer opens it. The writer's open does not wait
# when nobody reads (the fix), so the test goes on either way.
retire_fifo() {
	local i
	[ -n "$FIFO" ] && [ -p "$FIFO" ] || return 0
	mv "$FIFO" "$VT_RUN/pipe.retired"
	FIFO=$VT_RUN/pipe.retired
	for i in 1 2 3 4 5; do
		python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK))' \
			"$FIFO" 2>/dev/null
		ctl5 status >/dev/null 2>&1 && break
	done
	rm -f "$FIFO"
	FIFO=
}
cleanup() {
	retire_fifo
	topo_down
}
trap cleanup EXIT
topo_up

start_with_p_a

# refused NAME WHY: the reload the change caused is rejected, the log and
# status' last_error name NAME with WHY, vtapctl reload says the same, and
# the running set keeps copying
refused() {
	local path=$VT_POL/$1 msg="$VT_POL/$1: $2" fail0=$3 out rc
	check "$1: the reload is rejected" wait_until 5 eval '[ "$(status_of reloads_failed)" -gt $fail0 ]'
	check "$1: the log says: $msg" logged "$msg"
	check "$1: status' last_error says it" eval '[[ "$(status_of last_error)" == "$msg"* ]]'
	out=$(ctl5 reload 2>&1)
	rc=$?
	check "$1: vtapctl reload fails, saying it (exit $rc)" \
		eval '[ $rc -eq 1 ] && grep -qF -- "$msg" <<<"$out"'
	check "$1: the running set keeps copying" copies_grow p-a
}

# ---------------- a. a link out of the directory ----------------
SECRET=$VT_RUN/shadow
printf 'topsecret-4242: SECRET-LINE-7f3a\nroot-hash: SECRET-LINE-b2c9\n' >"$SECRET"
chmod 0600 "$SECRET"
fail0=$(status_of reloads_failed)
ln -s "$SECRET" "$VT_POL/50-leak.yaml"
refused 50-leak.yaml "refusing a symbolic link (to '$SECRET'): policy files must be regular files in the policy directory" "$fail0"
status=$(ctl5 status; ctl5 status --json)
check "a: no line of the secret file in vtapd's log" eval '! grep -qE "topsecret|SECRET-LINE" "$VT_RUN/vtapd.log"'
check "a: ... nor in vtapctl status (text and JSON)" eval '! grep -qE "topsecret|SECRET-LINE" <<<"$status"'
rm -f "$VT_POL/50-leak.yaml"
check "a: the link removed: the set is good again" wait_until 5 eval '[ -z "$(status_of last_error)" ]'

# ---------------- b. a FIFO ----------------
FIFO=$VT_POL/60-pipe.yaml
fail0=$(status_of reloads_failed)
mkfifo -m 0644 "$FIFO"
# answering at all is the first thing: before the fix the reload the FIFO
# caused blocked in open() until a writer came
sleep 0.5
check "b: vtapd still answers (status within 5 s)" eval 'ctl5 status >/dev/null'
refused 60-pipe.yaml "refusing a FIFO: policy files must be regular files" "$fail0"
retire_fifo
check "b: the FIFO removed: the set is good again" wait_until 5 eval '[ -z "$(status_of last_error)" ]'

# ---------------- c. a device ----------------
fail0=$(status_of reloads_failed)
mknod -m 0644 "$VT_POL/70-null.yaml" c 1 3
refused 70-null.yaml "refusing a character device: policy files must be regular files" "$fail0"
rm -f "$VT_POL/70-null.yaml"
check "c: the device removed: the set is good again" wait_until 5 eval '[ -z "$(status_of last_error)" ]'

# ---------------- d. another owner ----------------
fail0=$(status_of reloads_failed)
pol_yaml p-b >"$VT_RUN/80-b.yaml"
chown 65534:65534 "$VT_RUN/80-b.yaml"
mv "$VT_RUN/80-b.yaml" "$VT_POL/80-b.yaml"
refused 80-b.yaml "refusing a policy file owned by uid 65534 (only root may own it)" "$fail0"
check "d: p-b is not in effect" eval '! has_policy p-b'
chown 0:0 "$VT_POL/80-b.yaml"
check "d: chown root: p-b is applied" wait_until 5 has_policy p-b
tap_end
