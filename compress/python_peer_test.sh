#!/usr/bin/env bash
# Python's decoders and encoders against brisk's (python_peer_test.py).
set -euo pipefail
exec python3 compress/python_peer_test.py compress/compress_tool
