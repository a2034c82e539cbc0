#!/usr/bin/env python3
"""A stand-in for systemd's side of sd_notify(3): binds the datagram socket
NOTIFY_SOCKET names and writes each message it receives as one line,
"SECONDS<TAB>MESSAGE" (CLOCK_MONOTONIC; the message's newlines as '|'),
to OUT, flushed at once. Runs until SIGTERM.

usage: notify_listener.py SOCKET OUT"""
import os
import signal
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open(out, "a", buffering=1) as f:
    f.write("%.6f\tLISTENING\n" % time.monotonic())
    while True:
        msg = s.recv(65536).decode("utf-8", "replace")
        f.write("%.6f\t%s\n" % (time.monotonic(), msg.strip("\n").replace("\n", "|")))
