#!/bin/bash
# Client side by side: brisk's `load` against wrk, both driving the same
# nginx (`return 200`, one worker pinned to core 0), each generator alone on
# core 1 with one thread and 64 connections. Runs interleave; medians of
# RUNS runs and the ratio load/wrk are printed as a markdown table.
#
#   bench/client_compare.sh LOAD_BIN [RUNS] [SECONDS]
set -u
LOAD="${1:?usage: client_compare.sh LOAD_BIN [RUNS] [SECONDS]}"
RUNS="${2:-3}"
SECS="${3:-5}"
CONNS="${CONNS:-64}"
PORT=18302
WORK="$(mktemp -d)"
NGINX_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
command -v wrk >/dev/null || { echo "| wrk | skipped (not installed) |"; exit 0; }
ng=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$ng" ] || { echo "| nginx | skipped (not installed) |"; exit 0; }
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server {
    listen 127.0.0.1:$PORT;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
CONF
taskset -c 0 "$ng" -c "$WORK/nginx.conf" -p "$WORK" >/dev/null 2>&1 &
NGINX_PID=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.05
done
url="http://127.0.0.1:$PORT/"
: >"$WORK/rows"
for run in $(seq "$RUNS"); do
  w=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" "$url" |
    awk '/Requests\/sec/ {print $2}')
  l=$(taskset -c 1 "$LOAD" -t 1 -c "$CONNS" -d "${SECS}s" --json "$url" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_sec"])')
  echo "$run $w $l" | tee -a "$WORK/rows" >&2
done
python3 - "$WORK/rows" "$CONNS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wrk = statistics.median(float(r[1]) for r in rows)
load = statistics.median(float(r[2]) for r in rows)
ratios = [float(r[2]) / float(r[1]) for r in rows]
print(f"| generator (1 thread, {sys.argv[2]} connections, nginx on core 0) | requests/s (median) | vs wrk |")
print("|---|---|---|")
print(f"| wrk | {wrk:.0f} | 1.00x |")
print(f"| brisk load | {load:.0f} | {statistics.median(ratios):.2f}x (median of per-run ratios {', '.join(f'{r:.2f}' for r in ratios)}) |")
PY
