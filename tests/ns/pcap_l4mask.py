#!/usr/bin/env python3
"""Print a pcap file's frames as hex, one per line, sorted, with the TCP and
UDP checksum fields blanked: two captures compared this way hold the same
frames but for those checksums (test_ovs.sh, vtapd --complete-checksums:
the monitor gets checksums the VM left to its device finished, the
receiving VM the partial ones). Ethernet, up to two 802.1Q/802.1ad tags,
IPv4 (not a fragment) and IPv6 without extension headers."""
import struct
import sys


def mask(f):
    f = bytearray(f)
    off, typ = 14, struct.unpack_from("!H", f, 12)[0] if len(f) >= 14 else 0
    while typ in (0x8100, 0x88A8) and len(f) >= off + 4:
        typ = struct.unpack_from("!H", f, off + 2)[0]
        off += 4
    if typ == 0x0800 and len(f) >= off + 20:
        if struct.unpack_from("!H", f, off + 6)[0] & 0x3FFF:
            return bytes(f)
        proto, l4 = f[off + 9], off + (f[off] & 15) * 4
    elif typ == 0x86DD and len(f) >= off + 40:
        proto, l4 = f[off + 6], off + 40
    else:
        return bytes(f)
    at = {6: l4 + 16, 17: l4 + 6}.get(proto)
    if at is not None and len(f) >= at + 2:
        f[at:at + 2] = b"\0\0"
    return bytes(f)


def frames(path):
    with open(path, "rb") as fh:
        data = fh.read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    pos, out = 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack_from(end + "I", data, pos + 8)[0]
        out.append(mask(data[pos + 16:pos + 16 + incl]).hex())
        pos += 16 + incl
    return sorted(out)


if __name__ == "__main__":
    print("\n".join(frames(sys.argv[1])))
