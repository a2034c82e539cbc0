#!/usr/bin/env bash
# Renders docs/grafana-vtap.png from a real run: the namespace cloud of
# tests/ns/lib.sh, vtapd --metrics under traffic (TCP, ICMP, UDP through
# iperf3, a reload, a rejected edit, a live capture client), the real
# Prometheus server (Debian's package) scraping it every 2 s, and then
# every panel of docs/grafana-vtap.json evaluated by that Prometheus
# through its HTTP API and drawn by gnuplot (scripts/dashboard-png.py).
# Grafana is not packaged in Debian: the PNG is the dashboard's queries
# drawn by gnuplot, not a Grafana screenshot.
#
# usage: OUT=build VT_PREFIX=db scripts/dashboard-png.sh [SECONDS]   (root; default 180)
set -u
cd "$(dirname "$0")/.."
: "${VT_PREFIX:=db}"
. tests/ns/lib.sh
SECS=${1:-180}
PNG=${PNG:-docs/grafana-vtap.png}
PPID_=
cleanup() {
	[ -n "$PPID_" ] && kill "$PPID_" 2>/dev/null && wait "$PPID_" 2>/dev/null
	topo_down
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

topo_up
cat >"$VT_POL/a.yaml" <<YAML
monitors:
  - { name: ids, port: ${VT_PREFIX}-mon }
  - { name: rec, type: capture, port: ${VT_PREFIX}-cap0 }
policies:
  - { name: web, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: tcp }, monitor: ids }
  - { name: ping-half, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: icmp }, sample: 2, monitor: ids }
  - { name: udp-heads, source: { ports: ["${VT_PREFIX}-vm1"] }, match: { protocol: udp }, snaplen: 64, monitor: ids }
  - { name: vm2-all, source: { ports: ["${VT_PREFIX}-vm2"] }, monitor: rec }
YAML
MPORT=$(free_port)
vtapd_start --metrics "127.0.0.1:$MPORT" || exit 1
PPORT=$(free_port)
cat >"$VT_RUN/prometheus.yml" <<YAML
global: { scrape_interval: 2s, evaluation_interval: 2s }
scrape_configs:
  - job_name: vtap
    static_configs: [ { targets: ["127.0.0.1:$MPORT"] } ]
YAML
prometheus --config.file="$VT_RUN/prometheus.yml" --storage.tsdb.path="$VT_RUN/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$VT_RUN/prometheus.log" 2>&1 &
PPID_=$!
PROM=http://127.0.0.1:$PPORT
for i in $(seq 100); do curl -sf "$PROM/-/ready" >/dev/null && break; sleep 0.1; done
curl -sf "$PROM/-/ready" >/dev/null || { echo "prometheus did not start" >&2; exit 1; }
START=$(date +%s)
echo "dashboard-png: vtapd metrics on :$MPORT, prometheus on :$PPORT, ${SECS}s of traffic" >&2

# traffic, in phases, all inside the test's namespaces and bounded in time
TR=() # the traffic's jobs (vtapd and prometheus are jobs of this shell too)
nsx vm2 timeout "$SECS" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
TR+=($!)
nsx vm2 timeout "$SECS" python3 "$WEBPEER" serve 10.77.0.2 100000 >/dev/null 2>&1 &
TR+=($!)
end=$((START + SECS))
third=$((SECS / 3))
nsx vm1 timeout "$SECS" ping -i 0.05 -q 10.77.0.2 >/dev/null 2>&1 &
TR+=($!)
sleep 5
nsx vm1 timeout "$third" iperf3 -c 10.77.0.2 -u -b 4M -l 600 -t "$((third - 5))" >/dev/null 2>&1 &
TR+=($!)
while [ "$(date +%s)" -lt $((START + third)) ]; do
	nsx vm1 timeout 2 python3 "$WEBPEER" get 10.77.0.2 >/dev/null 2>&1
	sleep 0.2
done
# a reload: the sampled policy copies every frame now
sed -i 's/sample: 2/sample: 1/' "$VT_POL/a.yaml"
# a live capture of vm2-all for a while
timeout "$third" "$VTAPCTL" --socket "$VT_SOCK" capture vm2-all -w /dev/null &
TR+=($!)
while [ "$(date +%s)" -lt $((START + 2 * third)) ]; do
	for k in 1 2 3; do nsx vm1 timeout 2 python3 "$WEBPEER" get 10.77.0.2 >/dev/null 2>&1; done
	sleep 0.1
done
echo "policies: [ { name: broken" >"$VT_POL/zz-broken.yaml" # rejected; the set runs on
sleep 5
rm -f "$VT_POL/zz-broken.yaml"
while [ "$(date +%s)" -lt "$end" ]; do
	nsx vm1 timeout 2 python3 "$WEBPEER" get 10.77.0.2 >/dev/null 2>&1
	sleep 0.5
done
wait "${TR[@]}" 2>/dev/null
sleep 5 # the last scrapes
STOP=$(date +%s)
mkdir -p "$VT_RUN/plot"
python3 scripts/dashboard-png.py docs/grafana-vtap.json "$PROM" "$START" "$STOP" 2 "$VT_RUN/plot" "$PNG" || exit 1
echo "dashboard-png: wrote $PNG ($(prometheus --version 2>&1 | head -1), $((STOP - START)) s)" >&2
