#!/bin/bash
# `./bazelw run //bench:client_compare [-- --runs N --seconds S]`: the client
# side of compare.py alone (load, wrk and fasthttp's client against nginx),
# table on stdout (RESULTS.md is not touched).
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/compare.py" --hello "$dir/tools/helloserver" \
  --load "$dir/tools/load" --bench-dir "$dir/bench" --out-dir "$PWD" \
  --only clients --stdout "$@"
