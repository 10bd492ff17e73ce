#!/bin/bash
# Shared by the tools' end-to-end smoke tests: start a server binary on
# 127.0.0.1:0, find the URL it prints, send raw requests, stop it with
# SIGTERM and check it exits 0. Every wait is bounded.

fail() { echo "FAIL: $*"; exit 1; }

# start_server BIN ARGS... -> sets PID, PORT and URL (http:// or https://,
# the first URL it prints); the log is in $LOG.
start_server() {
  LOG=$(mktemp)
  "$@" >"$LOG" 2>&1 &
  PID=$!
  trap 'kill -9 $PID 2>/dev/null; rm -f "$LOG"' EXIT
  local url=""
  for _ in $(seq 100); do
    url=$(grep -o 'https\?://[0-9.:]*/' "$LOG" | head -1)
    [ -n "$url" ] && break
    kill -0 $PID 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$url" ] || { cat "$LOG"; fail "no URL printed"; }
  URL=$url
  local hostport=${url#*://}
  hostport=${hostport%/}
  PORT=${hostport##*:}
}

# exchange RAW_REQUEST -> prints everything the server sent back (the
# request should end with Connection: close).
exchange() {
  exec 3<>/dev/tcp/127.0.0.1/$PORT || fail "connect to $PORT"
  printf '%b' "$1" >&3
  timeout 5 cat <&3
  exec 3<&-
}

# stop_server: SIGTERM, then the exit code must be 0.
stop_server() {
  kill -TERM $PID
  for _ in $(seq 100); do
    kill -0 $PID 2>/dev/null || break
    sleep 0.05
  done
  kill -0 $PID 2>/dev/null && fail "still running after SIGTERM"
  wait $PID
  local rc=$?
  [ $rc -eq 0 ] || fail "exit code $rc"
}
