#!/bin/bash
# helloserver on 127.0.0.1: answers, echoes, exits 0 on SIGTERM.
set -u
source "$(dirname "$0")/smoke_lib.sh"
start_server "$1" --addr=127.0.0.1:0 --threads=2
reply=$(exchange 'GET /anything HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde')
echo "$reply" | grep -q 'HTTP/1.1 200 OK' || fail "no 200: $reply"
echo "$reply" | grep -q 'Hello, World!' || fail "no hello: $reply"
echo "$reply" | grep -q 'abcde' || fail "no echo: $reply"
stop_server
echo PASS
