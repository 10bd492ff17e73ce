#!/bin/bash
# `./bazelw run //bench:compare [-- --runs N --seconds S]`: writes
# bench/RESULTS.md and bench/results.svg in the workspace.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
out="${BUILD_WORKSPACE_DIRECTORY:-$PWD}/bench"
mkdir -p "$out"
exec python3 "$dir/bench/compare.py" --hello "$dir/tools/helloserver" \
  --load "$dir/tools/load" --bench-dir "$dir/bench" --out-dir "$out" "$@"
