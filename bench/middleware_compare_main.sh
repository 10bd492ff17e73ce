#!/bin/bash
# `./bazelw run //bench:middleware_compare [-- --runs N --seconds S]`: the
# middleware's costs (compression against nginx's gzip, the access log);
# tables on stdout.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/middleware_compare.py" --hello "$dir/tools/helloserver" "$@"
