"""brisk_benchmark: a Google Benchmark binary and its untimed smoke test."""

def brisk_benchmark(name, srcs, deps, **kwargs):
    """Declares `name` (run it with bazel run) and `name + "_smoke"`.

    The binary is testonly and tagged "benchmark". The smoke test runs it once
    without timing anything, so `bazel test //...` (and the sanitizer configs)
    keep every benchmark compiling and running.
    """
    # //bench runs every benchmark binary (./bazelw run //bench:micro).
    visibility = kwargs.pop("visibility", ["//bench:__pkg__"])
    native.cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        tags = ["benchmark"],
        visibility = visibility,
        deps = deps,
        **kwargs
    )
    native.sh_test(
        name = name + "_smoke",
        size = "small",
        srcs = ["//testing:run_benchmark_once.sh"],
        args = ["$(location :%s)" % name],
        data = [":" + name],
    )
