#!/usr/bin/env python3
"""Fails when a test is disabled or skipped without a stated reason.

Scans the source tree: every .cc and .h file and every BUILD file under the
root, leaving out .git and Bazel's bazel-* output links.

  * googletest: a DISABLED_ test needs a `// disabled: why` comment on the
    line above; GTEST_SKIP() needs a message (`GTEST_SKIP() << "why"`, the
    `<<` on the same line or the next).
  * Bazel: a test tagged "manual" or marked flaky needs a `# manual: why` /
    `# flaky: why` comment within the five lines above the tag.

.ci/run runs it on the checkout. It is not a Bazel test on purpose: a test
sees its runfiles, not the tree. A root holding no *_test.cc is an error, so
the check cannot pass by looking at the wrong folder.

Usage: ci/check_skips.py [ROOT]   (default: the repository holding this file)
Exit 0 when clean, 1 with one line per finding otherwise.
"""

import collections
import os
import re
import sys

DISABLED = re.compile(
    r"\b(?:TYPED_)?TEST(?:_F|_P)?\s*\(\s*(?:\w+\s*,\s*)?DISABLED_")
SKIP = re.compile(r"\bGTEST_SKIP\s*\(\s*\)")
MANUAL = re.compile(r"""["']manual["']""")
FLAKY = re.compile(r"\bflaky\s*=\s*True")

Scan = collections.namedtuple("Scan", "findings sources tests builds")


def skipped_dir(name):
    return name == ".git" or name.startswith("bazel-")


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def scan(root):
    """Returns the findings under `root` and how many files were read."""
    out = []
    sources = tests = builds = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not skipped_dir(d))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if name.endswith((".cc", ".h")):
                sources += 1
                tests += name.endswith("_test.cc")
                lines = read_lines(path)
                for i, line in enumerate(lines):
                    prev = lines[i - 1] if i > 0 else ""
                    nxt = lines[i + 1] if i + 1 < len(lines) else ""
                    if DISABLED.search(line) and "disabled:" not in prev:
                        out.append(f"{rel}:{i + 1}: disabled test without a "
                                   "'// disabled: why' comment above it")
                    m = SKIP.search(line)
                    if m and "<<" not in line[m.end():] and \
                            not nxt.lstrip().startswith("<<"):
                        out.append(f"{rel}:{i + 1}: GTEST_SKIP() without a "
                                   "message")
            elif name in ("BUILD", "BUILD.bazel") or name.endswith(".bzl"):
                builds += 1
                lines = read_lines(path)
                for i, line in enumerate(lines):
                    above = "\n".join(lines[max(0, i - 5):i + 1])
                    if MANUAL.search(line) and "manual:" not in above:
                        out.append(f"{rel}:{i + 1}: 'manual' tag without a "
                                   "'# manual: why' comment")
                    if FLAKY.search(line) and "flaky:" not in above:
                        out.append(f"{rel}:{i + 1}: flaky = True without a "
                                   "'# flaky: why' comment")
    return Scan(out, sources, tests, builds)


def findings(root):
    return scan(root).findings


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = os.path.realpath(argv[0] if argv else os.path.join(
        os.path.dirname(os.path.realpath(__file__)), ".."))
    s = scan(root)
    for f in s.findings:
        print(f)
    print(f"skips: {root}: {s.sources} C++ files ({s.tests} *_test.cc), "
          f"{s.builds} BUILD files")
    if s.tests == 0:
        print("skips: no *_test.cc under the root; not a source tree?")
        return 1
    print(f"skips: {len(s.findings)} unexplained" if s.findings else
          "skips: no test disabled or skipped without a reason")
    return 1 if s.findings else 0


if __name__ == "__main__":
    sys.exit(main())
