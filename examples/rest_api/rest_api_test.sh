#!/usr/bin/env bash
# Starts rest_api on a free port, runs rest_api_client against it, then
# stops the service with SIGTERM and checks it shut down gracefully.
set -euo pipefail
server_bin="$1"
client_bin="$2"
out="${TEST_TMPDIR:-/tmp}/rest_api.out"

"$server_bin" 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$out" && break
  sleep 0.05
done
addr=$(sed -n 's/^listening on //p' "$out")
[[ -n "$addr" ]] || { echo "rest_api did not start:"; cat "$out"; exit 1; }

"$client_bin" "$addr"

kill -TERM "$pid"
for _ in $(seq 100); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
wait "$pid"
grep -q '^stopped: drained' "$out" || { cat "$out"; exit 1; }
trap - EXIT
echo "rest_api stopped gracefully"
