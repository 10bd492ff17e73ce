#!/usr/bin/env python3
"""brisk's middleware, measured: compression against nginx's gzip, and what
an access log costs.

Run through `./bazelw run //bench:middleware_compare`.

Compression. The same 64 KiB
JSON-like body, compressed per response (nothing cached), keep-alive, 64
connections, each server alone on core 0 and wrk on core 1 asking for one
coding (`Accept-Encoding`):

- gzip level 1: brisk (`helloserver --body-file --compress=gzip:1`) against
  nginx (`gzip on; gzip_comp_level 1;` on the same file, one worker) —
  server CPU per response, requests/s, bytes per response;
- br and zstd at brisk's default levels, brisk alone (nginx-light has
  neither): CPU per response and compression ratio;
- identity: the same body uncompressed, for scale.

Access log. helloserver's "Hello, World!" keep-alive, 64 connections,
without and with `--access-log` (combined format, to a file): the
difference in server CPU per request is the log's cost.

Metrics. The same load on `helloserver --metrics`, without and with a
scraper fetching /metrics every 100 ms during it: the load's p99 latency
both ways, and how long a scrape takes.

The servers are interleaved in every run; medians and per-run ratios go to
stdout as Markdown.

Usage: middleware_compare.py --hello BIN [--runs 3] [--seconds 5]
"""

import argparse
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import (TICKS, cpu_ticks, median, parse_wrk,  # noqa: E402
                     process_tree, wait_port, write_nginx_conf)

PORT_BRISK = 18580
PORT_NGINX = 18581
BODY_BYTES = 64 * 1024


def json_body(n):
    rows = []
    i = 0
    size = 1
    while size < n:
        row = ('{"id":%d,"name":"user%d","email":"user%d@example.com",'
               '"active":%s,"score":%d,"tags":["a%d","b%d"]}'
               % (i, i * 7 % 1000, i, "true" if i % 3 else "false",
                  (i * 7919) % 100000, i % 10, i % 7))
        rows.append(row)
        size += len(row) + 1
        i += 1
    s = "[" + ",".join(rows) + "]"
    return s[:n - 1] + "]"


class Proc:
    def __init__(self, name, cmd, port):
        self.name, self.cmd, self.port = name, cmd, port
        self.p = None

    def start(self):
        self.p = subprocess.Popen(["taskset", "-c", "0"] + self.cmd,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            self.stop()
            return False
        return True

    def cpu_ticks(self):
        return cpu_ticks(process_tree(self.p.pid))

    def stop(self):
        if self.p:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            self.p = None


def wrk(port, coding, secs, conns=64):
    """`coding` None: the hello answer at /, no Accept-Encoding."""
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{secs}s",
           "--latency"]
    if coding is None:
        cmd.append(f"http://127.0.0.1:{port}/")
    else:
        cmd += ["-H", f"Accept-Encoding: {coding}",
                f"http://127.0.0.1:{port}/body.json"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return parse_wrk(r.stdout)


def response_bytes(port, coding):
    """(body bytes, Content-Encoding) of one response."""
    r = subprocess.run(["curl", "-sS", "--max-time", "5", "-D", "-", "-o",
                        "/dev/null", "-w", "%{size_download}", "-H",
                        f"Accept-Encoding: {coding}",
                        f"http://127.0.0.1:{port}/body.json"],
                       capture_output=True, text=True)
    enc = ""
    for line in r.stdout.splitlines():
        if line.lower().startswith("content-encoding:"):
            enc = line.split(":", 1)[1].strip()
    size = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "0"
    return int(size), enc


def measure(proc, coding, secs, warm, scrape=None):
    """(requests/s, CPU µs per request, p99 ms); `scrape` (a list) gets
    the duration in ms of each /metrics fetch made every 100 ms meanwhile."""
    if warm:
        wrk(proc.port, coding, 1)
    stop = threading.Event()

    def scraper():
        while not stop.is_set():
            t = time.monotonic()
            c = http.client.HTTPConnection("127.0.0.1", proc.port, timeout=5)
            c.request("GET", "/metrics")
            c.getresponse().read()
            c.close()
            scrape.append((time.monotonic() - t) * 1000)
            stop.wait(0.1)

    th = threading.Thread(target=scraper) if scrape is not None else None
    t0 = proc.cpu_ticks()
    if th:
        th.start()
    reqs, rps, p99 = wrk(proc.port, coding, secs)
    if th:
        stop.set()
        th.join()
    t1 = proc.cpu_ticks()
    cpu = (t1 - t0) / TICKS * 1e6 / reqs if reqs else None
    return rps, cpu, p99


def nginx_conf(d, root):
    return write_nginx_conf(d, f"""  types {{ application/json json; }}
  gzip on;
  gzip_comp_level 1;
  gzip_min_length 1024;
  gzip_types application/json;
  gzip_vary on;
  server {{
    listen 127.0.0.1:{PORT_NGINX};
    root {root};
  }}""", connections=4096)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hello", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    for tool in ["wrk", "taskset", "curl"]:
        if not shutil.which(tool):
            sys.exit(f"middleware_compare: {tool} is needed")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tempfile.mkdtemp(prefix="brisk-middleware-")
    body = os.path.join(work, "body.json")
    with open(body, "w") as f:
        f.write(json_body(BODY_BYTES))
    variants = {
        # name: (process, coding asked)
        "brisk gzip 1": (Proc("brisk gzip 1",
                              [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}",
                               "--threads=1", f"--body-file={body}",
                               "--compress=gzip:1"], PORT_BRISK), "gzip"),
        "nginx gzip 1": (Proc("nginx gzip 1",
                              [nginx, "-c", nginx_conf(work, work), "-p",
                               work], PORT_NGINX), "gzip"),
        "brisk br 4": (Proc("brisk br 4",
                            [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}",
                             "--threads=1", f"--body-file={body}",
                             "--compress=br:4"], PORT_BRISK), "br"),
        "brisk zstd 3": (Proc("brisk zstd 3",
                              [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}",
                               "--threads=1", f"--body-file={body}",
                               "--compress=zstd:3"], PORT_BRISK), "zstd"),
        "brisk identity": (Proc("brisk identity",
                                [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}",
                                 "--threads=1", f"--body-file={body}"],
                                PORT_BRISK), "gzip"),
        "nginx identity": (Proc("nginx identity",
                                [nginx, "-c", nginx_conf(work, work), "-p",
                                 work], PORT_NGINX), "identity"),
        "brisk hello": (Proc("brisk hello",
                             [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}",
                              "--threads=1"], PORT_BRISK), None),
        "brisk hello + access log": (Proc(
            "brisk hello + access log",
            [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}", "--threads=1",
             f"--access-log={os.path.join(work, 'access.log')}"],
            PORT_BRISK), None),
        "brisk hello + metrics": (Proc(
            "brisk hello + metrics",
            [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}", "--threads=1",
             "--metrics"], PORT_BRISK), None),
        "brisk hello + metrics, scraped": (Proc(
            "brisk hello + metrics, scraped",
            [args.hello, f"--addr=127.0.0.1:{PORT_BRISK}", "--threads=1",
             "--metrics"], PORT_BRISK), None),
    }
    results = {name: [] for name in variants}  # name -> [(rps, cpu, p99)]
    scrapes = []  # ms per /metrics fetch under load
    sizes = {}
    started = time.time()
    try:
        for run in range(args.runs):
            for name, (proc, coding) in variants.items():
                if not proc.start():
                    print(f"{name}: did not start", file=sys.stderr)
                    continue
                try:
                    if run == 0 and coding is not None:
                        sizes[name] = response_bytes(proc.port, coding)
                    rps, cpu, p99 = measure(
                        proc, coding, args.seconds, warm=True,
                        scrape=scrapes if name.endswith("scraped") else None)
                finally:
                    proc.stop()
                results[name].append((rps, cpu, p99))
                print(f"run {run + 1} {name}: {rps:.0f} req/s, "
                      f"{cpu:.1f} us/response" if cpu else
                      f"run {run + 1} {name}: no requests", file=sys.stderr)
    finally:
        for proc, _ in variants.values():
            proc.stop()
        shutil.rmtree(work, ignore_errors=True)

    def med(name, i):
        return median([r[i] for r in results[name]])

    print(f"### Compression, {BODY_BYTES // 1024} KiB JSON per response "
          f"(keep-alive, 64 connections, {args.runs} runs of "
          f"{args.seconds} s, medians; {time.time() - started:.0f} s)\n")
    print("| server, coding | requests/s | CPU µs per response | "
          "bytes per response | ratio |")
    print("|---|---|---|---|---|")
    for name in variants:
        if not results[name] or name not in sizes:
            continue
        size, enc = sizes.get(name, (0, ""))
        ratio = BODY_BYTES / size if size else 0
        print(f"| {name} ({enc or 'identity'}) | {med(name, 0):,.0f} | "
              f"{med(name, 1):.1f} | {size:,} | {ratio:.2f} |")
    print()
    print("| access log | requests/s | CPU µs per request |")
    print("|---|---|---|")
    for name in ["brisk hello", "brisk hello + access log"]:
        if results[name]:
            print(f"| {name} | {med(name, 0):,.0f} | {med(name, 1):.2f} |")
    if results["brisk hello"] and results["brisk hello + access log"]:
        diffs = [x[1] - y[1] for x, y in zip(results["brisk hello + access log"],
                                             results["brisk hello"])
                 if x[1] and y[1]]
        print(f"\n- the access log's cost per request: "
              f"**{median(diffs):.2f} µs** (per run: "
              f"{', '.join(f'{d:.2f}' for d in diffs)})")
    print()
    print("| metrics | requests/s | CPU µs per request | p99 ms |")
    print("|---|---|---|---|")
    for name in ["brisk hello", "brisk hello + metrics",
                 "brisk hello + metrics, scraped"]:
        if results[name]:
            print(f"| {name} | {med(name, 0):,.0f} | {med(name, 1):.2f} | "
                  f"{med(name, 2):.2f} |")
    if scrapes:
        print(f"\n- a scrape under that load: median "
              f"{median(scrapes):.2f} ms, max {max(scrapes):.2f} ms "
              f"({len(scrapes)} scrapes)")
    print()
    for a, b in [("brisk gzip 1", "nginx gzip 1"),
                 ("brisk identity", "nginx identity"),
                 ("brisk hello + access log", "brisk hello"),
                 ("brisk hello + metrics", "brisk hello")]:
        if results[a] and results[b]:
            per_run = [x[1] / y[1] for x, y in zip(results[a], results[b])
                       if x[1] and y[1]]
            print(f"- {a} / {b}, CPU per response: **{median(per_run):.2f}x** "
                  f"(per run: {', '.join(f'{r:.2f}' for r in per_run)}); "
                  f"requests/s {med(a, 0) / med(b, 0):.2f}x")


if __name__ == "__main__":
    main()
