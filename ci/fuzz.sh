#!/usr/bin/env bash
# Builds every libFuzzer target with clang (--config=fuzz) and runs each for a
# bounded time on a scratch copy of its corpus. Fails on any crash, leak or
# sanitizer report. New inputs stay in the scratch copy; a crashing input is
# minimized (-minimize_crash) and added to <package>/corpus/<target>/ as
# regression-<hash>, where the *_corpus_test replays it; the logs stay in
# $BRISK_FUZZ_OUT (default /tmp/brisk-fuzz).
#
#   ci/fuzz.sh [seconds per target, default 30]
set -uo pipefail
cd "$(dirname "$0")/.."
source ci/fuzz_lib.sh
seconds=${1:-30}
out=${BRISK_FUZZ_OUT:-/tmp/brisk-fuzz}
mkdir -p "$out"

targets=$(./bazelw query 'attr(tags, "fuzz", kind(cc_binary, //...))' 2>/dev/null)
if [[ -z "$targets" ]]; then
  echo "fuzz: no targets found" >&2
  exit 1
fi
# shellcheck disable=SC2086
./bazelw build --config=fuzz $targets >"$out/build.log" 2>&1 || {
  tail -n 40 "$out/build.log"
  echo "fuzz: build failed"
  exit 1
}

# The fuzz configuration's own output folder (bazel-bin may point elsewhere).
bin=$(./bazelw info --config=fuzz bazel-bin 2>/dev/null)

failed=0
for t in $targets; do
  name=${t##*:}
  pkg=${t#//}
  pkg=${pkg%%:*}
  corpus="$pkg/corpus/${name%_fuzzer}"
  work="$out/$name"
  rm -rf "$work" && mkdir -p "$work/corpus"
  cp "$corpus"/* "$work/corpus/" 2>/dev/null || true
  log="$work/log"
  if "$bin/$pkg/$name" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$work/" -print_final_stats=1 \
      "$work/corpus" >"$log" 2>&1; then
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
    echo "fuzz: $name ok, ${execs:-?} executions in ${seconds}s"
  else
    echo "fuzz: $name FAILED (log and crash input in $work)"
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 10
    minimize_into_corpus "$bin/$pkg/$name" "$work" "$corpus"
    failed=$((failed + 1))
  fi
done
((failed == 0))
