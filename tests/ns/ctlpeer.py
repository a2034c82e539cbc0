#!/usr/bin/env python3
"""Control-socket clients that misbehave, for the namespace tests.

  ctlpeer.py idle SOCK N [HOLD]   open N connections and say nothing; print "ready",
                                  then, for each connection the server closes (within
                                  HOLD seconds, default 15): "MS ANSWER" (ms after
                                  connecting, what it answered with newlines as |);
                                  "open" for each one still open at the end
  ctlpeer.py slow SOCK LINE [HOLD]
                                  send LINE and never read; print "ready", then, when
                                  the server hangs up (within HOLD seconds, default 15):
                                  "MS BYTES" (ms after the request, bytes it had sent
                                  before it hung up), or "open BYTES"
"""
import select
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_all(s):
    data = b""
    s.setblocking(False)
    while True:
        try:
            d = s.recv(65536)
        except BlockingIOError:
            break
        except OSError:  # ECONNRESET: the server closed with our request unread
            break
        if not d:
            break
        data += d
    return data


def idle(path, n, hold):
    socks = []
    for _ in range(n):
        socks.append((connect(path), time.monotonic()))
    t0 = time.monotonic()
    print("ready", flush=True)
    p = select.poll()
    left = {}
    for s, since in socks:
        # hang-ups only: an answer without a close is not the end
        p.register(s, select.POLLRDHUP)
        left[s.fileno()] = (s, since)
    while left and time.monotonic() - t0 < hold:
        for fd, _ in p.poll(50):
            s, since = left.pop(fd, (None, 0))
            if s is None:
                continue
            p.unregister(fd)
            ms = (time.monotonic() - since) * 1000
            answer = read_all(s).decode(errors="replace").replace("\n", "|")
            print("%d %s" % (ms, answer), flush=True)
            s.close()
    for _ in left:
        print("open", flush=True)


def slow(path, line, hold):
    s = connect(path)
    s.sendall(line.encode() + b"\n")
    t0 = time.monotonic()
    print("ready", flush=True)
    p = select.poll()
    p.register(s, select.POLLRDHUP)
    hung = False
    while not hung and time.monotonic() - t0 < hold:
        hung = bool(p.poll(50))
    ms = (time.monotonic() - t0) * 1000
    n = len(read_all(s))
    print("%s %d" % ("%d" % ms if hung else "open", n), flush=True)


if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "idle":
        idle(path, int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 15)
    elif cmd == "slow":
        slow(path, sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 15)
    else:
        sys.exit(__doc__)
