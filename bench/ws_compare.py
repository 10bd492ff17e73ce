#!/usr/bin/env python3
"""brisk's WebSocket echo against Boost.Beast's and gorilla/websocket's.

Run through `./bazelw run //bench:ws_compare`. Each server runs alone on
core 0 with one thread (helloserver --threads=1 at /ws, beast_ws_echo,
websocket/testdata/gorilla_server.go with GOMAXPROCS=1); the load generator
(bench/ws/wsload.go, on
gorilla's client) runs on core 1. The servers are interleaved in every run.

1. Echo of 64-byte and 16 KiB binary messages over 64 connections, one
   message in flight per connection: messages/s and server CPU per message
   (utime+stime from /proc, over the measured window).
2. permessage-deflate on (no context takeover, level 6 on every server): a
   JSON-like stream of ~1 KiB text messages — CPU per message and the
   compression ratio (payload bytes / bytes on the wire, both directions as
   the client counts them).
3. Memory per idle WebSocket connection: N connections open (handshake
   done, no traffic), the server's RSS growth divided by N.

Medians and per-run ratios go to stdout as Markdown.

Usage: ws_compare.py --hello BIN --beast BIN --bench-dir DIR
                     [--runs 3] [--seconds 5] [--idle 10000]
                     [--scenarios 64,16k,deflate]
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import TICKS, cpu_ticks, median, wait_port  # noqa: E402

PORTS = {"brisk": 19101, "beast": 19102, "gorilla": 19103}
SERVERS = list(PORTS)


def go_build(src, out, work):
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=os.path.join(work, "gocache"), HOME=work)
    r = subprocess.run(["go", "build", "-o", out, src], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ws_compare: go build {src}: {r.stderr}")
    return out


class Server:
    def __init__(self, name, cmd, env=None):
        self.name = name
        self.proc = subprocess.Popen(
            ["taskset", "-c", "0"] + cmd, env=dict(os.environ, **(env or {})),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(PORTS[name]):
            self.stop()
            raise RuntimeError(f"{name} did not start")

    def url(self):
        path = "/" if self.name == "beast" else "/ws"
        return f"ws://127.0.0.1:{PORTS[self.name]}{path}"

    def cpu(self):
        return cpu_ticks([self.proc.pid])

    def sys_ticks(self):
        return cpu_ticks([self.proc.pid], user=False)

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(name, args, bins, deflate):
    addr = f"127.0.0.1:{PORTS[name]}"
    if name == "brisk":
        cmd = [args.hello, f"--addr={addr}", "--threads=1"]
        return Server(name, cmd + (["--ws_deflate"] if deflate else []))
    if name == "beast":
        return Server(name, [args.beast, f"--addr={addr}"] +
                      (["--deflate"] if deflate else []))
    return Server(name, [bins["gorilla"], f"-addr={addr}", "-level=6"] +
                  (["-deflate"] if deflate else []), {"GOMAXPROCS": "1"})


def load(bins, url, secs, size, deflate=False, json=False):
    cmd = ["taskset", "-c", "1", bins["wsload"], f"-url={url}", "-conns=64",
           f"-size={size}", f"-duration={secs}s"]
    if deflate:
        cmd.append("-deflate")
    if json:
        cmd.append("-json")
    r = subprocess.run(cmd, capture_output=True, text=True)
    fields = dict(kv.split("=", 1) for kv in r.stdout.split() if "=" in kv)
    if r.returncode != 0 or "msgs" not in fields:
        raise RuntimeError(f"wsload failed: {r.stdout} {r.stderr}")
    return fields


def echo_run(server, bins, secs, size, deflate=False, json=False):
    """(messages/s, server CPU µs per message, compression ratio, share of
    the CPU spent in the kernel)."""
    load(bins, server.url(), 1, size, deflate, json)  # warm-up
    t0, s0 = server.cpu(), server.sys_ticks()
    f = load(bins, server.url(), secs, size, deflate, json)
    t1, s1 = server.cpu(), server.sys_ticks()
    msgs = int(f["msgs"])
    cpu = (t1 - t0) / TICKS * 1e6 / msgs if msgs else None
    wire = int(f.get("bytes_sent_wire", 0)) + int(f.get("bytes_recv_wire", 0))
    payload = 2 * msgs * float(f.get("payload_bytes", 0))
    ratio = payload / wire if wire else None
    kernel = (s1 - s0) / (t1 - t0) if t1 > t0 else None
    return float(f["rate"]), cpu, ratio, kernel


def idle_run(server, bins, n):
    """Server RSS growth per idle connection, in bytes."""
    before = server.rss_kib()
    p = subprocess.Popen(["taskset", "-c", "1", bins["wsload"],
                          f"-url={server.url()}", f"-idle={n}", "-hold=6s"],
                         stdout=subprocess.PIPE, text=True)
    after = None
    for line in p.stdout:
        if line.startswith("idle_open="):
            time.sleep(2)
            after = server.rss_kib()
    p.wait()
    if after is None or p.returncode != 0:
        raise RuntimeError(f"idle run against {server.name} failed")
    return (after - before) * 1024 / n


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hello", required=True)
    ap.add_argument("--beast", required=True)
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--idle", type=int, default=10000)
    ap.add_argument("--scenarios", default="64,16k,deflate",
                    help="comma-separated subset of 64, 16k, deflate")
    args = ap.parse_args()
    for tool in ("go", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"ws_compare: {tool} is needed")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (min(hard, args.idle + 1000), hard))
    work = tempfile.mkdtemp(prefix="brisk-ws-")
    root = os.path.dirname(args.bench_dir)
    bins = {n: go_build(os.path.join(root, src), os.path.join(work, n), work)
            for n, src in (("wsload", "bench/ws/wsload.go"),
                           ("gorilla", "websocket/testdata/gorilla_server.go"))}
    scenarios = [("64", "64 B binary", dict(size=64), False),
                 ("16k", "16 KiB binary", dict(size=16384), False),
                 ("deflate", "~1 KiB JSON, permessage-deflate",
                  dict(size=1024, deflate=True, json=True), True)]
    wanted = set(args.scenarios.split(",")) - {""}
    if wanted - {key for key, _, _, _ in scenarios}:
        sys.exit(f"ws_compare: unknown scenario in --scenarios={args.scenarios}")
    scenarios = [s[1:] for s in scenarios if s[0] in wanted]
    results = {}  # (scenario, server) -> [(rate, cpu, ratio)]
    idle = {}  # server -> [bytes per idle connection]
    for run in range(args.runs):
        for title, kw, deflate in scenarios:
            for name in SERVERS:
                s = start(name, args, bins, deflate)
                try:
                    results.setdefault((title, name), []).append(
                        echo_run(s, bins, args.seconds, **kw))
                finally:
                    s.stop()
        if args.idle:
            for name in SERVERS:
                s = start(name, args, bins, False)
                try:
                    idle.setdefault(name, []).append(
                        idle_run(s, bins, args.idle))
                finally:
                    s.stop()
        print(f"run {run + 1} of {args.runs} done", file=sys.stderr)

    print(f"## WebSocket echo: brisk, Boost.Beast, gorilla/websocket "
          f"({args.runs} runs, {args.seconds} s each, medians)\n")
    print("| scenario | server | messages/s | server CPU µs/msg | "
          "kernel share of CPU | ratio (payload/wire) |")
    print("|---|---|---|---|---|---|")
    for title, _, deflate in scenarios:
        for name in SERVERS:
            r = results[(title, name)]
            print(f"| {title} | {name} | "
                  f"{fmt(median([x[0] for x in r]), ',.0f')} | "
                  f"{fmt(median([x[1] for x in r]), '.2f')} | "
                  f"{fmt(median([x[3] for x in r]), '.0%')} | "
                  f"{fmt(median([x[2] for x in r]), '.2f') if deflate else '—'}"
                  f" |")
    print("\nPer-run CPU per message, brisk / peer (below 1: brisk cheaper):\n")
    for title, _, _ in scenarios:
        b = results[(title, "brisk")]
        for peer in ("beast", "gorilla"):
            p = results[(title, peer)]
            ratios = [f"{x[1] / y[1]:.2f}" for x, y in zip(b, p)
                      if x[1] and y[1]]
            print(f"- {title}, brisk/{peer}: {', '.join(ratios)}")
    if idle:
        print(f"\n## Memory per idle WebSocket connection "
              f"({args.idle} connections, medians)\n")
        print("| server | bytes per connection | runs |")
        print("|---|---|---|")
        for name in SERVERS:
            print(f"| {name} | {fmt(median(idle[name]), ',.0f')} | "
                  f"{', '.join(f'{v:,.0f}' for v in idle[name])} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
