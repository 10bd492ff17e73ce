"""brisk_fuzzer: a libFuzzer target and the test that replays its corpus."""

def brisk_fuzzer(name, deps, size = "small"):
    """Declares `name` (from name.cc) and `name` minus "_fuzzer" + "_corpus_test".

    The fuzzer links libFuzzer only under --config=fuzz (clang; ci/fuzz.sh
    builds and runs it) and is tagged for fuzzing only (manual: needs
    clang's libFuzzer), so `bazel test //...` does not need clang. The corpus test replays corpus/<stem>/ (seeds
    and every input a fuzzer found) through the same LLVMFuzzerTestOneInput in
    every build, sanitizer configs included.
    """
    stem = name.replace("_fuzzer", "")
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = [name + ".cc"],
        linkopts = select({
            "//testing:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        # manual: needs clang's libFuzzer, built by ci/fuzz.sh only.
        tags = [
            "fuzz",
            "manual",
        ],
        deps = deps,
    )
    native.cc_test(
        name = stem + "_corpus_test",
        size = size,
        srcs = [name + ".cc"],
        args = [native.package_name() + "/corpus/" + stem],
        data = native.glob(["corpus/" + stem + "/*"]),
        deps = deps + ["//testing:fuzz_corpus_replay"],
    )
