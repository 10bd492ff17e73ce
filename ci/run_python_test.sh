#!/usr/bin/env bash
# Runs a Python unittest file (given relative to the workspace) with python3.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
test_file="$1"
cd "$(dirname "$test_file")"
exec python3 -B "$(basename "$test_file")" -v
