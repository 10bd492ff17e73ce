#!/bin/bash
# `./bazelw run //bench:router_compare [-- --runs 3 --seconds 1 --cpu 1]`:
# brisk's Router::Lookup against httprouter's on the GitHub API routes,
# interleaved runs, medians and ratios on stdout (router_compare.py).
set -eu
dir="${RUNFILES_DIR:-${TEST_SRCDIR:-$0.runfiles}}/brisk"
exec python3 "$dir/bench/router/router_compare.py" \
  --brisk "$dir/bench/router_benchmark" \
  --go-src "$dir/bench/router/httprouter_bench.go" \
  --routes "$dir/bench/router/github_routes.txt" "$@"
