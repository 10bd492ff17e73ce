#!/usr/bin/env bash
# Builds and tests examples/ as a user's workspace: its own WORKSPACE with
# brisk as a local_repository and brisk.bazelrc imported, exactly as
# README.md says. Stops that workspace's Bazel server afterwards.
set -uo pipefail
cd "$(dirname "$0")/../examples"
../bazelw test --color=no --curses=no //...
rc=$?
../bazelw shutdown >/dev/null 2>&1 || true
exit $rc
