#!/bin/bash
# `./bazelw run //bench:ws_compare [-- --runs N --seconds S --idle N]`:
# brisk's WebSocket echo against Boost.Beast's and gorilla's (messages/s,
# CPU per message, permessage-deflate, memory per idle connection); tables
# on stdout.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec python3 "$dir/bench/ws_compare.py" --hello "$dir/tools/helloserver" \
  --beast "$dir/bench/beast_ws_echo" --bench-dir "$dir/bench" "$@"
