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

# --body-file and --compress: curl --compressed (libz, brotli, zstd) and
# Python's decoders read each coding; the server's order decides when the
# client names them all.
cdir=$(mktemp -d)
/usr/bin/python3 -c 'import json; print(json.dumps([{"id": i, "name": "user%d" % i} for i in range(3000)]))' >"$cdir/body.json"
start_server "$1" --addr=127.0.0.1:0 --threads=1 --body-file="$cdir/body.json" --compress=zstd,br,gzip:1
for coding in zstd br gzip; do
  curl -sS --max-time 5 --compressed -H "Accept-Encoding: $coding" -D "$cdir/h" -o "$cdir/out" "$URL" || fail "curl $coding"
  grep -qi "^content-encoding: $coding" "$cdir/h" || fail "$coding: not $coding: $(cat "$cdir/h")"
  cmp -s "$cdir/out" "$cdir/body.json" || fail "$coding: curl decoded something else"
  curl -sS --max-time 5 -H "Accept-Encoding: $coding" -o "$cdir/raw" "$URL" || fail "curl raw $coding"
  /usr/bin/python3 - "$coding" "$cdir/raw" "$cdir/body.json" <<'PY' || fail "$coding: Python decoded something else"
import sys, gzip, brotli, zstandard
coding, raw, want = sys.argv[1], open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
dec = {"gzip": gzip.decompress, "br": brotli.decompress,
       "zstd": lambda b: zstandard.ZstdDecompressor().decompress(b, max_output_size=1 << 26)}[coding]
sys.exit(0 if dec(raw) == want else 1)
PY
done
curl -sS --max-time 5 -H "Accept-Encoding: gzip, deflate, br, zstd" -D "$cdir/h" -o /dev/null "$URL"
grep -qi "^content-encoding: zstd" "$cdir/h" || fail "browser's list: not zstd: $(cat "$cdir/h")"
stop_server
timeout 5 "$1" --addr=127.0.0.1:0 --compress=lzma >/dev/null 2>&1 && fail "--compress=lzma accepted"
timeout 5 "$1" --addr=127.0.0.1:0 --compress=gzip:12 >/dev/null 2>&1 && fail "--compress=gzip:12 accepted"
rm -rf "$cdir"

# --metrics: /metrics in the Prometheus text format, counting what came.
start_server "$1" --addr=127.0.0.1:0 --threads=1 --metrics
for _ in 1 2 3; do curl -sS --max-time 5 -o /dev/null "${URL}hello"; done
page=$(curl -sS --max-time 5 "${URL}metrics")
echo "$page" | grep -q '^brisk_http_requests_total{route="none",code="2xx"} 3$' || fail "metrics: $page"
echo "$page" | grep -q '^brisk_server_connections_accepted_total ' || fail "metrics: no server stats: $page"
echo "$page" | /usr/bin/python3 -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as f; list(f(sys.stdin.read()))' || fail "metrics: prometheus_client cannot parse it"
stop_server

# HTTPS: a throwaway certificate for localhost, curl verifying it; plain
# HTTP redirected; SIGHUP reloads a new certificate (and keeps the old one
# when the new files are bad).
dir=$(mktemp -d)
trap 'kill -9 $PID 2>/dev/null; rm -rf "$dir" "$LOG"' EXIT
make_cert() {  # make_cert NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj "/CN=$2" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/$1.key" -out "$dir/$1.pem" 2>/dev/null || fail "openssl req"
}
make_cert one "first"
cp "$dir/one.pem" "$dir/cert.pem"; cp "$dir/one.key" "$dir/key.pem"
start_server "$1" --addr=127.0.0.1:0 --threads=1 --tls-cert="$dir/cert.pem" \
  --tls-key="$dir/key.pem" --http-redirect=127.0.0.1:0
case $URL in https://*) ;; *) fail "not an https URL: $URL";; esac
fetch() {  # fetch CA PATH
  curl -sS --max-time 5 --cacert "$1" --resolve "localhost:$PORT:127.0.0.1" \
    "https://localhost:$PORT$2"
}
[ "$(fetch "$dir/one.pem" /)" = "Hello, World!" ] || fail "no hello over TLS"
rport=""
for _ in $(seq 50); do
  rport=$(sed -n 's|.*http://[0-9.]*:\([0-9]*\)/ redirects.*|\1|p' "$LOG")
  [ -n "$rport" ] && break
  sleep 0.05
done
loc=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$rport/x?y=1")
[ "$loc" = "308 https://127.0.0.1:$PORT/x?y=1" ] || fail "redirect: $loc"
make_cert two "second"
cp "$dir/two.pem" "$dir/cert.pem"; cp "$dir/two.key" "$dir/key.pem"
kill -HUP $PID
for _ in $(seq 50); do grep -q "certificate reloaded" "$LOG" && break; sleep 0.05; done
grep -q "certificate reloaded" "$LOG" || fail "no reload: $(cat "$LOG")"
[ "$(fetch "$dir/two.pem" /)" = "Hello, World!" ] || fail "new certificate not served"
fetch "$dir/one.pem" / >/dev/null 2>&1 && fail "old certificate still served"
echo "not a key" >"$dir/key.pem"
kill -HUP $PID
for _ in $(seq 50); do grep -q "kept the old certificate" "$LOG" && break; sleep 0.05; done
grep -q "kept the old certificate" "$LOG" || fail "a bad key was not refused: $(cat "$LOG")"
[ "$(fetch "$dir/two.pem" /)" = "Hello, World!" ] || fail "lost the certificate"
stop_server
timeout 5 "$1" --addr=127.0.0.1:0 --tls-key="$dir/two.key" >/dev/null 2>&1 && fail "--tls-key alone accepted"
echo PASS
