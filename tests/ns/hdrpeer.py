#!/usr/bin/env python3
"""Traffic for the header-only copy tests (scenario_headers.sh): TCP
exchanges (options on every segment: MSS, SACK, window scale, timestamps),
UDP over IPv6 with hop-by-hop and destination options headers, on each
address given.

  hdrpeer.py serve SECONDS ADDR...   TCP echo on 5001 and a UDP sink on 5002
                                     at each address, for SECONDS
  hdrpeer.py send ADDR...            per address: one TCP connection that
                                     sends 3 x 700 bytes and reads them back,
                                     then 4 UDP datagrams of 300 bytes (IPv6:
                                     with extension headers)
  hdrpeer.py qinq SRCMAC DSTMAC SRC4 DST4 SRC6 DST6
                                     frames in 802.1ad 100 + 802.1Q 10 through
                                     a packet socket on eth0 (this kernel has
                                     no 8021q module): 3 TCP segments with
                                     options and 200 bytes of payload, 3 IPv6
                                     UDP datagrams behind a destination
                                     options header
"""
import socket
import struct
import sys
import threading
import time

IPV6_HOPOPTS = 54
IPV6_DSTOPTS = 59
# an extension header of 8 bytes: next header and length (the kernel fills
# the next header), then a PadN option of 4 bytes
EXT = bytes([0, 0, 1, 4, 0, 0, 0, 0])


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve_tcp(addr):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5001))
    s.listen(8)
    while True:
        c, _ = s.accept()
        with c:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)


def serve_udp(addr):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, 5002))
    while True:
        s.recv(65536)


def send(addr):
    with socket.create_connection((addr, 5001), timeout=5) as c:
        for i in range(3):
            c.sendall(bytes([65 + i]) * 700)
            want = 700
            while want:
                want -= len(c.recv(want))
            time.sleep(0.05)
    u = socket.socket(family(addr), socket.SOCK_DGRAM)
    if family(addr) == socket.AF_INET6:
        u.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, EXT)
        u.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, EXT)
    for i in range(4):
        u.sendto(bytes([97 + i]) * 300, (addr, 5002))
        time.sleep(0.01)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def qinq(src, dst, sip, dip, sip6, dip6):
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
    tags = struct.pack("!HHHH", 0x88A8, 100, 0x8100, 10)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    for i in range(3):
        # MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes
        opts = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10]) + struct.pack("!II", i, 0) + bytes([1, 3, 3, 7])
        tcp = struct.pack("!HHIIBBHHH", 40000 + i, 5001, 1000 * i, 0, (5 + len(opts) // 4) << 4,
                          0x18, 65535, 0, 0) + opts + bytes([48 + i]) * 200
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0x4000, 64, 6, 0,
                         socket.inet_aton(sip), socket.inet_aton(dip))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        s.send(mac(dst) + mac(src) + tags + b"\x08\x00" + ip + tcp)
        udp = struct.pack("!HHHH", 41000 + i, 5002, 8 + 300, 0) + bytes([97 + i]) * 300
        ext = bytes([17, 0, 1, 4, 0, 0, 0, 0])  # destination options, then UDP
        ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(ext) + len(udp), 60, 64,
                          socket.inet_pton(socket.AF_INET6, sip6),
                          socket.inet_pton(socket.AF_INET6, dip6))
        s.send(mac(dst) + mac(src) + tags + b"\x86\xdd" + ip6 + ext + udp)
        time.sleep(0.01)


def main():
    if sys.argv[1] == "qinq":
        qinq(*sys.argv[2:8])
    elif sys.argv[1] == "serve":
        for a in sys.argv[3:]:
            for f in (serve_tcp, serve_udp):
                threading.Thread(target=f, args=(a,), daemon=True).start()
        time.sleep(float(sys.argv[2]))
    else:
        for a in sys.argv[2:]:
            send(a)


main()
