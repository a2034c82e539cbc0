#!/usr/bin/env python3
"""Judge header-only copies (scenario_headers.sh) with tshark.

  headers_judge.py ORIGINALS.pcap COPIES.pcap local|capture FILTER

For every TCP and UDP frame of ORIGINALS that FILTER (a tshark display
filter) selects, tshark says how much L4 payload it carries (tcp.len, or
udp.length - 8); its header-only copy is the frame without that payload.
The copies COPIES holds under the same filter must be exactly those, as a
multiset: the same bytes, and for a capture monitor (pcapng records keep the
original length) the original's length too. Prints counts (TCP frames with
options, IPv6 frames with extension headers, QinQ frames, copies cut) as
KEY=VALUE lines, then OK or the differences; exits 0 when they are equal.
"""
import collections
import struct
import subprocess
import sys


def pcap_frames(path):
    """(orig_len, bytes) of each frame of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        out.append((orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def fields(path, flt, names):
    args = ["tshark", "-r", path, "-Y", flt, "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    res = subprocess.run(args, capture_output=True, text=True, check=True)
    return [line.split("\t") for line in res.stdout.splitlines()]


def main():
    orig_path, copy_path, mode, flt = sys.argv[1:5]
    flt = "(tcp || udp) && (%s)" % flt
    names = ["frame.number", "tcp.len", "udp.length", "tcp.hdr_len", "ipv6.nxt",
             "vlan.id", "ieee8021ad.id"]
    frames = pcap_frames(orig_path)
    want = collections.Counter()
    stats = collections.Counter()
    for num, tcp_len, udp_len, tcp_hdr, nxt, vlan, ad in fields(orig_path, flt, names):
        orig_len, b = frames[int(num) - 1]
        pay = int(tcp_len) if tcp_len else int(udp_len.split(",")[-1]) - 8
        head = b[:len(b) - pay]
        want[(head.hex(), orig_len if mode == "capture" else len(head))] += 1
        stats["frames"] += 1
        stats["tcp_options"] += bool(tcp_hdr) and int(tcp_hdr) > 20
        stats["ipv6_ext"] += bool(nxt) and nxt.split(",")[0] in ("0", "60", "43")
        stats["qinq"] += bool(vlan) and bool(ad)  # 802.1ad outside, 802.1Q inside
        stats["cut"] += pay > 0
    copies = pcap_frames(copy_path)
    got = collections.Counter()
    for (num,) in fields(copy_path, flt, ["frame.number"]):
        orig_len, b = copies[int(num) - 1]
        got[(b.hex(), orig_len)] += 1
    stats["copies"] = sum(got.values())
    for k in ("frames", "copies", "tcp_options", "ipv6_ext", "qinq", "cut"):
        print("%s=%d" % (k, stats[k]))
    if want == got:
        print("OK")
        return 0
    for k, n in (want - got).items():
        print("missing x%d: len %d orig %d %s" % (n, len(k[0]) // 2, k[1], k[0][:80]))
    for k, n in (got - want).items():
        print("unexpected x%d: len %d orig %d %s" % (n, len(k[0]) // 2, k[1], k[0][:80]))
    return 1


sys.exit(main())
