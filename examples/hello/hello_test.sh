#!/bin/bash
# The example answers itself through brisk's server and client.
set -u
out=$("$1") || { echo "FAIL: hello exited $?"; exit 1; }
[ "$out" = "200 Hello, brisk!" ] || { echo "FAIL: got '$out'"; exit 1; }
echo PASS
