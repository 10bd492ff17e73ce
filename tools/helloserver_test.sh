#!/bin/bash
# End-to-end: helloserver on 127.0.0.1 (port 0) answers, echoes, and exits 0
# on SIGTERM. Bounded: every wait has a limit.
set -u
bin="$1"
out=$(mktemp)
"$bin" --addr=127.0.0.1:0 --threads=2 >"$out" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null; rm -f "$out"' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*/' "$out" | head -1)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "no URL printed"; cat "$out"; exit 1; }
hostport=${url#http://}; hostport=${hostport%/}
port=${hostport##*:}
fail() { echo "FAIL: $*"; exit 1; }
exec 3<>/dev/tcp/127.0.0.1/$port || fail "connect"
printf 'GET /anything HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde' >&3
reply=$(timeout 5 cat <&3)
exec 3<&-
echo "$reply" | grep -q 'HTTP/1.1 200 OK' || fail "no 200: $reply"
echo "$reply" | grep -q 'Hello, World!' || fail "no hello: $reply"
echo "$reply" | grep -q 'abcde' || fail "no echo: $reply"
kill -TERM $pid
for _ in $(seq 100); do
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -0 $pid 2>/dev/null && fail "still running after SIGTERM"
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "exit code $rc"
echo PASS
