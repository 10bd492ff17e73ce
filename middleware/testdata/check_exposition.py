#!/usr/bin/env python3
"""Checks a Prometheus text exposition (format 0.0.4) strictly, then with
the reference parser (python3-prometheus-client).

Usage: check_exposition.py FILE
Prints "ok N" (N families) or the first problem, and exits non-zero on one.
Strict rules: every line is HELP, TYPE or a sample; a family's HELP and
TYPE come once, before its samples, and its samples are contiguous; names
and label names are valid; label values are properly escaped; values parse
as floats; a histogram's buckets are cumulative, end with le="+Inf", and
+Inf equals _count.
"""
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
            return name[: -len(suffix)]
    return name


text = open(sys.argv[1]).read()
if not text.endswith("\n"):
    fail("no final newline")
types, helps, done = {}, set(), set()
current = None
buckets = {}  # (family, labels without le) -> [(le, value)]
counts = {}
for n, line in enumerate(text.splitlines(), 1):
    if line.startswith("# HELP "):
        name = line.split(" ", 3)[2]
        if name in helps:
            fail("line %d: second HELP for %s" % (n, name))
        helps.add(name)
        continue
    if line.startswith("# TYPE "):
        parts = line.split(" ")
        if len(parts) != 4 or parts[3] not in TYPES:
            fail("line %d: bad TYPE: %r" % (n, line))
        if parts[2] in types:
            fail("line %d: second TYPE for %s" % (n, parts[2]))
        if current is not None:
            done.add(current)
        types[parts[2]] = parts[3]
        current = parts[2]
        continue
    m = SAMPLE.match(line)
    if not m:
        fail("line %d: not a sample: %r" % (n, line))
    name, labels, value = m.group(1), m.group(2) or "", m.group(3)
    fam = family_of(name, types)
    if fam not in types:
        fail("line %d: sample before its TYPE: %r" % (n, line))
    if fam != current:
        fail("line %d: %s's samples are not together" % (n, fam))
    try:
        v = float(value)
    except ValueError:
        fail("line %d: bad value %r" % (n, value))
    if types[fam] == "histogram":
        le = re.search(r'(?:^|,)le="([^"]*)"', labels)
        rest = re.sub(r'(?:^|,)le="[^"]*"', "", labels).lstrip(",")
        if name.endswith("_bucket"):
            if not le:
                fail("line %d: a bucket without le" % n)
            buckets.setdefault((fam, rest), []).append((le.group(1), v))
        elif name.endswith("_count"):
            counts[(fam, rest)] = v
for key, bs in buckets.items():
    values = [v for _, v in bs]
    if values != sorted(values):
        fail("%s{%s}: buckets not cumulative: %s" % (key[0], key[1], values))
    if bs[-1][0] != "+Inf":
        fail("%s{%s}: last bucket is not +Inf" % key)
    if counts.get(key) != bs[-1][1]:
        fail("%s{%s}: +Inf %s != count %s" % (key[0], key[1], bs[-1][1],
                                            counts.get(key)))
families = list(text_string_to_metric_families(text))
print("ok", len(families))
