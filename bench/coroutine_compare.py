#!/usr/bin/env python3
"""brisk's coroutine handlers against its synchronous ones, side by side.

Run through `./bazelw run //bench:coroutine_compare`. Two measurements:

1. CPU per request of helloserver with --handler=sync, =coroutine (the same
   work in a coroutine that never suspends) and =suspend (one real
   suspension per request: a zero-length Sleep through the loop's timer),
   keep-alive and 16-deep pipelined, each server alone on core 0 and wrk on
   core 1, the three interleaved in every run (compare.py's method).
2. Memory per suspended handler: N requests to /sleep?ms=60000 in flight at
   once (every handler asleep), the server's RSS growth divided by N, for
   brisk (a coroutine sleeping on its loop's timer), fasthttp and Go's
   net/http (a goroutine each, in time.Sleep). The connection's own cost is
   included, as it is for the peers.

Medians and per-run ratios go to stdout as Markdown.

Usage: coroutine_compare.py --hello BIN --bench-dir DIR
                            [--runs 3] [--seconds 5] [--sleepers 10000]
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from compare import PORTS, Servers, median  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hello", required=True)
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--sleepers", type=int, default=10000)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (min(hard, args.sleepers + 500), hard))
    if not shutil.which("wrk") or not shutil.which("taskset"):
        sys.exit("coroutine_compare: wrk and taskset are needed")
    work = tempfile.mkdtemp(prefix="brisk-coro-")
    args.load = None
    servers = Servers(args, work)
    variants = ["brisk", "brisk coroutine", "brisk suspend"]
    lua = os.path.join(args.bench_dir, "scripts", "pipeline16.lua")
    scenarios = [("keep-alive, 64 connections", dict(conns=64)),
                 ("pipelined 16 deep, 64 connections", dict(conns=64, lua=lua))]
    cpu = {}  # (scenario, variant) -> [us per request]
    rps = {}
    sleeping = {}  # server -> [bytes per sleeping handler]
    try:
        live = [v for v in variants if servers.start(v)]
        for run in range(args.runs):
            for title, kw in scenarios:
                for name in live:
                    r, _, c = compare.measure(servers, name, args.seconds,
                                              run == 0, **kw)
                    cpu.setdefault((title, name), []).append(c)
                    rps.setdefault((title, name), []).append(r)
                    print(f"run {run + 1} {title} {name}: {r:.0f} req/s",
                          file=sys.stderr)
        servers.stop_all()
        peers = ["brisk", "fasthttp", "net/http"]
        for run in range(args.runs):
            for name in peers:
                if not servers.start(name):
                    continue
                before, after = compare.idle_conns.measure_sleeping(
                    PORTS[name], args.sleepers, lambda: servers.rss_kib(name))
                sleeping.setdefault(name, []).append(
                    (after - before) * 1024 / args.sleepers)
                print(f"run {run + 1} sleeping {name}: "
                      f"{sleeping[name][-1]:.0f} bytes each", file=sys.stderr)
                servers.stop(name)
    finally:
        servers.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    print(f"## Coroutine handlers ({args.runs} runs, {args.seconds} s each, "
          f"{compare.cpu_model()})\n")
    print("| scenario | handler | req/s | CPU µs/request | CPU vs sync, "
          "per run |")
    print("|---|---|---:|---:|---|")
    for title, _ in scenarios:
        base = cpu.get((title, "brisk"), [])
        for name in variants:
            c = cpu.get((title, name))
            if not c:
                continue
            ratios = ", ".join(f"{x / b:.2f}" for x, b in zip(c, base)
                               if x and b)
            print(f"| {title} | {compare.BRISK_HANDLERS[name]} | "
                  f"{median(rps[(title, name)]):.0f} | {median(c):.2f} | "
                  f"{ratios} |")
    print(f"\n## {args.sleepers} handlers asleep at once\n")
    print("| server | bytes per sleeping handler (median) | per run |")
    print("|---|---:|---|")
    for name in ["brisk", "fasthttp", "net/http"]:
        v = sleeping.get(name)
        if not v:
            print(f"| {name} | skipped | |")
            continue
        print(f"| {name} | {median(v):.0f} | "
              f"{', '.join(f'{x:.0f}' for x in v)} |")


if __name__ == "__main__":
    main()
