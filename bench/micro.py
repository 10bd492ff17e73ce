#!/usr/bin/env python3
"""Runs every library's Google Benchmark binary and collects the ratios of
brisk's code to the peer each benchmark measures it against into the
"Microbenchmarks" section of bench/RESULTS.md.

Usage: micro.py --out-dir DIR BINARY...   (./bazelw run //bench:micro)
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import cpu_model, replace_section  # noqa: E402

# (binary, brisk benchmark prefix, peer prefix, what is compared)
PAIRS = [
    ("bytes_benchmark", "BM_PoolGetPut", "BM_NewDelete",
     "ByteBufferPool get+put vs new/delete"),
    ("bytes_benchmark", "BM_ParseUint", "BM_FromChars",
     "ParseUint vs std::from_chars"),
    ("bytes_benchmark", "BM_AppendUint", "BM_ToCharsAppend",
     "AppendUint vs std::to_chars"),
    ("pool_benchmark", "BM_Pool", "BM_MutexStack",
     "Pool<T> round trip vs a mutex-guarded stack"),
    ("pool_benchmark", "BM_Pool", "BM_NewDelete",
     "Pool<T> round trip vs new/delete"),
    ("workerpool_benchmark", "BM_WarmWorker", "BM_FreshCoroutine",
     "warm worker vs a fresh coroutine per job"),
    ("http_parse_benchmark", "BM_Brisk_Request", "BM_Beast_Request",
     "request parse vs Boost.Beast"),
    ("http_parse_benchmark", "BM_Brisk_Request", "BM_HttpParser_Request",
     "request parse vs http-parser"),
    ("http_parse_benchmark", "BM_Brisk_Response", "BM_Beast_Response",
     "response parse vs Boost.Beast"),
    ("http_parse_benchmark", "BM_Brisk_Response", "BM_HttpParser_Response",
     "response parse vs http-parser"),
]


def run(binary):
    r = subprocess.run(
        [binary, "--benchmark_format=json", "--benchmark_repetitions=3",
         "--benchmark_report_aggregates_only=true"],
        capture_output=True, text=True)
    if r.returncode != 0:
        return {}
    data = json.loads(r.stdout)
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b["real_time"] * {
                "ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    times = {}
    for path in args.binaries:
        name = os.path.basename(path)
        print(f"running {name}", file=sys.stderr)
        times[name] = run(path)
    lines = [
        "<!-- micro:begin (written by ./bazelw run //bench:micro) -->",
        "## Microbenchmarks",
        "",
        f"{datetime.date.today().isoformat()}, {cpu_model()}. Google "
        "Benchmark medians of 3 repetitions, each pair from the same binary "
        "and run; ratio = peer time / brisk time (above 1: brisk is faster).",
        "",
        "| comparison | case | brisk ns | peer ns | ratio |",
        "|---|---|---|---|---|",
    ]
    for binary, mine, peer, what in PAIRS:
        t = times.get(binary, {})
        found = False
        for name, ns in sorted(t.items()):
            if not (name == mine or name.startswith(mine + "/")):
                continue
            other = peer + name[len(mine):]
            if other not in t:
                continue
            found = True
            case = name[len(mine):].lstrip("/") or "—"
            lines.append(f"| {what} | {case} | {ns:.1f} | {t[other]:.1f} | "
                         f"{t[other] / ns:.2f}x |")
        if not found:
            lines.append(f"| {what} | not run | | | |")
    lines += ["", "Every benchmark's own figures: each package's README.md.",
              "<!-- micro:end -->", ""]
    path = os.path.join(args.out_dir, "RESULTS.md")
    replace_section(path, "micro", "\n".join(lines))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
