#!/usr/bin/env bash
# A policy file is applied only once it is complete (issue 19, item 7): a
# large file written slowly (1000 policies in 20 write() calls with pauses,
# each ending where a policy ends, so every prefix is valid YAML) goes live
# whole, after its close, never as a part:
#  - the number of policies in effect, read every 50 ms while it is being
#    written, is only ever the count before or the count after;
#  - an edit of another file while it is being written waits for it (its
#    rename is an event, but the file being written is still open);
#  - `vtapctl reload` meanwhile is refused, naming the file being written,
#    and changes nothing;
#  - after the close, everything is applied at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/policy-lib.sh"
WRITER=
cleanup() {
	[ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null
	topo_down
}
trap cleanup EXIT
topo_up

N=1000 CHUNKS=20
BIG=$VT_POL/50-big.yaml HALF=$VT_RUN/half-written CLOSING=$VT_RUN/closing
start_with_p_a
before=$(status_of policies)
check "one policy in effect before the big file ($before)" test "$before" -eq 1

# the slow writer: one open, CHUNKS writes 0.15 s apart, one close
# (CLOSING appears just before the close: a count read before it appears
# was in effect while the file was open)
python3 - "$BIG" "$N" "$CHUNKS" "$HALF" "$CLOSING" <<'PY' &
import os, sys, time
path, n, chunks, half, closing = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fd, b"policies:\n")
per = n // chunks
for c in range(chunks):
    text = "".join(
        "  - name: big-%d\n"
        "    source: { ports: [vmx-%d] }\n"
        "    match: { protocol: udp, dst_ports: [%d] }\n"
        "    monitor: mon\n" % (i, i, 1000 + i)
        for i in range(c * per, (c + 1) * per))
    os.write(fd, text.encode())
    if c == chunks // 2:
        open(half, "w").close()
    time.sleep(0.15)
open(closing, "w").close()
os.close(fd)
PY
WRITER=$!

seen=" " reload_out= reload_rc= other_put=
while kill -0 "$WRITER" 2>/dev/null; do
	n=$(status_of policies)
	[ -e "$CLOSING" ] && break
	[[ "$seen" == *" $n "* ]] || seen="$seen$n "
	if [ -e "$HALF" ] && [ -z "$other_put" ]; then
		other_put=1
		pol_yaml p-o | put "$VT_POL" 30-other.yaml
		reload_out=$(ctl5 reload 2>&1)
		reload_rc=$?
	fi
	sleep 0.05
done
wait "$WRITER"
check "the writer wrote $N policies in $CHUNKS writes and closed the file" test $? -eq 0
WRITER=
diag "policy counts seen while the file was being written:$seen"
check "while it was being written, only the count before was ever in effect" \
	test "$seen" = " $before "
check "the edit of another file made meanwhile was not applied before the close" \
	eval '[ -n "$other_put" ] && ! grep -q "loaded $((before + 1)) policies" "$VT_RUN/vtapd.log"'
diag "vtapctl reload while it was being written: exit $reload_rc: $(head -2 <<<"$reload_out" | tr '\n' ' ')"
check "vtapctl reload meanwhile is refused (exit non-zero)" test "${reload_rc:-0}" -ne 0
check "... naming the file being written" \
	grep -qF "$BIG: open for writing by another process: read once it is closed" <<<"$reload_out"
check "vtapd logged that it waits for the file to be closed" \
	logged "$BIG is open for writing: reloading once it is closed"
want=$((before + N + 1))
check "after the close, all $N policies and the other edit are in effect ($want)" \
	wait_until 5 eval '[ "$(status_of policies)" -eq $want ]'
check "... big-0 and big-$((N - 1)) among them" eval 'has_policy big-0 && has_policy big-$((N - 1))'
check "... and p-o" has_policy p-o
check "the running set still copies" copies_grow p-a
tap_end
