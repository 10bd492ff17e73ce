#!/bin/bash
# `./bazelw run //bench:coroutine_compare [-- --runs N --seconds S
# --sleepers N]`: coroutine vs synchronous handlers (CPU per request) and
# memory per sleeping handler vs fasthttp and net/http; tables on stdout.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/coroutine_compare.py" --hello "$dir/tools/helloserver" \
  --bench-dir "$dir/bench" "$@"
