#!/bin/bash
# fileserver end to end: by default it serves the directory `bazel run` was
# started from (BUILD_WORKING_DIRECTORY); --root overrides; a path outside
# the root is never served; SIGTERM exits 0.
set -u
source "$(dirname "$0")/smoke_lib.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(mktemp -d)
mkdir -p "$dir/site"
echo "hello from the working directory" >"$dir/site/hello.txt"
echo "secret" >"$dir/secret.txt"

# Default root: the user's working directory, as under `bazel run`.
BUILD_WORKING_DIRECTORY="$dir/site" start_server "$bin" --addr=127.0.0.1:0
grep -q "Serving $dir/site at http://127.0.0.1:" "$LOG" || fail "banner: $(cat "$LOG")"
reply=$(exchange 'GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
echo "$reply" | grep -q 'hello from the working directory' || fail "file: $reply"
echo "$reply" | grep -q 'Content-Type: text/plain' || fail "type: $reply"
reply=$(exchange 'GET /../secret.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
echo "$reply" | grep -q 'secret' && fail "left the root: $reply"
reply=$(exchange 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
echo "$reply" | grep -q 'hello.txt' || fail "listing: $reply"
stop_server

# --root wins; a missing root is a clear error (exit 2).
start_server "$bin" --addr=127.0.0.1:0 --root="$dir" --listing=false
reply=$(exchange 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
echo "$reply" | grep -q '403' || fail "listing should be off: $reply"
stop_server
"$bin" --root="$dir/none" --addr=127.0.0.1:0 >/dev/null 2>"$dir/err"
rc=$?
[ $rc -eq 2 ] || fail "missing root exit code $rc"
grep -q "root" "$dir/err" || fail "missing root message: $(cat "$dir/err")"
# Compressed copies: zstd, br, gzip by default, as curl --compressed asks;
# --compress picks the codings; --compress=off turns them off.
seq 1 3000 >"$dir/site/n.txt"
start_server "$bin" --addr=127.0.0.1:0 --root="$dir/site"
for coding in zstd br gzip; do
  curl -sS --max-time 5 --compressed -H "Accept-Encoding: $coding" -D "$dir/h" -o "$dir/out" "${URL}n.txt" || fail "curl $coding"
  grep -qi "^content-encoding: $coding" "$dir/h" || fail "$coding: $(cat "$dir/h")"
  cmp -s "$dir/out" "$dir/site/n.txt" || fail "$coding: curl decoded something else"
done
stop_server
start_server "$bin" --addr=127.0.0.1:0 --root="$dir/site" --compress=gzip:1
curl -sS --max-time 5 --compressed -D "$dir/h" -o "$dir/out" "${URL}n.txt" || fail "curl"
grep -qi "^content-encoding: gzip" "$dir/h" || fail "--compress=gzip:1: $(cat "$dir/h")"
cmp -s "$dir/out" "$dir/site/n.txt" || fail "gzip:1: curl decoded something else"
stop_server
start_server "$bin" --addr=127.0.0.1:0 --root="$dir/site" --compress=off
curl -sS --max-time 5 --compressed -D "$dir/h" -o /dev/null "${URL}n.txt" || fail "curl"
grep -qi "^content-encoding" "$dir/h" && fail "--compress=off compressed: $(cat "$dir/h")"
stop_server
# --access-log: one combined line per request, written by shutdown.
start_server "$bin" --addr=127.0.0.1:0 --root="$dir/site" --access-log="$dir/access.log"
curl -sS --max-time 5 -A "smoke/1" -o /dev/null "${URL}hello.txt" || fail "curl"
curl -sS --max-time 5 -o /dev/null "${URL}missing" || fail "curl"
stop_server
grep -q '"GET /hello.txt HTTP/1.1" 200 33 "-" "smoke/1"' "$dir/access.log" || fail "access log: $(cat "$dir/access.log")"
grep -q '"GET /missing HTTP/1.1" 404 ' "$dir/access.log" || fail "access log 404: $(cat "$dir/access.log")"
"$bin" --root="$dir" --addr=127.0.0.1:0 --access-log="$dir/a" --access-log-format=xml >/dev/null 2>&1 && fail "--access-log-format=xml accepted"
rm -rf "$dir"
echo PASS
