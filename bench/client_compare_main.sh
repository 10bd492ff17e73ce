#!/bin/bash
# `bazel run` entry: runs client_compare.sh with the load binary from the
# runfiles.
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec bash "$dir/bench/client_compare.sh" "$dir/tools/load" "$@"
