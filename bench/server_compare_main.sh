#!/bin/bash
# `bazel run` entry: finds the helloserver in the runfiles and runs
# server_compare.sh from them (the Go peer is built from its source there).
set -eu
dir="${RUNFILES_DIR:-$0.runfiles}/brisk"
exec bash "$dir/bench/server_compare.sh" "$dir/tools/helloserver" "$@"
