#!/bin/bash
# `./bazelw run //bench:micro`: runs every library's benchmark binary and
# writes the Microbenchmarks section of bench/RESULTS.md.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
out="${BUILD_WORKSPACE_DIRECTORY:-$PWD}/bench"
mkdir -p "$out"
exec python3 "$dir/bench/micro.py" --out-dir "$out" \
  "$dir/bytes/bytes_benchmark" "$dir/pool/pool_benchmark" \
  "$dir/workerpool/workerpool_benchmark" "$dir/http/http_benchmark" \
  "$dir/bench/http_parse_benchmark" "$dir/server/server_benchmark" \
  "$dir/client/client_benchmark"
