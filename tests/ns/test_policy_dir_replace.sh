#!/usr/bin/env bash
# Replacing the policy directory does not end change detection (issue 19,
# item 6):
#  a. rm -rf DIR: vtapd logs it, the running set keeps copying, status says
#     the directory is missing; mkdir DIR and new files: applied; a later
#     edit: applied; vtapctl reload works.
#  b. mv DIR DIR.old; mv DIR.new DIR (as configuration-management tools
#     do): the new directory's files are applied, edits in it are, edits in
#     the old one are not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/policy-lib.sh"
trap topo_down EXIT
topo_up

start_with_p_a

# ---------------- a. rm -rf, mkdir ----------------
rm -rf "$VT_POL"
check "a: rm -rf: vtapd logs that the policy directory was removed" \
	wait_until 3 logged "policy directory $VT_POL was removed: the running policy set stays"
check "a: status' last_error says the directory is missing" \
	wait_until 3 eval '[[ "$(status_of last_error)" == "$VT_POL: cannot open policy directory: No such file or directory" ]]'
check "a: the running set keeps copying while it is missing" copies_grow p-a
mkdir -m 0755 "$VT_POL"
mon_yaml | put "$VT_POL" 10-mon.yaml
pol_yaml p-b | put "$VT_POL" 20-b.yaml
check "a: mkdir and new files: p-b is applied" wait_until 5 has_policy p-b
check "a: ... in place of p-a" eval '! has_policy p-a'
check "a: vtapd logged that the directory is there again" \
	logged "policy directory $VT_POL is there again: watching it, reloading"
check "a: status' last_error is clear" wait_until 3 eval '[ -z "$(status_of last_error)" ]'
check "a: p-b copies" copies_grow p-b
pol_yaml p-c | put "$VT_POL" 30-c.yaml
check "a: a later edit in the new directory is applied (p-c)" wait_until 5 has_policy p-c
out=$(ctl5 reload 2>&1)
check "a: vtapctl reload works ($out)" test $? -eq 0
pol_yaml p-d | put "$VT_POL" 40-d.yaml
check "a: an edit after vtapctl reload is applied (p-d)" wait_until 5 has_policy p-d

# ---------------- b. mv DIR DIR.old; mv DIR.new DIR ----------------
NEW=$VT_RUN/policies.new OLD=$VT_RUN/policies.old
mkdir -m 0755 "$NEW"
mon_yaml | put "$NEW" 10-mon.yaml
pol_yaml p-e | put "$NEW" 20-e.yaml
mv "$VT_POL" "$OLD"
mv "$NEW" "$VT_POL"
check "b: the new directory's policy is applied (p-e)" wait_until 5 has_policy p-e
check "b: ... and the old one's are gone (p-b, p-c, p-d)" \
	eval '! has_policy p-b && ! has_policy p-c && ! has_policy p-d'
check "b: vtapd logged that the directory was moved away" \
	logged "policy directory $VT_POL was moved away"
pol_yaml p-x | put "$OLD" 50-x.yaml
pol_yaml p-f | put "$VT_POL" 30-f.yaml
check "b: an edit in the new directory is applied (p-f)" wait_until 5 has_policy p-f
sleep 0.5
check "b: an edit in the old, moved directory is not (p-x)" eval '! has_policy p-x'
check "b: the new set copies (p-e: first of p-e, p-f by name)" copies_grow p-e
out=$(ctl5 reload 2>&1)
check "b: vtapctl reload works ($out)" test $? -eq 0
check "b: ... and still has p-e and p-f, not p-x" \
	eval 'has_policy p-e && has_policy p-f && ! has_policy p-x'
tap_end
