#!/usr/bin/env bash
# Issue 19 item 1 for vtap-dpdk: its monitor ports are DPDK ports, and a
# PMD over a kernel interface (net_af_xdp) takes every frame the interface
# receives. A --monitor (or --vxlan) port whose interface carries the host's
# own traffic — here a veth with an address the host pings through — is
# refused at start, naming the port and the reason, before anything is
# probed: the host's pings keep working and no XDP program goes on it. A
# clean monitor port starts as before.
: "${VT_PREFIX:=vtdh}"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dpdk-lib.sh"
cleanup() { vdp_stop; topo_down; }
trap cleanup EXIT
dpdk_wire_up
HM=${VT_PREFIX}-hm
host_link hm

cat >"$VT_POL/10.yaml" <<YAML
monitors:
  - { name: m, type: local, port: $HM }
policies:
  - name: p
    source: { ports: [${VT_PREFIX}-vm1] }
    match: { protocol: icmp }
    monitor: m
YAML
"$VDP" --vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" --monitor "$(xdp 2 "$HM")" \
	--policy-dir "$VT_POL" --socket "$VDP_SOCK" >"$VT_RUN/vdp.log" 2>&1 &
pid=$!
for i in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
started=no
if kill -0 "$pid" 2>/dev/null; then
	started=yes
	out=$(ping -c 3 -i 0.1 -W 1 10.78.0.2 2>&1)
	diag "it runs; the host's pings through $HM meanwhile: $(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out") of 3"
	kill -TERM "$pid"
fi
wait "$pid"; rc=$?
sed 's/^/# /' "$VT_RUN/vdp.log" | grep -i "refus" | head -3
check "vtap-dpdk with a monitor port that has an address does not start (exit $rc)" \
	test "$started" = no -a "$rc" -ne 0
check "... its error names the port, the interface and the reason" \
	grep -qF "refusing interface $HM: it carries the host's own traffic (it has the address 10.78.0.1/24)" \
	"$VT_RUN/vdp.log"
check "... no XDP program was put on $HM" bash -c "! ip -d link show $HM | grep -q prog/xdp"
out=$(ping -c 3 -i 0.1 -W 1 10.78.0.2 2>&1)
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
check "... the host's pings through $HM work (${rx:-0} of 3)" test "${rx:-0}" -eq 3

sed -i "s/port: $HM/port: ${VT_PREFIX}-mon/" "$VT_POL/10.yaml"
check "with a clean monitor port it starts" \
	vdp_start --vm "$(xdp 0 "${VT_PREFIX}-vm1")" --net "$(xdp 1 "$W")" \
	--monitor "$(xdp 2 "${VT_PREFIX}-mon")"
vdp_stop
check "... and stops cleanly" test "$VDP_RC" -eq 0
tap_end
