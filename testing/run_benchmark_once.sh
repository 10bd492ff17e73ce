#!/usr/bin/env bash
# Runs a Google Benchmark binary for a single short pass: keeps benchmark code
# compiling and running (also under the sanitizers) without timing anything.
set -euo pipefail
exec "$1" --benchmark_min_time=0 --benchmark_repetitions=1 >/dev/null
