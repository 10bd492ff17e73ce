#!/usr/bin/env python3
"""Server memory per idle keep-alive connection.

Opens N connections to 127.0.0.1:PORT, makes one request on each, keeps them
open, and prints the RSS of the given server PIDs before and after as JSON:
{"conns": N, "rss_before_kib": ..., "rss_after_kib": ..., "bytes_per_conn": ...}

Usage: idle_conns.py PORT N PID[,PID...] [--tls]
(also imported by bench/compare.py). With --tls the connections are TLS
(the server's certificate is not checked).
"""
import json
import resource
import socket
import ssl
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def connect(port, tls):
    s = socket.create_connection(("127.0.0.1", port))
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s


def warm_up(port, request, tls=False):
    """64 requests on as many connections, so that state the server makes
    lazily is not counted per connection."""
    warm = []
    for _ in range(64):
        s = connect(port, tls)
        s.sendall(request)
        s.recv(4096)
        warm.append(s)
    for s in warm:
        s.close()
    time.sleep(0.5)


def measure(port, n, rss, tls=False):
    """Returns (rss_before_kib, rss_after_kib) around n idle connections
    (TLS ones with `tls`); `rss` is a function giving the server's RSS in
    KiB."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 500), hard))
    warm_up(port, REQUEST, tls)
    before = rss()
    conns = []
    try:
        for i in range(n):
            s = connect(port, tls)
            s.sendall(REQUEST)
            data = b""
            while b"Hello, World!" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    raise OSError(f"connection {i} closed early")
                data += chunk
            conns.append(s)
        time.sleep(1.0)
        after = rss()
    finally:
        for s in conns:
            s.close()
    return before, after


def measure_sleeping(port, n, rss, ms=60000):
    """Returns (rss_before_kib, rss_after_kib) around n requests whose
    handlers sleep `ms` (GET /sleep?ms=...), all in flight at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 500), hard))
    warm_up(port, b"GET /sleep?ms=1 HTTP/1.1\r\nHost: bench\r\n\r\n")
    before = rss()
    request = f"GET /sleep?ms={ms} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    conns = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(request)
            conns.append(s)
        # Every handler has started sleeping once RSS stops growing.
        last = -1
        for _ in range(20):
            time.sleep(0.5)
            now = rss()
            if now == last:
                break
            last = now
        after = rss()
        for s in conns[:50]:
            s.setblocking(False)
            try:
                if s.recv(1):
                    raise OSError("a handler answered before its sleep ended")
            except BlockingIOError:
                pass
    finally:
        for s in conns:
            s.close()
    return before, after


def main():
    port = int(sys.argv[1])
    n = int(sys.argv[2])
    pids = [int(p) for p in sys.argv[3].split(",")]
    tls = "--tls" in sys.argv[4:]
    before, after = measure(port, n, lambda: rss_kib(pids), tls)
    print(json.dumps({
        "conns": n,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "bytes_per_conn": round((after - before) * 1024 / n),
    }))


if __name__ == "__main__":
    main()
