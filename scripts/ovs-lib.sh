# shellcheck shell=bash
# ovs-lib.sh: run PRIVATE Open vSwitch instances for tests and benchmarks.
# Source it: `. scripts/ovs-lib.sh`. Needs root. Safe under `set -u`; the
# functions never `exit`: they return non-zero with a message on stderr.
#
# Everything an instance owns lives under the directory given to ovs_start
# (conf.db, db.sock, pidfiles, logs, unixctl sockets, <bridge>.mgmt, DPDK's
# runtime dir). The system service, /etc/openvswitch and /var/run/openvswitch
# are never used.
#
#   ovs_start DIR [dpdk]        fresh conf.db + ovsdb-server + ovs-vswitchd
#                               (plain, or ovs-vswitchd-dpdk); waits until ready;
#                               makes DIR the current instance (ovs_use DIR)
#   ovs_stop DIR                stop both daemons, remove the kernel devices and
#                               XDP programs they leave behind, undo hugepages
#   ovs_use DIR                 select the instance that the wrappers talk to
#   ovs_vsctl / ovs_ofctl / ovs_appctl ARGS...
#                               ovs-vsctl / ovs-ofctl / ovs-appctl against the
#                               current instance (ovs_appctl -t ovsdb-server
#                               reaches its ovsdb-server; default ovs-vswitchd)
#   ovs_add_br BR [secure|standalone]
#                               bridge with datapath_type=$OVS_DP_TYPE; default
#                               fail_mode=secure: the flow table starts EMPTY
#                               (no NORMAL flow), so only the caller's flows run
#   ovs_add_afxdp_port BR IFACE [OFPORT]           type=afxdp (OVS AF_XDP netdev)
#   ovs_add_dpdk_afxdp_port BR IFACE NAME [OFPORT] type=dpdk, DPDK net_af_xdp PMD
#                                                  (DPDK instance only)
#   ovs_add_system_port BR IFACE [OFPORT]          plain kernel interface (AF_PACKET)
#   ovs_ofport IFACE_OR_PORT_NAME                  prints the OpenFlow port number
#   ovs_underlay BR_PHY IFACE IP/PREFIX [MTU]      tunnel underlay: bridge BR_PHY
#                               (standalone), IFACE its port, IP on BR_PHY
#   ovs_tunnel_neigh BR_PHY NEXT_HOP_IP [MAC]      fill the tunnel ARP cache
#   ovs_add_tunnel_port BR NAME TYPE REMOTE_IP KEY [OPTION=VALUE...] [ofport=N]
#                               vxlan / gre / erspan (geneve, ip6gre, ip6erspan)
#
# Network namespaces: run ovs_start inside one (`ip netns exec NS bash -c '.
# scripts/ovs-lib.sh; ovs_start DIR'`) and both daemons stay in it; its netdev
# datapath gets its own "ovs-netdev" tap there, so each namespace can have one
# netdev-datapath instance. The wrappers (ovs_vsctl, ovs_ofctl, ovs_appctl,
# ovs_add_br, ovs_add_tunnel_port) work from anywhere (unix sockets under DIR);
# whatever touches kernel interfaces (ovs_add_*_port, ovs_underlay) must run in
# the instance's namespace, under `ip netns exec` (it remounts /sys; nsenter
# does not) - they refuse otherwise ("instance DIR runs in network namespace
# NS: call this inside it"). ovs_stop re-runs itself there.
#
# Tunables (environment, read by ovs_start):
#   OVS_DP_TYPE=netdev|dummy   datapath of ovs_add_br (default netdev). Every
#       ovs-vswitchd with a netdev bridge opens ONE kernel tap called
#       "ovs-netdev" (a fixed name), so only one instance per network namespace
#       can have netdev bridges: a second fails with "ovs-netdev: creating tap
#       device failed: Device or resource busy". OVS_DP_TYPE=dummy starts
#       ovs-vswitchd with --enable-dummy and makes bridges datapath_type=dummy:
#       the same user-space datapath (dpif-netdev) under another name, whose
#       internal ports make no kernel device; afxdp, dpdk and system ports work
#       on it unchanged. Use it for every instance but one when several run.
#   OVS_PMD_MAXSLEEP=usecs     other_config:pmd-maxsleep (default 0 = OVS's
#       default: the PMD thread spins a whole core, ~100% CPU even when idle).
#       500 lets an idle PMD sleep (~3% CPU idle) - good for functional tests
#       on this 2-core host. At a saturating load (trafgen, ~0.5 Mpps, 3 s
#       runs) 500 lost up to 5% of frames, 0 typically <0.1% (noisy on 2
#       cores), so benchmarks keep 0.
#   OVS_PMD_CPU_MASK=hex       other_config:pmd-cpu-mask (default: OVS's choice)
#   OVS_DPDK_MEM=MB            DPDK memory without hugepages (default 512;
#       its mempool gets 65536 mbufs; 256 -> 32768 mbufs and a faster first port)
#   OVS_DPDK_HUGEPAGES=N       use N 2 MB hugepages instead of --no-huge (0 = off,
#       default); raises vm.nr_hugepages if needed and mounts hugetlbfs under DIR;
#       ovs_stop undoes only what ovs_start did
#   OVS_AFXDP_MODE=native|generic|best-effort  xdp-mode of afxdp ports (native)
#   OVS_TIMEOUT=seconds        ovs-vsctl timeout of the wrappers (default 10)
#   OVS_UNDERLAY_MTU=bytes     minimum MTU ovs_underlay gives IFACE (default 1600)
#   OVS_UNDERLAY_PORT=system|afxdp  port type of ovs_underlay's IFACE (system)
#
# Verified on this host (Debian 12, OVS 3.1.0, DPDK 22.11, kernel 6.18, veths;
# tests/ns/test_ovs.sh and scripts/ovs-tunnel-selfcheck.sh run it end to end):
# - afxdp on veth: xdp-mode=native and generic work, native-with-zerocopy does
#   not; use-need-wakeup true/false made no measurable difference (~0.5 Mpps of
#   64-byte frames, bounded by the 2 cores); n_rxq must equal the veth's real
#   RX queues or frames on the other queues never reach OVS.
# - OVS-DPDK without hugepages: --no-huge -m N --legacy-mem; ports type=dpdk
#   options:dpdk-devargs=net_af_xdp_<unique>,iface=X. Needs the PMD packages
#   librte-net-af-xdp23 and librte-mempool-ring23 (not pulled by dpdk with
#   --no-install-recommends; without them: "EAL: failed to parse device").
# - In OVS-DPDK's netdev datapath a plain system port works (as monitor port
#   too), as does another net_af_xdp port; a net_tap port works only with
#   options:n_rxq=<PMD threads + 1> ("number of rx queues 1 must be equal to
#   number of tx queues 2").
# - ovs-vsctl exits 0 when vswitchd fails to create a bridge or a port (it
#   prints "Error detected while setting up"): check the error column/ofport,
#   as ovs_add_* do.
# - The bridge's internal port and "ovs-netdev" are persistent taps that stay
#   after ovs-vswitchd exits; XDP programs stay after a kill -9. ovs_stop
#   removes both (taps only when no process of its network namespace still
#   holds them open: vswitchds in other namespaces have taps of the same names).
# - Tunnels (scripts/ovs-tunnel-selfcheck.sh: two instances in two namespaces,
#   vxlan, gre, erspan v1 and v2 end to end, byte for byte): OVS's native
#   (user-space) tunnelling needs no kernel module. The underlay address must
#   be on an OVS bridge's internal port (ovs_underlay): OVS routes remote_ip
#   with the kernel routes of its namespace, learned by netlink (no
#   ovs/route/add needed); a route via a non-bridge device fails ("native
#   tunnel routing failed" in ofproto/trace; ovs/route/add to a bridge without
#   an address: "Error while inserting route."); with the address on IFACE
#   itself (an OVS port) OVS injects the packets into the bridge as if
#   received on IFACE, and NORMAL drops them ("learned port is input port").
#   The receiving side decapsulates only packets addressed to its bridge's MAC
#   that reach the bridge's internal port (NORMAL does that) and match a
#   tunnel port of the same type, key and remote_ip (otherwise "receive tunnel
#   port not found" in the log). Pitfalls: the kernel still answers ARP on an
#   AF_PACKET port (ovs_underlay turns ARP off there), the MTU (ovs_underlay),
#   the first copies before the neighbour is known (ovs_tunnel_neigh). ERSPAN:
#   the session ID is the key (10 bits); sequence numbers count up; the v2
#   timestamp is fixed per datapath flow (built with the cached header).
# - A system (AF_PACKET) port is served by the main thread, not a PMD, through
#   a socket with the default receive buffer (net.core.rmem_default, not
#   settable inside a netns): as the underlay port of a receiving node it lost
#   15-85% of 1000-frame bursts offered at ~0.35 Mpps, none at 64 frames per
#   ms; an afxdp underlay port lost none at ~0.35 Mpps (but tcpdump on that
#   interface then sees nothing: XDP takes the frames first).
#
# Exports after ovs_start/ovs_use: OVS_DIR, OVS_DB (unix:DIR/db.sock), OVS_DP_TYPE,
# and OVS_START_MS (how long ovs_start took).

OVS_LIB_SCHEMA=${OVS_LIB_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
# This file, for ovs_stop to re-run itself inside an instance's namespace.
OVS_LIB_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
# Not /usr/sbin/ovs-vswitchd: that is an update-alternatives link which may
# point at the DPDK build.
OVS_LIB_VSWITCHD=${OVS_LIB_VSWITCHD:-/usr/lib/openvswitch-switch/ovs-vswitchd}
[ -x "$OVS_LIB_VSWITCHD" ] || OVS_LIB_VSWITCHD=/usr/sbin/ovs-vswitchd
OVS_LIB_VSWITCHD_DPDK=${OVS_LIB_VSWITCHD_DPDK:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}

_ovs_err() {
	echo "ovs-lib: $*" >&2
	return 1
}

_ovs_now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# A pid is alive when it exists and is not a zombie (kill -0 succeeds on
# zombies; a daemon whose parent never reaps it would never look gone).
_ovs_alive() {
	local pid=${1:-} st
	[ -n "$pid" ] || return 1
	st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

_ovs_pid() { # DIR NAME -> pid from DIR/NAME.pid if alive
	local pid
	pid=$(cat "$1/$2.pid" 2>/dev/null) || return 1
	_ovs_alive "$pid" || return 1
	echo "$pid"
}

_ovs_wait_gone() { # PID TENTHS
	local pid=$1 n=${2:-50}
	while [ "$n" -gt 0 ]; do
		_ovs_alive "$pid" || return 0
		sleep 0.1
		n=$((n - 1))
	done
	! _ovs_alive "$pid"
}

_ovs_dir_ok() {
	[ -n "${1:-}" ] || { _ovs_err "no instance directory (call ovs_start DIR or ovs_use DIR)"; return 1; }
	[ -S "$1/db.sock" ] || { _ovs_err "$1: no db.sock (instance not running?)"; return 1; }
}

# Environment every OVS program of an instance runs with: all its default
# paths (pidfiles, sockets, logs, DPDK runtime dir) point into DIR.
_ovs_env() { # DIR CMD...
	local d=$1
	shift
	env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" OVS_SYSCONFDIR="$d" \
		RUNTIME_DIRECTORY="$d" "$@"
}

_ovs_state_get() { # DIR KEY -> last value of KEY= in DIR/ovs-lib.state
	local v
	v=$(sed -n "s/^$2=//p" "$1/ovs-lib.state" 2>/dev/null | tail -1)
	[ -n "$v" ] || return 1
	echo "$v"
}

_ovs_netns_self() { readlink /proc/self/ns/net; }

# The caller must be in the network namespace the instance was started in
# when it touches kernel interfaces (ports, addresses, taps).
_ovs_in_netns() { # DIR
	local want name
	want=$(_ovs_state_get "$1" netns) || return 0
	[ "$want" = "$(_ovs_netns_self)" ] && return 0
	name=$(_ovs_state_get "$1" netns_name)
	_ovs_err "instance $1 runs in network namespace ${name:-$want}: call this inside it (ip netns exec ${name:-NAME} ...)"
}

ovs_use() {
	local d=${1:-}
	[ -n "$d" ] || { _ovs_err "usage: ovs_use DIR"; return 1; }
	d=$(cd "$d" 2>/dev/null && pwd) || { _ovs_err "ovs_use: no directory ${1}"; return 1; }
	export OVS_DIR=$d
	export OVS_DB=unix:$d/db.sock
	if [ -r "$d/ovs-lib.dptype" ]; then
		OVS_DP_TYPE=$(cat "$d/ovs-lib.dptype")
	fi
	export OVS_DP_TYPE=${OVS_DP_TYPE:-netdev}
}

ovs_vsctl() {
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	_ovs_env "$OVS_DIR" ovs-vsctl --db="$OVS_DB" --timeout="${OVS_TIMEOUT:-10}" "$@"
}

# ovs-ofctl BRIDGE reaches the bridge through $OVS_RUNDIR/BRIDGE.mgmt.
ovs_ofctl() {
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	_ovs_env "$OVS_DIR" ovs-ofctl "$@"
}

# -t NAME (no slash) means DIR/NAME.ctl; default target is ovs-vswitchd.
ovs_appctl() {
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	local target=$OVS_DIR/ovs-vswitchd.ctl
	if [ "${1:-}" = -t ] && [ $# -ge 2 ]; then
		case $2 in
		*/*) target=$2 ;;
		*) target=$OVS_DIR/$2.ctl ;;
		esac
		shift 2
	fi
	_ovs_env "$OVS_DIR" ovs-appctl -t "$target" "$@"
}

_ovs_log_tail() { # DIR FILE
	[ -r "$1/$2" ] || return 0
	grep -E '\|(ERR|EMER|WARN)\|' "$1/$2" | grep -v 'libbpf' | tail -5 | sed 's/^/    /' >&2
}

_ovs_hugepages_setup() { # DIR N -> dpdk-extra words on stdout
	local d=$1 want=$2 cur free mnt=$1/hugepages
	cur=$(cat /proc/sys/vm/nr_hugepages)
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if [ "$free" -lt "$want" ]; then
		echo "huge_old_nr=$cur" >>"$d/ovs-lib.state"
		sysctl -qw vm.nr_hugepages=$((cur + want - free)) ||
			{ _ovs_err "sysctl vm.nr_hugepages failed"; return 1; }
		echo "huge_set_nr=$(cat /proc/sys/vm/nr_hugepages)" >>"$d/ovs-lib.state"
		free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
		[ "$free" -ge "$want" ] ||
			{ _ovs_err "only $free free hugepages after raising vm.nr_hugepages"; return 1; }
	fi
	mkdir -p "$mnt"
	if ! mountpoint -q "$mnt"; then
		mount -t hugetlbfs -o pagesize=2M nodev "$mnt" ||
			{ _ovs_err "mount hugetlbfs on $mnt failed"; return 1; }
		echo "huge_mount=$mnt" >>"$d/ovs-lib.state"
	fi
	echo "--huge-dir=$mnt --socket-mem=$((want * 2)) --socket-limit=$((want * 2))"
}

_ovs_hugepages_undo() { # DIR
	local d=$1 st=$1/ovs-lib.state line mnt="" old="" set=""
	[ -r "$st" ] || return 0
	while IFS= read -r line; do
		case $line in
		huge_mount=*) mnt=${line#huge_mount=} ;;
		huge_old_nr=*) old=${line#huge_old_nr=} ;;
		huge_set_nr=*) set=${line#huge_set_nr=} ;;
		esac
	done <"$st"
	if [ -n "$mnt" ] && mountpoint -q "$mnt"; then
		rm -f "$mnt"/* 2>/dev/null
		umount "$mnt" || _ovs_err "umount $mnt failed"
		rmdir "$mnt" 2>/dev/null
	fi
	# Give the pages back only if nobody changed the setting since.
	if [ -n "$old" ] && [ "$(cat /proc/sys/vm/nr_hugepages)" = "$set" ]; then
		sysctl -qw vm.nr_hugepages="$old" || _ovs_err "restoring vm.nr_hugepages=$old failed"
	fi
	sed -i '/^huge_/d' "$st"
}

ovs_start() {
	local d=${1:-} flavour=${2:-plain} t0 bin extra="" dpt=${OVS_DP_TYPE:-netdev} pid
	local maxsleep=${OVS_PMD_MAXSLEEP:-0} prefix huge=${OVS_DPDK_HUGEPAGES:-0}
	local -a vsargs=()
	[ -n "$d" ] || { _ovs_err "usage: ovs_start DIR [dpdk]"; return 1; }
	t0=$(_ovs_now_ms)
	case $flavour in
	plain) bin=$OVS_LIB_VSWITCHD ;;
	dpdk) bin=$OVS_LIB_VSWITCHD_DPDK ;;
	*) _ovs_err "ovs_start: unknown flavour '$flavour' (want: dpdk or nothing)"; return 1 ;;
	esac
	case $dpt in
	netdev) ;;
	dummy) vsargs+=(--enable-dummy) ;;
	*) _ovs_err "OVS_DP_TYPE must be netdev or dummy, not '$dpt'"; return 1 ;;
	esac
	[ -x "$bin" ] || { _ovs_err "$bin missing (apt-get install openvswitch-switch openvswitch-switch-dpdk)"; return 1; }
	[ -r "$OVS_LIB_SCHEMA" ] || { _ovs_err "$OVS_LIB_SCHEMA missing"; return 1; }
	mkdir -p "$d" || { _ovs_err "cannot create $d"; return 1; }
	d=$(cd "$d" && pwd)
	if pid=$(_ovs_pid "$d" ovs-vswitchd) || pid=$(_ovs_pid "$d" ovsdb-server); then
		_ovs_err "$d: an instance is already running (pid $pid); ovs_stop it first"
		return 1
	fi
	rm -rf "$d/conf.db" "$d/.conf.db.~lock~" "$d"/*.sock "$d"/*.ctl "$d"/*.mgmt \
		"$d"/*.snoop "$d"/*.pid "$d"/*.log "$d"/*.stderr "$d/dpdk" "$d"/ovs-lib.*
	echo "$dpt" >"$d/ovs-lib.dptype"
	{
		echo "netns=$(_ovs_netns_self)"
		echo "netns_name=$(ip netns identify 2>/dev/null | head -1)"
		# OVS's AF_XDP ports (libxdp) make this directory in bpffs and
		# leave it; ovs_stop removes it if it was not there before
		[ -e /sys/fs/bpf/xdp ] || echo "bpffs_xdp=made"
	} >"$d/ovs-lib.state"
	ovsdb-tool create "$d/conf.db" "$OVS_LIB_SCHEMA" ||
		{ _ovs_err "ovsdb-tool create $d/conf.db failed"; return 1; }
	_ovs_env "$d" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		--pidfile="$d/ovsdb-server.pid" --log-file="$d/ovsdb-server.log" \
		--unixctl="$d/ovsdb-server.ctl" --no-chdir --detach 2>"$d/ovsdb-server.stderr" || {
		_ovs_err "ovsdb-server failed to start: $(tail -3 "$d/ovsdb-server.stderr")"
		return 1
	}
	ovs_use "$d" || return 1
	ovs_vsctl --no-wait init || { _ovs_err "ovs-vsctl init failed"; ovs_stop "$d"; return 1; }
	ovs_vsctl --no-wait set Open_vSwitch . other_config:pmd-maxsleep="$maxsleep" || { ovs_stop "$d"; return 1; }
	if [ -n "${OVS_PMD_CPU_MASK:-}" ]; then
		ovs_vsctl --no-wait set Open_vSwitch . other_config:pmd-cpu-mask="$OVS_PMD_CPU_MASK" || { ovs_stop "$d"; return 1; }
	fi
	if [ "$flavour" = dpdk ]; then
		# DPDK's runtime dir is $RUNTIME_DIRECTORY/dpdk/<file-prefix> (root
		# otherwise uses /var/run/dpdk/rte), so instances never share one.
		prefix=ovs$(printf '%s' "$d" | cksum | cut -d' ' -f1)
		if [ "$huge" -gt 0 ] 2>/dev/null; then
			extra=$(_ovs_hugepages_setup "$d" "$huge") || { ovs_stop "$d"; return 1; }
			extra="--no-pci --file-prefix=$prefix $extra"
		else
			# OVS adds --in-memory unless --legacy-mem is given, and DPDK refuses
			# --in-memory with --no-huge ("Option --legacy-mem is not compatible
			# with --in-memory"): --no-huge needs an explicit --legacy-mem.
			extra="--no-pci --no-huge -m ${OVS_DPDK_MEM:-512} --legacy-mem --file-prefix=$prefix"
		fi
		ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
			other_config:dpdk-extra="$extra" || { ovs_stop "$d"; return 1; }
	fi
	if ! _ovs_env "$d" "$bin" "unix:$d/db.sock" "${vsargs[@]}" \
		--pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" \
		--unixctl="$d/ovs-vswitchd.ctl" --no-chdir --detach >"$d/ovs-vswitchd.stderr" 2>&1; then
		_ovs_err "$(basename "$bin") failed to start (log: $d/ovs-vswitchd.log)"
		_ovs_log_tail "$d" ovs-vswitchd.log
		ovs_stop "$d"
		return 1
	fi
	# --detach returns once vswitchd applied the database (DPDK init included);
	# check anyway: a set without --no-wait returns only after vswitchd has
	# reconfigured, so it proves vswitchd is live.
	if ! ovs_vsctl --timeout=30 show >/dev/null ||
		! ovs_vsctl --timeout=30 set Open_vSwitch . external_ids:ovs-lib=ready; then
		_ovs_err "ovs-vswitchd in $d did not become ready"
		_ovs_log_tail "$d" ovs-vswitchd.log
		ovs_stop "$d"
		return 1
	fi
	if [ "$flavour" = dpdk ] &&
		! ovs_vsctl --timeout=60 wait-until Open_vSwitch . dpdk_initialized=true; then
		_ovs_err "DPDK did not initialise in $d"
		_ovs_log_tail "$d" ovs-vswitchd.log
		ovs_stop "$d"
		return 1
	fi
	echo "flavour=$flavour" >>"$d/ovs-lib.state"
	export OVS_START_MS=$(($(_ovs_now_ms) - t0))
}

# Which process of this network namespace holds a tun/tap device open (empty =
# none). fdinfo names the device only, and vswitchds in other namespaces have
# taps of the same names (ovs-netdev, their bridges): they do not count.
_ovs_tap_users() { # IFNAME
	local me pid
	me=$(_ovs_netns_self)
	for pid in $(grep -lsE "^iff:[[:space:]]+$1\$" /proc/[0-9]*/fdinfo/* 2>/dev/null | cut -d/ -f3 | sort -u); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$me" ] && echo "$pid"
	done
}

# Kernel leftovers of an instance, listed before the daemons stop:
#   tap <name>   tap devices the netdev datapath made (bridge internal ports,
#                "ovs-netdev"): persistent (TUNSETPERSIST), they outlive vswitchd
#   xdp <name>   interfaces given to afxdp / DPDK net_af_xdp ports: a clean exit
#                detaches the XDP program, a kill -9 leaves it attached
_ovs_leftovers() { # DIR (current instance)
	local br dpt n devargs
	for br in $(ovs_vsctl --timeout=3 list-br 2>/dev/null); do
		dpt=$(ovs_vsctl --timeout=3 --bare --columns=datapath_type list Bridge "$br" 2>/dev/null)
		[ "$dpt" = netdev ] || continue # dummy: internal ports are not kernel devices
		echo "tap ovs-netdev"
		echo "tap $br"
		for n in $(ovs_vsctl --timeout=3 list-ifaces "$br" 2>/dev/null); do
			[ "$(ovs_vsctl --timeout=3 get Interface "$n" type 2>/dev/null)" = internal ] && echo "tap $n"
		done
	done
	for n in $(ovs_vsctl --timeout=3 --bare --columns=name find Interface type=afxdp 2>/dev/null); do
		echo "xdp $n"
	done
	for n in $(ovs_vsctl --timeout=3 --bare --columns=name find Interface type=dpdk 2>/dev/null); do
		devargs=$(ovs_vsctl --timeout=3 get Interface "$n" options:dpdk-devargs 2>/dev/null | tr -d '"')
		case $devargs in
		net_af_xdp*iface=*) devargs=${devargs#*iface=}; echo "xdp ${devargs%%,*}" ;;
		esac
	done
	cat "$1/ovs-lib.ports" 2>/dev/null
}

_ovs_stop_daemon() { # DIR NAME
	local d=$1 name=$2 pid
	pid=$(_ovs_pid "$d" "$name") || return 0
	# exit: vswitchd detaches its XDP programs and DPDK ports on the way out
	if _ovs_env "$d" ovs-appctl --timeout=5 -t "$d/$name.ctl" exit >/dev/null 2>&1; then
		_ovs_wait_gone "$pid" 50 && return 0
	fi
	kill -TERM "$pid" 2>/dev/null
	_ovs_wait_gone "$pid" 30 && return 0
	echo "ovs-lib: $name (pid $pid) ignored exit and SIGTERM: kill -9" >&2
	kill -KILL "$pid" 2>/dev/null
	_ovs_wait_gone "$pid" 30 || { _ovs_err "$name (pid $pid) survived kill -9"; return 1; }
}

ovs_stop() {
	local d=${1:-} rc=0 kind name prog users saved_dir=${OVS_DIR:-} saved_db=${OVS_DB:-}
	local want ns_name kernel=1
	local -a left=()
	[ -n "$d" ] || { _ovs_err "usage: ovs_stop DIR"; return 1; }
	[ -d "$d" ] || return 0
	d=$(cd "$d" && pwd)
	# Kernel leftovers live in the instance's namespace: run there (ip netns
	# exec also remounts /sys, which the checks below read).
	want=$(_ovs_state_get "$d" netns) || want=""
	if [ -n "$want" ] && [ "$want" != "$(_ovs_netns_self)" ]; then
		ns_name=$(_ovs_state_get "$d" netns_name) || ns_name=""
		if [ -n "$ns_name" ] && [ "net:[$(stat -L -c %i "/run/netns/$ns_name" 2>/dev/null)]" = "$want" ]; then
			ip netns exec "$ns_name" bash -c '. "$1" && ovs_stop "$2"' _ "$OVS_LIB_SELF" "$d" || rc=1
			[ "${OVS_DIR:-}" = "$d" ] && unset OVS_DIR OVS_DB
			return $rc
		fi
		if _ovs_pid "$d" ovs-vswitchd >/dev/null || _ovs_pid "$d" ovsdb-server >/dev/null; then
			_ovs_err "ovs_stop: $d runs in network namespace ${ns_name:-$want}, which is gone or has no name: stopping the daemons only"
		fi
		kernel=0
	fi
	if [ $kernel = 1 ] && [ -S "$d/db.sock" ] && _ovs_pid "$d" ovsdb-server >/dev/null; then
		OVS_DIR=$d OVS_DB=unix:$d/db.sock
		mapfile -t left < <(_ovs_leftovers "$d" | sort -u)
	elif [ $kernel = 1 ]; then
		mapfile -t left < <(sort -u "$d/ovs-lib.ports" 2>/dev/null)
	fi
	OVS_DIR=$saved_dir OVS_DB=$saved_db
	_ovs_stop_daemon "$d" ovs-vswitchd || rc=1
	_ovs_stop_daemon "$d" ovsdb-server || rc=1
	[ $kernel = 1 ] && { _ovs_underlay_undo "$d" || rc=1; }
	for name in "${left[@]}"; do
		kind=${name%% *}
		name=${name#* }
		if [ -z "$name" ] || [ ! -e "/sys/class/net/$name" ]; then
			continue
		fi
		case $kind in
		tap)
			[ -e "/sys/class/net/$name/tun_flags" ] || continue
			users=$(_ovs_tap_users "$name")
			if [ -n "$users" ]; then
				# another ovs-vswitchd uses it (ovs-netdev is shared by name)
				continue
			fi
			ip link del "$name" 2>/dev/null || { _ovs_err "ip link del $name failed"; rc=1; }
			;;
		xdp)
			prog=$(ip -d link show dev "$name" 2>/dev/null | sed -n 's/.*prog\/xdp[a-z]* id [0-9]* name \([^ ]*\).*/\1/p')
			case $prog in
			xsk_def_prog | xdp_dispatcher)
				ip link set dev "$name" xdp off 2>/dev/null ||
					ip link set dev "$name" xdpgeneric off 2>/dev/null
				;;
			esac
			;;
		esac
	done
	_ovs_hugepages_undo "$d" || rc=1
	[ "$(_ovs_state_get "$d" bpffs_xdp)" = made ] && rmdir /sys/fs/bpf/xdp 2>/dev/null
	rm -rf "$d/dpdk" "$d"/*.ctl "$d"/*.mgmt "$d"/*.snoop "$d"/*.pid "$d/db.sock" "$d/ovs-lib.ports"
	if [ "${OVS_DIR:-}" = "$d" ]; then
		unset OVS_DIR OVS_DB
	fi
	return $rc
}

_ovs_record() { # KIND NAME: remembered for ovs_stop in case the db is gone
	[ -n "${OVS_DIR:-}" ] && echo "$1 $2" >>"$OVS_DIR/ovs-lib.ports"
}

ovs_add_br() {
	local br=${1:-} mode=${2:-secure}
	[ -n "$br" ] || { _ovs_err "usage: ovs_add_br BR [secure|standalone]"; return 1; }
	[ "${OVS_DP_TYPE:-netdev}" = netdev ] && _ovs_record tap ovs-netdev
	_ovs_record tap "$br"
	# ovs-vsctl exits 0 even when vswitchd fails to create the bridge (it only
	# prints "Error detected while setting up"): a working bridge has its local
	# port at 65534 and a BR.mgmt socket.
	if ! ovs_vsctl add-br "$br" -- set bridge "$br" datapath_type="${OVS_DP_TYPE:-netdev}" \
		fail_mode="$mode" 2>/dev/null ||
		[ "$(ovs_vsctl get Interface "$br" ofport 2>/dev/null)" != 65534 ] ||
		[ ! -S "$OVS_DIR/$br.mgmt" ]; then
		_ovs_err "add-br $br failed (a second netdev datapath in this netns? see OVS_DP_TYPE=dummy)"
		_ovs_log_tail "$OVS_DIR" ovs-vswitchd.log
		ovs_vsctl --if-exists del-br "$br" >/dev/null 2>&1
		return 1
	fi
}

ovs_ofport() {
	local p
	p=$(ovs_vsctl get Interface "${1:-}" ofport) || return 1
	[ "$p" -gt 0 ] 2>/dev/null || { _ovs_err "${1:-}: no OpenFlow port (ofport=$p)"; return 1; }
	echo "$p"
}

# The kernel must not originate frames (IPv6 DAD/RS/MLD) on an interface OVS
# owns: they would come out of the peer next to the copies under test.
_ovs_prep_iface() { # IFACE
	_ovs_in_netns "${OVS_DIR:-}" || return 1
	[ -e "/sys/class/net/$1" ] || { _ovs_err "no interface $1"; return 1; }
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null
	ip link set dev "$1" up || { _ovs_err "ip link set $1 up failed"; return 1; }
}

# Real RX queues of an interface (veth: 1 unless `ethtool -L` changed it). An
# AF_XDP port must open a socket on every one of them: frames arriving on a
# queue without a socket are not seen by OVS.
_ovs_rxqs() {
	local n
	n=$(find "/sys/class/net/$1/queues" -maxdepth 1 -name 'rx-*' 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || n=1
	echo "$n"
}

_ovs_check_port() { # IFACE-NAME
	local err
	err=$(ovs_vsctl get Interface "$1" error 2>/dev/null)
	if [ -n "$err" ] && [ "$err" != "[]" ]; then
		_ovs_err "port $1: $err"
		_ovs_log_tail "$OVS_DIR" ovs-vswitchd.log
		return 1
	fi
	ovs_ofport "$1" >/dev/null
}

_ovs_add_port() { # BR NAME OFPORT SETTINGS...
	local br=$1 name=$2 ofp=$3
	shift 3
	local -a req=()
	[ -n "$ofp" ] && req=("ofport_request=$ofp")
	if ! ovs_vsctl add-port "$br" "$name" -- set Interface "$name" "$@" "${req[@]}"; then
		_ovs_check_port "$name"
		ovs_vsctl --if-exists del-port "$br" "$name" >/dev/null 2>&1
		return 1
	fi
	_ovs_check_port "$name" || { ovs_vsctl --if-exists del-port "$br" "$name"; return 1; }
}

# OVS's own AF_XDP netdev. On veth: xdp-mode=native works (native XDP, copy
# mode); native-with-zerocopy fails (xsk_socket__create: Operation not
# supported); generic also works.
ovs_add_afxdp_port() {
	local br=${1:-} ifc=${2:-} ofp=${3:-}
	if [ -z "$br" ] || [ -z "$ifc" ]; then
		_ovs_err "usage: ovs_add_afxdp_port BR IFACE [OFPORT]"
		return 1
	fi
	_ovs_prep_iface "$ifc" || return 1
	_ovs_record xdp "$ifc"
	_ovs_add_port "$br" "$ifc" "$ofp" type=afxdp options:xdp-mode="${OVS_AFXDP_MODE:-native}" \
		options:n_rxq="$(_ovs_rxqs "$ifc")"
}

# OVS-DPDK port on the DPDK AF_XDP PMD. The vdev name must be unique in the
# process (net_af_xdp0 twice: "... is trying to use device ... which is already
# in use"); any name starting with net_af_xdp selects the PMD, so it is
# net_af_xdp_NAME. Extra devargs: $OVS_AFXDP_DEVARGS (e.g. ",busy_budget=0").
ovs_add_dpdk_afxdp_port() {
	local br=${1:-} ifc=${2:-} name=${3:-} ofp=${4:-} q
	if [ -z "$br" ] || [ -z "$ifc" ] || [ -z "$name" ]; then
		_ovs_err "usage: ovs_add_dpdk_afxdp_port BR IFACE NAME [OFPORT]"
		return 1
	fi
	[ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] ||
		{ _ovs_err "instance ${OVS_DIR:-?} is not an OVS-DPDK one (ovs_start DIR dpdk)"; return 1; }
	_ovs_prep_iface "$ifc" || return 1
	q=$(_ovs_rxqs "$ifc")
	_ovs_record xdp "$ifc"
	_ovs_add_port "$br" "$name" "$ofp" type=dpdk \
		options:dpdk-devargs="net_af_xdp_$name,iface=$ifc,start_queue=0,queue_count=$q${OVS_AFXDP_DEVARGS:-}" \
		options:n_rxq="$q"
}

# A kernel interface as an OVS port (netdev-linux, AF_PACKET), in the plain and
# in the DPDK ovs-vswitchd alike.
ovs_add_system_port() {
	local br=${1:-} ifc=${2:-} ofp=${3:-}
	if [ -z "$br" ] || [ -z "$ifc" ]; then
		_ovs_err "usage: ovs_add_system_port BR IFACE [OFPORT]"
		return 1
	fi
	_ovs_prep_iface "$ifc" || return 1
	_ovs_add_port "$br" "$ifc" "$ofp" type=system
}

# --- OVS tunnels (user-space datapath: no kernel module needed) -------------
#
# OVS's native tunnelling sends a tunnel port's packets through the OVS bridge
# whose internal port holds the route to remote_ip ("br-phy"); so the underlay
# address must be on an OVS bridge, not on the physical interface.

# Undo what ovs_underlay did to the physical interface (ovs_stop calls it).
_ovs_underlay_undo() { # DIR
	local st=$1/ovs-lib.state line ifc="" mtu="" arp="" a
	local -a addrs=()
	[ -r "$st" ] || return 0
	while IFS= read -r line; do
		case $line in
		underlay_iface=*) ifc=${line#*=} ;;
		underlay_mtu=*) mtu=${line#*=} ;;
		underlay_arp=*) arp=${line#*=} ;;
		underlay_addr=*) addrs+=("${line#*=}") ;;
		esac
	done <"$st"
	sed -i '/^underlay_/d' "$st"
	[ -n "$ifc" ] && [ -e "/sys/class/net/$ifc" ] || return 0
	[ -n "$mtu" ] && ip link set dev "$ifc" mtu "$mtu"
	[ "$arp" = on ] && ip link set dev "$ifc" arp on
	for a in "${addrs[@]}"; do
		ip addr add "$a" dev "$ifc" 2>/dev/null
	done
	return 0
}

# ovs_underlay BR_PHY IFACE IP/PREFIX [MTU]: the underlay of OVS tunnels.
# Makes bridge BR_PHY (fail_mode=standalone: a NORMAL learning switch, which
# both directions need: encapsulated packets enter BR_PHY from its internal
# port, and received tunnel packets and ARP replies must reach that internal
# port to be decapsulated / snooped), adds IFACE as a system (AF_PACKET) port,
# removes IFACE's IPv4 addresses, puts IP/PREFIX on BR_PHY's internal port and
# waits until OVS's route table (learned from the kernel's, in this namespace)
# has the prefix on BR_PHY. IFACE also gets:
#   - `arp off`: IFACE is still a kernel interface; with ARP on, the kernel
#     answers ARP for the namespace's addresses with IFACE's MAC, and the
#     remote OVS may learn that MAC: its copies then reach the kernel, not OVS
#     (all lost);
#   - MTU >= MTU (default $OVS_UNDERLAY_MTU or 1600): encapsulation adds 42
#     (GRE+key) to 54 (ERSPAN v2) bytes; an outer packet above the MTU is lost
#     ("error sending Ethernet packet on IFACE: Message too long"), with the
#     rest of its batch. Both ends of the underlay need it.
# A system port, not afxdp: tcpdump/tshark on IFACE see the tunnel packets
# (frames taken by XDP bypass packet sockets). ovs_stop restores IFACE's MTU,
# ARP flag and IPv4 addresses.
ovs_underlay() {
	local br=${1:-} ifc=${2:-} cidr=${3:-} mtu=${4:-${OVS_UNDERLAY_MTU:-1600}} cur a
	if [ -z "$br" ] || [ -z "$ifc" ] || [ -z "$cidr" ]; then
		_ovs_err "usage: ovs_underlay BR_PHY IFACE IP/PREFIX [MTU]"
		return 1
	fi
	case $cidr in
	*/*) ;;
	*) _ovs_err "ovs_underlay: '$cidr' is not IP/PREFIX"; return 1 ;;
	esac
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	_ovs_in_netns "$OVS_DIR" || return 1
	[ -e "/sys/class/net/$ifc" ] || { _ovs_err "no interface $ifc"; return 1; }
	cur=$(cat "/sys/class/net/$ifc/mtu")
	echo "underlay_iface=$ifc" >>"$OVS_DIR/ovs-lib.state"
	if [ "$cur" -lt "$mtu" ]; then
		echo "underlay_mtu=$cur" >>"$OVS_DIR/ovs-lib.state"
		ip link set dev "$ifc" mtu "$mtu" || { _ovs_err "ip link set $ifc mtu $mtu failed"; return 1; }
	fi
	if ! ip link show dev "$ifc" | grep -q NOARP; then
		echo "underlay_arp=on" >>"$OVS_DIR/ovs-lib.state"
		ip link set dev "$ifc" arp off || { _ovs_err "ip link set $ifc arp off failed"; return 1; }
	fi
	for a in $(ip -4 -o addr show dev "$ifc" | awk '{ print $4 }'); do
		echo "underlay_addr=$a" >>"$OVS_DIR/ovs-lib.state"
		ip addr del "$a" dev "$ifc"
	done
	ovs_add_br "$br" standalone || return 1
	case ${OVS_UNDERLAY_PORT:-system} in
	system) ovs_add_system_port "$br" "$ifc" || return 1 ;;
	afxdp) ovs_add_afxdp_port "$br" "$ifc" || return 1 ;;
	*) _ovs_err "OVS_UNDERLAY_PORT must be system or afxdp"; return 1 ;;
	esac
	sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" 2>/dev/null
	if ! ip addr add "$cidr" dev "$br" || ! ip link set dev "$br" up; then
		_ovs_err "ovs_underlay: cannot put $cidr on $br"
		return 1
	fi
	# OVS learns the connected route from the kernel by netlink, asynchronously.
	for _ in $(seq 50); do
		ovs_appctl ovs/route/show 2>/dev/null | grep -q "dev $br SRC ${cidr%/*}\$" && return 0
		sleep 0.1
	done
	_ovs_err "ovs_underlay: OVS's route table has no route on $br after 5 s:"
	ovs_appctl ovs/route/show | sed 's/^/    /' >&2
	return 1
}

# ovs_tunnel_neigh BR_PHY NEXT_HOP_IP [MAC]: fill OVS's tunnel neighbour cache
# (tnl/neigh/set) before the first copy. Without an entry, the packet that
# misses it triggers an ARP request and is dropped, and so is every copy until
# the reply has been snooped and the datapath flow revalidated (a burst of 100
# frames was lost entirely). Worse, OVS snoops only ARP replies that miss its
# datapath flow cache: a flushed entry whose ARP-reply megaflow is still cached
# is not relearned while traffic keeps the (now dropping) flow alive -
# `ovs-appctl revalidator/purge` unsticks it. Without MAC, the kernel resolves
# NEXT_HOP_IP through BR_PHY (ping) and its answer is used. Entries (these too)
# expire after tnl/neigh/aging seconds unused (default 900, at most 3600);
# traffic through the tunnel keeps them alive. NEXT_HOP_IP is remote_ip or,
# behind a router, the gateway that `ovs-appctl ovs/route/lookup IP` names.
ovs_tunnel_neigh() {
	local br=${1:-} ip=${2:-} mac=${3:-}
	if [ -z "$br" ] || [ -z "$ip" ]; then
		_ovs_err "usage: ovs_tunnel_neigh BR_PHY NEXT_HOP_IP [MAC]"
		return 1
	fi
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	if [ -z "$mac" ]; then
		_ovs_in_netns "$OVS_DIR" || return 1
		ip neigh del "$ip" dev "$br" 2>/dev/null # resolve afresh
		ping -c 1 -W 1 -I "$br" "$ip" >/dev/null 2>&1
		for _ in $(seq 20); do
			mac=$(ip neigh show "$ip" dev "$br" 2>/dev/null | awk '/lladdr/ { print $3; exit }')
			[ -n "$mac" ] && break
			sleep 0.1
		done
		[ -n "$mac" ] || { _ovs_err "ovs_tunnel_neigh: no ARP/ND answer from $ip on $br"; return 1; }
	fi
	# tnl/neigh/set revalidates the datapath flows, so flows translated while
	# the entry was missing pick it up.
	ovs_appctl tnl/neigh/set "$br" "$ip" "$mac" >/dev/null ||
		{ _ovs_err "tnl/neigh/set $br $ip $mac failed"; return 1; }
}

# ovs_add_tunnel_port BR NAME TYPE REMOTE_IP KEY [OPTION=VALUE...] [ofport=N]
# A tunnel port: TYPE vxlan | gre | erspan (also geneve, ip6gre, ip6erspan),
# KEY = VNI (vxlan, geneve: 24 bits), GRE key (32 bits) or ERSPAN session ID
# (10 bits), decimal, 0x-hex or "flow". Each OPTION=VALUE becomes
# options:OPTION=VALUE, e.g. erspan_ver=1 erspan_idx=0x7, or erspan_ver=2
# erspan_dir=1 erspan_hwid=0x5. Returns non-zero with OVS's message when OVS
# refuses the port (error column: "invalid erspan version: 3", "could not add
# network device NAME to ofproto (File exists)" for a second port with the same
# type/remote/key, ...) and also for what OVS accepts silently: a key out of
# range (OVS truncates it) and an unknown option (only logged: "unknown erspan
# argument 'x'"). Warns (but succeeds) when REMOTE_IP has no route through an
# OVS bridge: its packets would be dropped ("native tunnel routing failed" in
# ofproto/trace); see ovs_underlay. The receiving OVS needs a port of the same
# type with remote_ip = the sender's underlay address and the same key.
ovs_add_tunnel_port() {
	local br=${1:-} name=${2:-} type=${3:-} remote=${4:-} key=${5:-} ofp="" max arg off=0 warn dev log
	local -a opts=()
	if [ $# -lt 5 ] || [ -z "$br" ] || [ -z "$name" ] || [ -z "$type" ] || [ -z "$remote" ] || [ -z "$key" ]; then
		_ovs_err "usage: ovs_add_tunnel_port BR NAME TYPE REMOTE_IP KEY [OPTION=VALUE...] [ofport=N]"
		return 1
	fi
	shift 5
	case $type in
	vxlan | geneve) max=16777215 ;;
	gre | ip6gre) max=4294967295 ;;
	erspan | ip6erspan) max=1023 ;;
	*) _ovs_err "ovs_add_tunnel_port: tunnel type '$type' not handled (vxlan, gre, erspan, geneve, ip6gre, ip6erspan)"; return 1 ;;
	esac
	_ovs_dir_ok "${OVS_DIR:-}" || return 1
	case " $(ovs_vsctl get Open_vSwitch . iface_types | tr -d '[],') " in
	*" $type "*) ;;
	*) _ovs_err "this ovs-vswitchd has no '$type' interfaces"; return 1 ;;
	esac
	if [ "$key" != flow ]; then
		if ! [[ $key =~ ^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$ ]] ||
			{ [[ $key =~ ^0x ]] && [ $((key)) -gt $max ]; } ||
			{ [[ ! $key =~ ^0x ]] && [ $((10#$key)) -gt $max ]; }; then
			_ovs_err "ovs_add_tunnel_port: key '$key' is not 0..$max (or flow) for $type"
			return 1
		fi
	fi
	for arg in "$@"; do
		case $arg in
		ofport=*) ofp=${arg#ofport=} ;;
		?*=*) opts+=("options:$arg") ;;
		*) _ovs_err "ovs_add_tunnel_port: '$arg' is not OPTION=VALUE"; return 1 ;;
		esac
	done
	log=$OVS_DIR/ovs-vswitchd.log
	[ -r "$log" ] && off=$(wc -c <"$log")
	_ovs_add_port "$br" "$name" "$ofp" type="$type" options:remote_ip="$remote" \
		options:key="$key" "${opts[@]}" || return 1
	# Options netdev-vport does not know are only logged (WARN, port kept).
	for _ in 1 2; do
		warn=$(tail -c +$((off + 1)) "$log" 2>/dev/null | grep -F "|netdev_vport|WARN|$name: " | head -1)
		[ -n "$warn" ] && break
		sleep 0.1
	done
	if [ -n "$warn" ]; then
		_ovs_err "port $name: ${warn##*|}"
		ovs_vsctl --if-exists del-port "$br" "$name"
		return 1
	fi
	[ "$remote" = flow ] && return 0
	dev=$(ovs_appctl ovs/route/lookup "$remote" 2>/dev/null | sed -n 's/^dev //p')
	if [ -z "$dev" ] || ! ovs_vsctl br-exists "$dev" 2>/dev/null; then
		echo "ovs-lib: warning: $name: OVS has no route to $remote through a bridge (route: ${dev:-none});" \
			"its packets will be dropped until the underlay address is on a bridge (ovs_underlay)" >&2
	fi
	return 0
}
