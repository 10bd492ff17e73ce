#!/bin/bash
# `./bazelw run //bench:compress_compare [-- --runs N --seconds S]`: response
# compression, brisk's middleware against nginx's gzip; tables on stdout.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/compress_compare.py" --hello "$dir/tools/helloserver" "$@"
