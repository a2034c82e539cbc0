#!/usr/bin/env python3
"""Compares a /metrics scrape of vtapd or vtap-dpdk with what vtapctl says
at the same moment: every value of the scrape that vtapctl also shows must
be equal, and every counter vtapctl shows must be in the scrape.

usage: metrics_check.py METRICS STATS_JSON STATUS_JSON POLICIES_JSON VERSION
Prints one line per difference ("# ..."), then "compared N values"; exits
1 when anything differs or is missing."""
import json
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(path):
    out = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise SystemExit("# not a sample line: %r" % line)
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


metrics = parse(sys.argv[1])
stats = json.load(open(sys.argv[2]))
status = json.load(open(sys.argv[3]))
policies = json.load(open(sys.argv[4]))
version = sys.argv[5]
bad = []
n = 0


def key(name, **labels):
    return (name, tuple(sorted(labels.items())))


def same(name, want, **labels):
    global n
    k = key(name, **labels)
    n += 1
    if k not in metrics:
        bad.append("missing %s%s (vtapctl: %s)" % (name, labels, want))
    elif abs(metrics[k] - float(want)) > 1e-9 * max(1.0, abs(float(want))):
        bad.append("%s%s = %s, vtapctl says %s" % (name, labels, metrics[k], want))


def counters(prefix, entry, skip, **labels):
    """every numeric member of a JSON entry: PREFIX_MEMBER_total (or a gauge)"""
    for f, v in entry.items():
        if f in skip or not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        name = "%s_%s_total" % (prefix, f)
        if key(name, **labels) not in metrics and key(prefix + "_" + f, **labels) in metrics:
            name = prefix + "_" + f  # a gauge (capture clients)
        same(name, v, **labels)


monitor_of = {p["name"]: p["monitor"] for p in policies}
for p in stats["policies"]:
    counters("vtap_policy", p, {"name"}, policy=p["name"], monitor=monitor_of[p["name"]])
for s in stats["sinks"]:
    counters("vtap_sink", s, {"port"}, port=s["port"])
for r in stats.get("receive", []):
    counters("vtap_receive", r, {"vni", "port"}, vni=str(r["vni"]), port=r["port"])

counters("vtap_datapath", status["global"], set())
same("vtap_reloads_total", status["reloads_ok"], result="ok")
same("vtap_reloads_total", status["reloads_failed"], result="rejected")
same("vtap_policies", status["policies"])
same("vtap_monitors", status["monitors"])
same("vtap_last_reload_error", 1 if status["last_error"] else 0)
n += 1
got = metrics.get(key("vtap_last_apply_duration_seconds"))
if got is None or abs(got * 1000 - status["last_apply_ms"]) > 0.0006:
    bad.append("vtap_last_apply_duration_seconds %s, vtapctl: %s ms" % (got, status["last_apply_ms"]))
daemon = "vtap-dpdk" if status["engine"] == "dpdk" else "vtapd"
same("vtap_build_info", 1, daemon=daemon, version=version)

if daemon == "vtapd":
    same("vtap_active_generation", status["active_generation"])
    same("vtap_flow_cache_enabled", 1 if status["global"]["flow_cache"] else 0)
    for f in ("records", "unrouted", "bad", "cut"):
        same("vtap_ring_%s_total" % f, status["ring"][f])
    same("vtap_ring_size_bytes", status["ring"]["size"])
    listed = set()
    for p in status["ports"]:
        listed.add(p["name"])
        same("vtap_port_info", 1, port=p["name"], engine=p["engine"],
             out_hook=p["out_hook"] or "none", in_hook=p["in_hook"] or "none",
             sink="true" if any(h.startswith(("sink", "guard")) for h in p["hooks"].split()) else "false")
    for s in status["monitor_sinks"]:
        lb = dict(monitor=s["monitor"], port=s["port"])
        same("vtap_monitor_sink_up", 1 if s["state"] == "ok" else 0, **lb)
        counters("vtap_capture", s, set(), **lb)
        if s["xdp_tx"]["open"]:
            counters("vtap_xdp_tx", s["xdp_tx"], set(), **lb)
else:
    listed = set()
    for p in status["ports"]:
        listed.add(p["name"])
        same("vtap_port_info", 1, port=p["name"], role=p["role"], engine="dpdk")
        for f in ("rx", "tx", "tx_drop"):
            same("vtap_port_%s_total" % f, p[f], port=p["name"], role=p["role"])
info = {dict(k[1])["port"] for k in metrics if k[0] == "vtap_port_info"}
n += 1
if info != listed:
    bad.append("vtap_port_info lists %s, vtapctl status %s" % (sorted(info), sorted(listed)))

for b in bad:
    print("# " + b)
print("compared %d values" % n)
sys.exit(1 if bad else 0)
