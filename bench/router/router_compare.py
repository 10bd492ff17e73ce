#!/usr/bin/env python3
"""brisk's router against julienschmidt/httprouter on the GitHub API routes.

Both load bench/router/github_routes.txt (203 routes and a request path for
each) and time one lookup per operation, cycling through the paths:
//bench:router_benchmark (BM_Brisk_GithubLookup, Google Benchmark) and
httprouter_bench.go (testing.Benchmark), built here with Debian's Go and
golang-github-julienschmidt-httprouter-dev. The two run interleaved, RUNS
times, each pinned to the same core (taskset, Go with GOMAXPROCS=1); prints
every run's ns/op and ratio, then the medians.

Usage (./bazelw run //bench:router_compare -- [--runs 3] [--seconds 1]):
  router_compare.py --brisk BIN --go-src FILE --routes FILE
Exit 0 when both sides ran, 2 when one could not.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def pin(cpu):
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)]
    return []


def build_go(src, work):
    if not shutil.which("go"):
        sys.exit("router_compare: no `go` (apt-get install golang-go)")
    if not os.path.isdir(
            "/usr/share/gocode/src/github.com/julienschmidt/httprouter"):
        sys.exit("router_compare: no httprouter (apt-get install "
                 "golang-github-julienschmidt-httprouter-dev)")
    out = os.path.join(work, "httprouter_bench")
    # The source is a runfiles symlink; go build wants the file itself.
    local = os.path.join(work, "httprouter_bench.go")
    shutil.copyfile(os.path.realpath(src), local)
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=os.path.join(work, "gocache"), HOME=work)
    r = subprocess.run(["go", "build", "-o", out, local], cwd=work, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("router_compare: go build failed:\n" + r.stderr)
    return out


def run_brisk(args):
    cmd = pin(args.cpu) + [
        args.brisk, "--benchmark_filter=^BM_Brisk_GithubLookup$",
        "--benchmark_format=json", f"--benchmark_min_time={args.seconds}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"router_compare: {args.brisk} failed:\n{r.stderr}")
    b = json.loads(r.stdout)["benchmarks"][0]
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    return b["real_time"] * scale


def run_go(args, binary):
    cmd = pin(args.cpu) + [binary, "-routes", args.routes,
                           "-benchtime", f"{args.seconds}s"]
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, GOMAXPROCS="1"))
    if r.returncode != 0:
        sys.exit(f"router_compare: httprouter_bench failed:\n{r.stderr}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    return res["ns_per_op"], res["allocs_per_op"], res["bytes_per_op"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brisk", required=True)
    ap.add_argument("--go-src", required=True)
    ap.add_argument("--routes", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="minimum time of each measurement")
    ap.add_argument("--cpu", type=int, default=1,
                    help="core both sides are pinned to (-1: no pinning)")
    args = ap.parse_args()
    if args.cpu is not None and args.cpu < 0:
        args.cpu = None

    with tempfile.TemporaryDirectory(prefix="router_compare.") as work:
        go = build_go(args.go_src, work)
        rows = []
        for i in range(args.runs):
            # Alternate which side goes first, so neither always runs warm.
            if i % 2 == 0:
                b = run_brisk(args)
                g, allocs, nbytes = run_go(args, go)
            else:
                g, allocs, nbytes = run_go(args, go)
                b = run_brisk(args)
            rows.append((b, g, allocs, nbytes))

    print("GitHub API routes (203), one lookup per op, ns/op "
          f"({args.runs} interleaved runs, {args.seconds:g} s each, "
          f"core {args.cpu if args.cpu is not None else 'any'})")
    print(f"{'run':>4} {'brisk':>9} {'httprouter':>11} "
          f"{'httprouter/brisk':>17} {'Go allocs/op':>13}")
    for i, (b, g, allocs, _) in enumerate(rows, 1):
        print(f"{i:>4} {b:>9.1f} {g:>11.1f} {g / b:>16.2f}x {allocs:>13.2f}")
    mb = statistics.median(r[0] for r in rows)
    mg = statistics.median(r[1] for r in rows)
    print(f"{'med':>4} {mb:>9.1f} {mg:>11.1f} {mg / mb:>16.2f}x")
    print(f"brisk {'<=' if mb <= mg else '>'} httprouter "
          "(ratio above 1: brisk is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
