#!/bin/bash
# `./bazelw run //bench:server_compare [-- --runs N --seconds S]`: the server
# side of compare.py alone, tables on stdout (RESULTS.md is not touched).
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/compare.py" --hello "$dir/tools/helloserver" \
  --load "$dir/tools/load" --bench-dir "$dir/bench" --out-dir "$PWD" \
  --only servers --stdout "$@"
