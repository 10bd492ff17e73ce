#!/usr/bin/env python3
"""Reads wrk --latency output; prints "rps p99_ms cpu_us_per_request errors".

Usage: parse_wrk.py WRK_OUTPUT CPU_TICKS_BEFORE CPU_TICKS_AFTER CLK_TCK
"""
import re
import sys

out = open(sys.argv[1]).read()
before, after, ticks = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
reqs = int(m.group(1)) if m else 0
rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
rps = float(rps.group(1)) if rps else 0.0
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
p99 = float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0
errors = 0
for pat in (r"Non-2xx or 3xx responses: (\d+)",
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
    e = re.search(pat, out)
    if e:
        errors += sum(int(g) for g in e.groups())
cpu = (after - before) / ticks * 1e6 / reqs if reqs else 0.0
print(f"{rps:.0f} {p99:.3f} {cpu:.3f} {errors}")
