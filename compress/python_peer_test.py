#!/usr/bin/env python3
"""//compress against Python's own codecs: gzip, zlib, brotli, zstandard.

Each coding, both ways: what brisk writes Python reads (whole, and after
every flush of a streamed write the prefix decodes to the input so far),
and what Python writes brisk reads. Exits non-zero on the first mismatch.
"""

import gzip
import json
import subprocess
import sys
import zlib

import brotli
import zstandard

TOOL = sys.argv[1]


def tool(args, data):
    p = subprocess.run([TOOL] + args, input=data, capture_output=True)
    return p.returncode, p.stdout, p.stderr


def body(n):
    rows = [{"id": i, "name": "user%d" % (i * 7 % 1000), "ok": i % 3 == 0}
            for i in range(n)]
    return json.dumps(rows).encode()


def py_decoder(coding):
    """A streaming decoder: feed(bytes) -> bytes."""
    if coding == "gzip":
        d = zlib.decompressobj(16 + 15)
        return d.decompress
    if coding == "deflate":
        d = zlib.decompressobj(15)
        return d.decompress
    if coding == "br":
        d = brotli.Decompressor()
        return d.process
    if coding == "zstd":
        d = zstandard.ZstdDecompressor().decompressobj()
        return d.decompress
    raise ValueError(coding)


def py_encode(coding, data):
    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "br":
        return brotli.compress(data)
    if coding == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(coding)


def py_decode(coding, data):
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "deflate":
        return zlib.decompress(data)
    if coding == "br":
        return brotli.decompress(data)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompress(data, max_output_size=1 << 30)
    raise ValueError(coding)


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


for coding in ["gzip", "deflate", "br", "zstd"]:
    for n in [0, 1, 100, 20000]:
        data = body(n)
        rc, out, err = tool(["encode", coding], data)
        check(rc == 0, "%s encode %d: %s" % (coding, n, err))
        check(py_decode(coding, out) == data,
              "%s: Python decodes brisk's %d rows" % (coding, n))
        rc, back, err = tool(["decode", coding], py_encode(coding, data))
        check(rc == 0 and back == data,
              "%s: brisk decodes Python's %d rows (%s)" % (coding, n, err))
    # Streamed: each flush point is decodable by Python's streaming decoder.
    data = body(5000)
    piece = 3000
    rc, out, err = tool(["encode", coding, "0" if coding == "br" else "1",
                         str(piece)], data)
    check(rc == 0, "%s streamed encode" % coding)
    marks = [int(x) for x in err.decode().split()]
    feed = py_decoder(coding)
    got = b""
    last = 0
    for i, m in enumerate(marks):
        got += feed(out[last:m])
        last = m
        want = data[:min(len(data), (i + 1) * piece)]
        check(got == want, "%s: flush %d decodes to the input so far "
              "(%d of %d bytes)" % (coding, i, len(got), len(want)))
        if got != want:
            break
    got += feed(out[last:])
    check(got == data, "%s: the streamed whole" % coding)
    # A bomb stops at brisk's limit with exit code 3.
    bomb = py_encode(coding, b"\0" * (32 << 20))
    rc, out, err = tool(["decode", coding, str(1 << 20)], bomb)
    check(rc == 3, "%s: bomb stopped at the limit (rc %d, %s)" % (coding, rc, err))

if failures:
    sys.exit("%d failures" % len(failures))
print("all codings agree with Python's")
