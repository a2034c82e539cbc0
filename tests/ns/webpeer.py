#!/usr/bin/env python3
"""The traffic of the §6.1 scenario, shared by the namespace tests and the demo.

  webpeer.py serve ADDR N      answer N HTTP/1.0 GETs on ADDR:80 (20000-byte bodies)
  webpeer.py sink ADDR PORT    accept one TCP connection on ADDR:PORT, read, close
  webpeer.py get ADDR          one GET to ADDR:80; prints the bytes received
  webpeer.py noise ADDR PORT   one TCP connection to ADDR:PORT and a UDP datagram to ADDR:80
  webpeer.py drain ADDR PORT   accept one TCP connection on ADDR:PORT, read to its end; prints the bytes
  webpeer.py push ADDR PORT N  one TCP connection to ADDR:PORT, N bytes sent, closed
"""
import socket
import sys

BODY = 20000


def listener(addr, port, backlog):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def serve(addr, n):
    s = listener(addr, 80, 4)
    for _ in range(n):
        c, _ = s.accept()
        data = b""
        while not data.endswith(b"\r\n\r\n"):
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % BODY + b"x" * BODY)
        c.close()


def sink(addr, port):
    c, _ = listener(addr, port, 1).accept()
    c.recv(100)
    c.close()


def get(addr):
    s = socket.create_connection((addr, 80), timeout=5)
    s.sendall(b"GET / HTTP/1.0\r\nHost: vm2\r\n\r\n")
    n = 0
    while True:
        d = s.recv(65536)
        if not d:
            break
        n += len(d)
    if n < BODY:
        sys.exit("short answer: %d bytes" % n)
    print(n)


def noise(addr, port):
    s = socket.create_connection((addr, port), timeout=5)
    s.sendall(b"hi")
    s.close()
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (addr, 80))


def drain(addr, port):
    c, _ = listener(addr, port, 1).accept()
    n = 0
    while True:
        d = c.recv(1 << 20)
        if not d:
            break
        n += len(d)
    print(n)


def push(addr, port, n):
    s = socket.create_connection((addr, port), timeout=5)
    s.sendall(b"p" * n)
    s.close()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": lambda: serve(args[0], int(args[1])),
     "sink": lambda: sink(args[0], int(args[1])),
     "get": lambda: get(args[0]),
     "noise": lambda: noise(args[0], int(args[1])),
     "drain": lambda: drain(args[0], int(args[1])),
     "push": lambda: push(args[0], int(args[1]), int(args[2]))}[cmd]()
