#!/usr/bin/env python3
"""Fails when any dependency breaks the layering of DESIGN.md.

Bazel visibility (root BUILD.bazel) already rejects a forbidden direct
dependency. This check is the second net, run by .ci/run:
  * every rule's deps, read with `bazel query --output=xml`, are checked against
    LAYERS below (so a package_group edited too generously is caught, and so is a
    dependency on the public root aliases from inside brisk);
  * every source file's #includes are checked too, because system headers such
    as Asio's sit on the compiler's default path and need no Bazel dependency.

Usage: ci/check_layering.py [--bazel ./bazelw]   (from the repository root)
Exit 0 when clean, 1 with one line per violation otherwise.
"""

import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# Package -> brisk packages it may use (transitively closed). Mirrors DESIGN.md.
LAYERS = {
    "base": set(),
    # Asio event-loop helpers (Ticker) under the server and the clients.
    "loop": set(),
    "bytes": {"base"},
    "pool": {"bytes", "base"},
    "http": {"bytes", "base"},
    "workerpool": {"bytes", "base"},
    # TLS over memory buffers: OpenSSL, no sockets; under server and client.
    "tls": {"bytes", "base"},
    # Content codings over zlib, brotli and zstd; no HTTP types.
    "compress": {"pool", "bytes", "base"},
    "client": {"tls", "http", "compress", "pool", "bytes", "base", "loop"},
    "server": {"tls", "workerpool", "http", "bytes", "base", "loop"},
    # Server middleware (compression, CORS, logs, metrics): above the server
    # and the client (metrics report backend clients).
    "middleware": {"server", "client", "compress", "tls", "workerpool", "http",
                   "pool", "bytes", "base", "loop"},
    # Routes on the server: above it, below tools.
    "router": {"server", "tls", "workerpool", "http", "bytes", "base", "loop"},
    # The file server: a handler on the server, content codings from compress.
    "fs": {"server", "compress", "tls", "workerpool", "http", "pool", "bytes",
           "base", "loop"},
    # WebSocket: above the server and the client.
    "websocket": {"server", "client", "tls", "workerpool", "http", "compress",
                  "pool", "bytes", "base", "loop"},
    "tools": {"tls", "router", "server", "client", "workerpool", "http", "pool",
              "bytes", "base", "compress", "middleware", "websocket", "fs",
              "loop"},
    "bench": {"tls", "router", "server", "client", "workerpool", "http", "pool",
              "bytes", "base", "tools", "compress", "middleware", "websocket",
              "fs", "loop"},
    "testing": {"bytes", "base"},
    # brisk's parsers against the peers, as oracles (tests only).
    "conformance": {"http", "bytes", "base"},
    # Tests of the server and the client together; nothing depends on it.
    "e2e": {"tls", "router", "server", "client", "workerpool", "http", "pool",
            "bytes", "base", "compress", "middleware", "websocket", "fs",
            "loop"},
    "ci": set(),
    # The root package holds only the public aliases for other workspaces.
    "": {"bytes", "base", "pool", "http", "workerpool", "client", "server",
         "router", "tls", "compress", "middleware", "websocket", "fs", "loop"},
}
# Test-only targets of any package may also use these.
TEST_ONLY_EXTRA = {"testing"}

# External targets (and the headers that stand for them) each package may use.
ASIO_USERS = {"workerpool", "server", "client", "websocket", "tools", "bench",
              "testing", "loop"}
# OpenSSL: where sockets are, and //tls, which does TLS without them.
OPENSSL_USERS = ASIO_USERS | {"tls"}
PEER_USERS = {"bench", "conformance"}
EXTERNAL_RULES = {
    "@brisk_system//:asio": ASIO_USERS,
    # OpenSSL goes where sockets are: the same packages as Asio.
    "@brisk_system//:openssl": OPENSSL_USERS,
    "@brisk_system//:beast": PEER_USERS,
    "@brisk_system//:http_parser": PEER_USERS,
}
INCLUDE_RULES = [
    (re.compile(r'#\s*include\s*[<"]boost/asio'), "Asio", ASIO_USERS),
    (re.compile(r'#\s*include\s*[<"]openssl/'), "OpenSSL", OPENSSL_USERS),
    (re.compile(r'#\s*include\s*[<"]boost/beast'), "Boost.Beast", PEER_USERS),
    (re.compile(r'#\s*include\s*[<"]http_parser\.h'), "http-parser", PEER_USERS),
]
BRISK_INCLUDE = re.compile(r'#\s*include\s*"([a-z_]+)/')
SOURCE_SUFFIXES = (".h", ".hpp", ".cc", ".cpp")


def package_of(label):
    """'//http:http' -> 'http'; '//:bytes' -> ''; external labels -> None."""
    if not label.startswith("//"):
        return None
    path = label[2:].split(":", 1)[0]
    return path.split("/", 1)[0]


def normalize(label):
    """'//bytes' -> '//bytes:bytes'; leaves full labels alone."""
    if label.startswith(("//", "@")) and ":" not in label:
        return label + ":" + label.rsplit("/", 1)[-1]
    return label


def rules_from_xml(xml_text):
    """Yields (label, testonly, [dependency labels]) for each rule."""
    root = ET.fromstring(xml_text)
    for rule in root.iter("rule"):
        label = rule.get("name")
        testonly = rule.get("class", "").endswith("_test")
        deps = []
        for child in rule:
            name = child.get("name")
            if child.tag == "boolean" and name == "testonly":
                testonly = testonly or child.get("value") == "true"
            elif child.tag == "list" and name == "deps":
                deps.extend(l.get("value") for l in child.iter("label"))
            elif child.tag == "label" and name == "actual":
                deps.append(child.get("value"))
        yield label, testonly, deps


def dependency_violations(rules):
    """Returns one message per forbidden edge among (label, testonly, deps)."""
    out = []
    for label, testonly, deps in rules:
        pkg = package_of(label)
        if pkg is None:
            continue
        if pkg not in LAYERS:
            out.append(f"{label}: package '{pkg}' is not in the layering table "
                       "(ci/check_layering.py LAYERS)")
            continue
        allowed = LAYERS[pkg] | {pkg} | (TEST_ONLY_EXTRA if testonly else set())
        for dep in deps:
            dep = normalize(dep)
            dep_pkg = package_of(dep)
            if dep_pkg is None:
                users = EXTERNAL_RULES.get(dep)
                if users is not None and pkg not in users:
                    out.append(f"{label} -> {dep}: '{pkg}' may not use it")
            elif dep_pkg == "" and pkg != "":
                out.append(f"{label} -> {dep}: the root aliases are for other "
                           f"workspaces; depend on //{dep.split(':')[1]} instead")
            elif dep_pkg not in allowed:
                out.append(f"{label} -> {dep}: '{pkg}' may not depend on '{dep_pkg}'")
    return out


def include_violations(files):
    """Returns one message per forbidden #include among (path, text) pairs."""
    out = []
    for path, text in files:
        pkg = path.split("/", 1)[0] if "/" in path else ""
        if pkg not in LAYERS:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for pattern, what, users in INCLUDE_RULES:
                if pattern.search(line) and pkg not in users:
                    out.append(f"{path}:{n}: '{pkg}' may not include {what}")
            m = BRISK_INCLUDE.search(line)
            if m and m.group(1) in LAYERS and m.group(1) != pkg:
                allowed = LAYERS[pkg] | TEST_ONLY_EXTRA
                if m.group(1) not in allowed:
                    out.append(f"{path}:{n}: '{pkg}' may not include "
                               f"'{m.group(1)}/' headers")
    return out


def source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if not d.startswith((".", "bazel-")) and d != "testdata"]
        for f in filenames:
            if f.endswith(SOURCE_SUFFIXES):
                path = os.path.relpath(os.path.join(dirpath, f), root)
                with open(os.path.join(dirpath, f), encoding="utf-8",
                          errors="replace") as fh:
                    yield path, fh.read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bazel", default="./bazelw")
    args = parser.parse_args()
    xml_text = subprocess.run(
        [args.bazel, "query", "--output=xml", "kind(rule, //...)"],
        check=True, capture_output=True, text=True).stdout
    rules = list(rules_from_xml(xml_text))
    problems = dependency_violations(rules) + include_violations(source_files("."))
    for p in problems:
        print("layering:", p)
    if problems:
        print(f"layering: {len(problems)} violation(s)")
        return 1
    print(f"layering: {len(rules)} rules checked, no violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
