#!/usr/bin/env python3
"""Fails when a test is disabled or skipped without a stated reason.

  * googletest: a DISABLED_ test needs a `// disabled: why` comment on the
    line above; GTEST_SKIP() needs a message (`GTEST_SKIP() << "why"`).
  * Bazel: a test tagged "manual" or marked flaky needs a `# manual: why` /
    `# flaky: why` comment within the five lines above the tag.

Usage: ci/check_skips.py [ROOT]   (default: the repository root)
Exit 0 when clean, 1 with one line per finding otherwise.
"""

import os
import re
import sys

SKIP_DIRS = {".git", "bazel-bin", "bazel-out", "bazel-testlogs"}
DISABLED = re.compile(r"\bTEST(_F|_P)?\s*\(\s*\w+\s*,\s*DISABLED_|\bTEST(_F|_P)?\s*\(\s*DISABLED_")
SKIP = re.compile(r"\bGTEST_SKIP\s*\(\s*\)")
MANUAL = re.compile(r"""["']manual["']""")
FLAKY = re.compile(r"\bflaky\s*=\s*True")


def findings(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not d.startswith("bazel-")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if name.endswith((".cc", ".h")):
                lines = open(path, errors="replace").read().splitlines()
                for i, line in enumerate(lines):
                    prev = lines[i - 1] if i > 0 else ""
                    if DISABLED.search(line) and "disabled:" not in prev:
                        out.append(f"{rel}:{i + 1}: disabled test without a "
                                   "'// disabled: why' comment above it")
                    if SKIP.search(line) and "<<" not in line:
                        out.append(f"{rel}:{i + 1}: GTEST_SKIP() without a "
                                   "message")
            elif name in ("BUILD", "BUILD.bazel") or name.endswith(".bzl"):
                lines = open(path, errors="replace").read().splitlines()
                for i, line in enumerate(lines):
                    above = "\n".join(lines[max(0, i - 5):i + 1])
                    if MANUAL.search(line) and "manual:" not in above:
                        out.append(f"{rel}:{i + 1}: 'manual' tag without a "
                                   "'# manual: why' comment")
                    if FLAKY.search(line) and "flaky:" not in above:
                        out.append(f"{rel}:{i + 1}: flaky = True without a "
                                   "'# flaky: why' comment")
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..")
    found = findings(root)
    for f in found:
        print(f)
    print(f"skips: {len(found)} unexplained" if found else
          "skips: no test disabled or skipped without a reason")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
