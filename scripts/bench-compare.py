#!/usr/bin/env python3
"""Compare `make bench-classify` runs before and after a change.

  scripts/bench-compare.py BEFORE.csv[,BEFORE2.csv...] AFTER.csv[,AFTER2.csv...]

Each CSV is a run's build/bench/results.csv. For every classifier cell (a
mode -- cache hit, forced miss, no cache -- a layout, a frame and a rule
count) a run's value is the median of its rounds; a side's value is the
median of its runs' values, and its minimum the lowest round of any run.
Printed per mode: the mean over the cells of the medians and of the minima,
before and after, and the largest difference of one cell; then the
baselines (empty program, vtap with no rules, an untapped port, a mirror)."""
import csv
import statistics
import sys
from collections import defaultdict


def load(paths):
    """cell -> [per-run medians], cell -> min over all rounds"""
    med, low = defaultdict(list), {}
    for path in paths.split(","):
        rounds = defaultdict(list)
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["bench"] != "classify" or row["metric"].startswith("summary"):
                    continue
                cell = (row["metric"], int(row["n_rules"]))
                rounds[cell].append(float(row["value"]))
        for cell, v in rounds.items():
            med[cell].append(statistics.median(v))
            low[cell] = min(low.get(cell, v[0]), min(v))
    return {c: statistics.median(v) for c, v in med.items()}, low


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-compare.py BEFORE.csv[,...] AFTER.csv[,...]")
    (bm, bl), (am, al) = load(sys.argv[1]), load(sys.argv[2])
    cells = sorted(set(bm) & set(am))
    print("%-12s %6s %18s %18s %18s" % ("mode", "cells", "median before/after",
                                        "minimum before/after", "worst cell (median)"))
    for mode in ("cache-hit", "cache-miss", "no-cache"):
        mc = [c for c in cells if c[0].startswith(mode + "-")]
        if not mc:
            continue
        d = max(mc, key=lambda c: am[c] - bm[c])
        print("%-12s %6d %8.1f / %-8.1f %8.1f / %-8.1f %+6.1f ns (%s, %d rules)" % (
            mode, len(mc), statistics.mean(bm[c] for c in mc), statistics.mean(am[c] for c in mc),
            statistics.mean(bl[c] for c in mc), statistics.mean(al[c] for c in mc),
            am[d] - bm[d], d[0][len(mode) + 1:], d[1]))
        at4096 = [c for c in mc if c[1] == 4096]
        print("%-12s %6d %8.1f / %-8.1f %8.1f / %-8.1f (4096 rules only)" % (
            "", len(at4096), statistics.mean(bm[c] for c in at4096),
            statistics.mean(am[c] for c in at4096), statistics.mean(bl[c] for c in at4096),
            statistics.mean(al[c] for c in at4096)))
    for base in ("empty-v4", "empty-v6", "zero-rules-v4", "zero-rules-v6", "untapped-v4",
                 "untapped-v6", "clone-only-v4", "vtap-mirror-v4"):
        bc = [c for c in cells if c[0] == base]
        for c in bc:
            print("%-28s median %7.1f / %-7.1f  minimum %7.1f / %-7.1f ns" % (
                "%s (%d)" % (base, c[1]) if c[1] else base, bm[c], am[c], bl[c], al[c]))


if __name__ == "__main__":
    main()
