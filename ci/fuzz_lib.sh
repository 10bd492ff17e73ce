#!/usr/bin/env bash
# Shared by ci/fuzz.sh and its test.

# minimize_into_corpus FUZZER WORKDIR CORPUS: for each crash-*, leak-* or
# timeout-* input libFuzzer left in WORKDIR, asks FUZZER to minimize it
# (-minimize_crash) and adds the result to CORPUS as regression-<hash>,
# printing one line per input. The *_corpus_test replays CORPUS.
minimize_into_corpus() {
  local fuzzer=$1 work=$2 corpus=$3 crash min dest
  for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [[ -f "$crash" ]] || continue
    min="$work/min-$(basename "$crash")"
    "$fuzzer" -minimize_crash=1 -runs=20000 -timeout=10 \
      -exact_artifact_path="$min" "$crash" >"$work/minimize.log" 2>&1
    [[ -s "$min" ]] || cp "$crash" "$min"
    mkdir -p "$corpus"
    dest="$corpus/regression-$(sha1sum "$min" | cut -c1-16)"
    cp "$min" "$dest"
    echo "fuzz: minimized input added to $dest (commit it with the fix)"
  done
}
