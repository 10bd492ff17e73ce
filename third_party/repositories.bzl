"""Repositories brisk needs, all local. Call brisk_repositories() from a WORKSPACE.

A workspace that depends on brisk (see README.md) loads this file as
`@brisk//third_party:repositories.bzl` and calls `brisk_repositories()` too.
Nothing here downloads: the shims are written by repository rules, and the
libraries come from Debian packages that ./bazelw installs.
"""

_RULES_CC_DEFS = """\
# Re-exports Bazel's native C++ rules; stands in for rules_cc offline.
cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_proto_library = native.cc_proto_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
fdo_prefetch_hints = native.fdo_prefetch_hints
fdo_profile = native.fdo_profile
objc_import = native.objc_import
objc_library = native.objc_library
"""

def _rules_cc_shim_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"rules_cc\")\n")
    ctx.file("BUILD.bazel", "")
    ctx.file("cc/BUILD.bazel", "")
    ctx.file("cc/defs.bzl", _RULES_CC_DEFS)

_rules_cc_shim = repository_rule(implementation = _rules_cc_shim_impl)

def _coverage_tools_shim_impl(ctx):
    # @bazel_tools//tools/test aliases these two names; coverage through Bazel
    # is therefore unavailable (use gcov directly).
    ctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    ctx.file("BUILD.bazel", """\
filegroup(name = "coverage_report_generator", visibility = ["//visibility:public"])
filegroup(name = "lcov_merger", visibility = ["//visibility:public"])
""")

_coverage_tools_shim = repository_rule(implementation = _coverage_tools_shim_impl)

def brisk_repositories():
    """Declares @rules_cc, @rules_java, @remote_coverage_tools and @brisk_system."""
    if not native.existing_rule("rules_cc"):
        _rules_cc_shim(name = "rules_cc")
    if not native.existing_rule("rules_java"):
        # Debian's bazel-rules-java package.
        native.local_repository(
            name = "rules_java",
            path = "/usr/share/bazel/rules/java",
        )
    if not native.existing_rule("remote_coverage_tools"):
        _coverage_tools_shim(name = "remote_coverage_tools")

    # Debian's libraries: abseil, Boost.Asio, googletest, Google Benchmark, zlib.
    native.new_local_repository(
        name = "brisk_system",
        path = "/usr",
        build_file = "@brisk//third_party:system.BUILD",
    )
