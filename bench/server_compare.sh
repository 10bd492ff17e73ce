#!/bin/bash
# Side-by-side server comparison: brisk's helloserver, fasthttp and nginx,
# each alone on core 0 (one thread / worker), wrk alone on core 1.
#
#   bench/server_compare.sh HELLOSERVER_BIN [RUNS] [SECONDS]
#
# Scenarios: keep-alive (64 connections), pipelined 16 deep (64 connections),
# a new connection per request (64 connections), and server RSS per idle
# keep-alive connection (5,000 connections that each made one request).
# Servers are interleaved within each run so the machine's drift hits all of
# them alike; the summary gives per-scenario medians over the runs and
# ratios to fasthttp and nginx. Server CPU per request is
# (utime + stime of the server's processes, after - before) / requests.
#
# Peers that are not installed are reported as skipped. Everything binds
# 127.0.0.1 and every process started here is stopped by PID on exit.
set -u
HELLO="${1:?usage: server_compare.sh HELLOSERVER_BIN [RUNS] [SECONDS]}"
RUNS="${2:-3}"
SECS="${3:-5}"
CONNS="${CONNS:-64}"
IDLE_CONNS="${IDLE_CONNS:-5000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

TICKS=$(getconf CLK_TCK)
ulimit -n 20000 2>/dev/null

# --- servers -----------------------------------------------------------------
declare -A PORT=([brisk]=18080 [fasthttp]=18081 [nginx]=18082)
declare -A SPID=()
SERVERS=()

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

start_brisk() {
  taskset -c 0 "$HELLO" --addr=127.0.0.1:${PORT[brisk]} --threads=1 \
    >"$WORK/brisk.log" 2>&1 &
  SPID[brisk]=$!
  PIDS+=($!)
}

start_fasthttp() {
  local bin="$WORK/fasthttp_hello"
  if ! command -v go >/dev/null ||
    [ ! -d /usr/share/gocode/src/github.com/valyala/fasthttp ]; then
    return 1
  fi
  if [ ! -x "$bin" ]; then
    (cd "$HERE/peers/fasthttp_hello" &&
      GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$WORK/gocache" \
        go build -o "$bin" .) >"$WORK/go.log" 2>&1 || return 1
  fi
  GOMAXPROCS=1 taskset -c 0 "$bin" --addr=127.0.0.1:${PORT[fasthttp]} \
    >"$WORK/fasthttp.log" 2>&1 &
  SPID[fasthttp]=$!
  PIDS+=($!)
}

start_nginx() {
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || return 1
  local ng; ng=$(command -v nginx || echo /usr/sbin/nginx)
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $WORK/nginx;
  proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx;
  scgi_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:${PORT[nginx]};
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
EOF
  taskset -c 0 "$ng" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" \
    >"$WORK/nginx.log" 2>&1 &
  SPID[nginx]=$!
  PIDS+=($!)
}

# The server's processes: the PID and its children (nginx's worker).
server_pids() {
  local p=$1
  echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
}

cpu_ticks() {
  local total=0
  for p in $(server_pids "$1"); do
    local f; f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f
    total=$((total + $1 + $2))
  done
  echo $total
}

for s in brisk fasthttp nginx; do
  if "start_$s" && wait_port "${PORT[$s]}"; then
    SERVERS+=("$s")
  else
    echo "# $s: skipped (not installed or did not start)" >&2
  fi
done

# --- load --------------------------------------------------------------------
# Prints "rps p99_ms cpu_us_per_request" for one wrk run.
measure() {
  local server=$1 scenario=$2
  local url="http://127.0.0.1:${PORT[$server]}/"
  local extra=()
  case $scenario in
    pipelined) extra=(-s "$HERE/scripts/pipeline16.lua") ;;
    close) extra=(-H "Connection: close") ;;
  esac
  local before after
  before=$(cpu_ticks "${SPID[$server]}")
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "${extra[@]}" \
    "$url" >"$WORK/wrk.out" 2>&1
  after=$(cpu_ticks "${SPID[$server]}")
  python3 "$HERE/scripts/parse_wrk.py" "$WORK/wrk.out" "$before" "$after" \
    "$TICKS"
}

RESULTS="$WORK/results.txt"
: >"$RESULTS"
for run in $(seq "$RUNS"); do
  for scenario in keepalive pipelined close; do
    for s in "${SERVERS[@]}"; do
      taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${PORT[$s]}/" \
        >/dev/null 2>&1  # warm-up
      read -r rps p99 cpu errs <<<"$(measure "$s" "$scenario")"
      echo "$run $scenario $s $rps $p99 $cpu $errs" | tee -a "$RESULTS" >&2
    done
  done
  for s in "${SERVERS[@]}"; do
    # A fresh process: RSS does not shrink after load, so only a new server
    # shows what idle connections cost.
    kill "${SPID[$s]}" 2>/dev/null
    wait "${SPID[$s]}" 2>/dev/null
    "start_$s" && wait_port "${PORT[$s]}" || { echo "# $s: restart failed" >&2; continue; }
    pids=$(server_pids "${SPID[$s]}" | tr ' ' '\n' | grep . | paste -sd, -)
    json=$(taskset -c 1 python3 "$HERE/scripts/idle_conns.py" "${PORT[$s]}" \
      "$IDLE_CONNS" "$pids" 2>&1)
    bpc=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_per_conn"])' 2>/dev/null || echo 0)
    echo "$run idle $s 0 0 0 0 $bpc" | tee -a "$RESULTS" >&2
    sleep 1
  done
done

python3 - "$RESULTS" "${SERVERS[*]}" "$IDLE_CONNS" <<'EOF'
import statistics, sys
IDLE = sys.argv[3]
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
servers = sys.argv[2].split()
def med(scen, srv, col):
    v = [float(r[col]) for r in rows if r[1] == scen and r[2] == srv]
    return statistics.median(v) if v else float("nan")
print("| scenario | server | requests/s | p99 ms | server CPU µs/request | vs fasthttp (CPU) | vs nginx (CPU) |")
print("|---|---|---|---|---|---|---|")
for scen in ["keepalive", "pipelined", "close"]:
    for s in servers:
        rps, p99, cpu = med(scen, s, 3), med(scen, s, 4), med(scen, s, 5)
        rf = cpu / med(scen, "fasthttp", 5) if "fasthttp" in servers else float("nan")
        rn = cpu / med(scen, "nginx", 5) if "nginx" in servers else float("nan")
        p99s = f"{p99:.2f}" if p99 > 0 else "n/a (wrk)"
        print(f"| {scen} | {s} | {rps:.0f} | {p99s} | {cpu:.2f} | {rf:.2f}x | {rn:.2f}x |")
print()
print("| idle keep-alive connections | server | RSS bytes per connection |")
print("|---|---|---|")
for s in servers:
    print(f"| {IDLE} | {s} | {med('idle', s, 7):.0f} |")
EOF
