#!/usr/bin/env bash
# make deb: the package's file list, dependencies (dpkg-shlibdeps) and
# conffiles; maintainer scripts that enable vtapd.service but start nothing;
# an install into a scratch root (dpkg --root) and a purge; lintian without
# errors.
. "$(dirname "$0")/../ns/lib.sh"
R=$VT_RUN/root
trap 'rm -rf "$VT_RUN"' EXIT

if make -s deb OUT="$OUT" >"$VT_RUN/deb.log" 2>&1; then
	ok "make deb"
else
	not_ok "make deb"
	tail -20 "$VT_RUN/deb.log" | sed 's/^/# /'
fi
v=$(cat VERSION)
deb=$OUT/deb/vtap_${v}-1_$(dpkg --print-architecture).deb
check "the package is $deb" test -s "$deb"

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' | grep -v '/$' | sort)
for f in /usr/sbin/vtapd /usr/sbin/vtapctl /usr/sbin/vtap-dpdk \
	/usr/share/man/man8/vtapd.8.gz /usr/share/man/man8/vtapctl.8.gz \
	/usr/share/man/man8/vtap-dpdk.8.gz /usr/share/man/man5/vtap-policy.5.gz \
	/lib/systemd/system/vtapd.service /lib/systemd/system/vtap-dpdk@.service \
	/usr/share/bash-completion/completions/vtapctl /usr/share/doc/vtap/copyright \
	/usr/share/bash-completion/completions/vtapd /usr/share/bash-completion/completions/vtap-dpdk \
	"/usr/lib/$(gcc -print-multiarch)/wireshark/extcap/vtap-extcap" \
	/etc/vtap/policies/examples/local.yaml; do
	check "package holds $f" grep -qx "$f" <<<"$files"
done
stray=$(grep -vE '^/(usr/sbin/vtap(d|ctl|-dpdk)|usr/share/(man/man[58]|doc/vtap|bash-completion/completions)/.*|lib/systemd/system/vtap(d|-dpdk@)\.service|etc/vtap/policies/examples/[a-z0-9-]+\.yaml|usr/lib/[a-z0-9_-]+/wireshark/extcap/vtap-extcap)$' <<<"$files" | tr '\n' ' ')
check "nothing else in the package${stray:+ ($stray)}" test -z "$stray"

info=$(dpkg-deb -f "$deb" Depends)
for lib in libbpf1 libxdp1 libyaml-0-2 libmnl0 libc6 librte-ethdev23 libmicrohttpd12 libsystemd0 libjansson4; do
	check "Depends (from dpkg-shlibdeps) names $lib" grep -q "$lib" <<<"$info"
done
mkdir -p "$VT_RUN/ctl"
dpkg-deb -e "$deb" "$VT_RUN/ctl"
conf=$(sort "$VT_RUN/ctl/conffiles" 2>/dev/null)
check "conffiles: every file under /etc/vtap, nothing else" \
	test "$conf" = "$(grep '^/etc/' <<<"$files")"
check "postinst enables vtapd.service" grep -q "deb-systemd-helper enable 'vtapd.service'" "$VT_RUN/ctl/postinst"
check "no maintainer script starts anything" \
	bash -c "! grep -lE 'deb-systemd-invoke (start|restart)|invoke-rc.d|systemctl (start|restart)' '$VT_RUN'/ctl/{preinst,postinst,prerm,postrm} 2>/dev/null | grep -q ."

# a scratch root: dpkg runs the maintainer scripts outside a chroot with
# DPKG_ROOT set, which deb-systemd-helper honours
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
dpkgr() { dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null "$@" >>"$VT_RUN/dpkg.log" 2>&1; }
check "dpkg --root installs it" dpkgr -i "$deb"
check "dpkg -L in the root lists the package's files" \
	test "$(dpkg --root="$R" -L vtap | while read -r f; do [ -f "$R$f" ] && echo "$f"; done | sort)" = "$files"
check "vtapd.service enabled in the root (multi-user.target.wants)" \
	test -L "$R/etc/systemd/system/multi-user.target.wants/vtapd.service"
check "the installed vtapd runs ($("$R/usr/sbin/vtapd" --version 2>&1))" "$R/usr/sbin/vtapd" --version
check "dpkg --purge removes it" dpkgr --purge vtap
left=$(cd "$R" && find . \( -type f -o -type l \) ! -path './var/lib/dpkg/*' | tr '\n' ' ')
check "nothing left in the root but dpkg's database${left:+ ($left)}" test -z "$left"

lintian --tag-display-limit 0 "$deb" >"$VT_RUN/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$VT_RUN/lintian.log" | sed 's/^/# /'
# lintian exits 1 on an error tag, 2 when it could not check the package
check "lintian exits 0 (no error tags; it checked the package)" test "$rc" -eq 0
check "lintian: no E: line" bash -c "! grep -q '^E:' '$VT_RUN/lintian.log'"

tap_end
