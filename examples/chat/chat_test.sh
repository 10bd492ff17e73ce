#!/bin/bash
# Runs chat_test.py (Debian's Python, which has python3-websockets).
set -eu
exec /usr/bin/python3 "$(dirname "$0")/chat_test.py" "$1"
