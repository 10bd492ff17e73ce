#!/bin/bash
# helloserver on 127.0.0.1, with each --handler: answers, echoes, sleeps on
# /sleep?ms=N, exits 0 on SIGTERM.
set -u
source "$(dirname "$0")/smoke_lib.sh"
for mode in sync coroutine suspend; do
  start_server "$1" --addr=127.0.0.1:0 --threads=2 --handler=$mode
  reply=$(exchange 'GET /anything HTTP/1.1\r\nHost: t\r\n\r\nGET /sleep?ms=100 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde')
  echo "$reply" | grep -q 'HTTP/1.1 200 OK' || fail "$mode: no 200: $reply"
  [ "$(echo "$reply" | grep -c 'Hello, World!')" = 2 ] || fail "$mode: not two hellos: $reply"
  echo "$reply" | grep -q 'abcde' || fail "$mode: no echo: $reply"
  stop_server
done
timeout 5 "$1" --addr=127.0.0.1:0 --handler=bogus >/dev/null 2>&1 && fail "bogus --handler accepted"
echo PASS
