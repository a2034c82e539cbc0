#!/usr/bin/env bash
# Install the Debian packages vtap needs to build, test and demo. Idempotent:
# one dpkg-query when everything is present; apt-get only for what is missing.
# The etcd client (user/store) builds on libcurl and jansson; the tests start
# their own etcd-server and write behind the client's back with etcdctl
# (etcd-client); openssl makes their TLS certificates. The daemons speak
# systemd's notify protocol (libsystemd) and serve /metrics (libmicrohttpd);
# the tests check the metrics with promtool and scrape them with the real
# Prometheus server (prometheus), and curl. vtapd --sink-hook nft guards
# local monitor ports with nft(8) (nftables).
set -euo pipefail
PKGS=(make gcc clang llvm libbpf-dev bpftool libxdp-dev libelf-dev zlib1g-dev pkg-config
      libcmocka-dev libyaml-dev libmnl-dev iproute2 tcpdump tshark iperf3 ethtool
      netsniff-ng procps kmod python3 iputils-ping libclang-rt-14-dev valgrind
      openvswitch-switch openvswitch-switch-dpdk dpdk libdpdk-dev librte-net-af-xdp23 librte-mempool-ring23
      gnuplot-nox jq nftables
      libcurl4-openssl-dev libjansson-dev etcd-server etcd-client openssl
      scdoc mandoc groff-base debhelper fakeroot lintian dpkg-dev systemd bash-completion
      libsystemd-dev libmicrohttpd-dev prometheus curl)
installed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${PKGS[@]}" 2>/dev/null |
	awk '$1 == "installed" { print $2 }' || true)
missing=()
for p in "${PKGS[@]}"; do
	grep -qx "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root: install these packages: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
# other apt users (unattended upgrades, a parallel build) hold the lock for a while
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
