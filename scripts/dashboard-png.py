#!/usr/bin/env python3
"""Draws docs/grafana-vtap.json's panels with gnuplot, from Prometheus.

Every target of every panel is the dashboard's own PromQL expression
($__rate_interval and $instance filled in as Grafana would for this run),
evaluated by the Prometheus server at PROM_URL through its HTTP API
(/api/v1/query_range) over [START, END]; legends follow legendFormat. The
result is the dashboard's data as Grafana would draw it, laid out on the
dashboard's grid, but drawn by gnuplot: not a Grafana screenshot (Grafana
is not packaged in Debian).

usage: dashboard-png.py DASHBOARD PROM_URL START END STEP WORKDIR OUT.png"""
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

dash_file, prom, start, end, step, work, out = sys.argv[1:8]
start, end, step = float(start), float(end), float(step)
dash = json.load(open(dash_file))
VARS = {"$__rate_interval": "%ds" % max(4 * step, 15), "$instance": ".+"}


def query(expr):
    for k, v in VARS.items():
        expr = expr.replace(k, v)
    url = "%s/api/v1/query_range?%s" % (prom, urllib.parse.urlencode(
        {"query": expr, "start": start, "end": end, "step": step}))
    r = json.load(urllib.request.urlopen(url, timeout=30))
    if r.get("status") != "success":
        raise SystemExit("prometheus: %s: %s" % (expr, r))
    return r["data"]["result"]


def legend(fmt, metric):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt) or \
        ",".join("%s=%s" % kv for kv in sorted(metric.items())) or "value"


UNIT = {"pps": "per second", "Bps": "bytes per second", "s": "seconds",
        "percentunit": "ratio", "short": ""}
cols, rows = 24, max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
W, H = 1800, 1800 * rows // cols // 2 + 60  # a grid unit is about 2:1, as in Grafana
g = ["set terminal pngcairo size %d,%d font 'DejaVu Sans,9' background '#111217'" % (W, H),
     "set output '%s'" % out, "set multiplot",
     "set border lc rgb '#aaaaaa'; set tics textcolor rgb '#cccccc'",
     "set key textcolor rgb '#cccccc' bottom center horizontal outside samplen 2 spacing 0.9 font ',8'",
     "set grid lc rgb '#333333'", "set xdata time; set timefmt '%s'; set format x '%H:%M'",
     "set title textcolor rgb '#eeeeee' font ',10'", "set lmargin 9; set rmargin 2",
     "set label 100 \"%s\" at screen 0.5, screen 0.985 center textcolor rgb '#eeeeee' font ',13'" %
     ("vtap dashboard (docs/grafana-vtap.json): its PromQL evaluated by Prometheus over a real "
      "vtapd run, drawn by gnuplot - not a Grafana screenshot"),
     ]
top = 30.0 / H
usable = 1 - top
colors = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#f2495c", "#b877d9", "#8ab8ff",
          "#ff9830", "#96d98d", "#fade2a", "#c0d8ff", "#ffa6b0"]
summary = []
for p in dash["panels"]:
    gp = p["gridPos"]
    ox, ow = gp["x"] / cols, gp["w"] / cols
    oy = 1 - top - (gp["y"] + gp["h"]) / rows * usable
    oh = gp["h"] / rows * usable
    g.append("set origin %f,%f; set size %f,%f" % (ox, oy, ow, oh))
    g.append("set title \"%s\"" % p["title"].replace('"', "'"))
    unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
    series = []
    for t in p["targets"]:
        for r in query(t["expr"]):
            f = os.path.join(work, "p%d-%d.dat" % (p["id"], len(series)))
            with open(f, "w") as fh:
                for ts, v in r["values"]:
                    if v not in ("NaN", "+Inf", "-Inf"):
                        fh.write("%s %s\n" % (ts, v))
            series.append((f, legend(t.get("legendFormat", ""), r["metric"]), r["values"]))
    summary.append("%s: %d series" % (p["title"], len(series)))
    if p["type"] == "stat":
        last = [float(s[2][-1][1]) for s in series if s[2] and s[2][-1][1] != "NaN"]
        text = "no data" if not last else (
            "%.1f%%" % (100 * last[0]) if unit == "percentunit" else
            "%.3g s" % last[0] if unit == "s" else "%.4g" % last[0])
        g += ["unset xtics; unset ytics; unset border; unset grid; unset key",
              "set xrange [0:1]; set yrange [0:1]; unset xdata",
              "set offsets 0, 0, 0, 0",
              "set label 1 \"%s\" at graph 0.5, graph 0.45 center font ',22' textcolor rgb '#73bf69'" % text,
              "plot 2 notitle", "unset label 1",
              "set xtics; set ytics; set border; set grid; set key; set xdata time",
              "set autoscale x; set autoscale y"]
        continue
    g.append("set ylabel '%s' textcolor rgb '#cccccc'" % UNIT.get(unit, unit))
    g.append("set xrange ['%d':'%d']; set yrange [0:*]; set offsets 0, 0, graph 0.1, 0" % (start, end))
    if not series:
        g.append("set label 2 'no data' at graph 0.5, graph 0.5 center textcolor rgb '#888888'")
        g.append("plot 1/0 notitle")
        g.append("unset label 2")
        continue
    g.append("plot " + ", ".join(
        "'%s' using 1:2 with lines lw 1.5 lc rgb '%s' title \"%s\"" % (f, colors[i % len(colors)], name.replace('"', "'"))
        for i, (f, name, _) in enumerate(series)))
g.append("unset multiplot")
open(os.path.join(work, "dashboard.gp"), "w").write("\n".join(g) + "\n")
subprocess.run(["gnuplot", os.path.join(work, "dashboard.gp")], check=True)
print("\n".join(summary))
