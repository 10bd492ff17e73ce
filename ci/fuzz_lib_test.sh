#!/usr/bin/env bash
# minimize_into_corpus with a stand-in fuzzer that "minimizes" by keeping
# the first byte: the minimized input lands in the corpus under a stable
# name, once per crash, and nothing is added when there was no crash.
set -euo pipefail
cd "${TEST_SRCDIR}/${TEST_WORKSPACE}"
source ci/fuzz_lib.sh
tmp=$(mktemp -d)
cat >"$tmp/fake_fuzzer" <<'FAKE'
#!/usr/bin/env bash
for a in "$@"; do
  case $a in -exact_artifact_path=*) out=${a#*=} ;; -*) ;; *) in=$a ;; esac
done
head -c 1 "$in" >"$out"
FAKE
chmod +x "$tmp/fake_fuzzer"
mkdir -p "$tmp/work" "$tmp/corpus"
minimize_into_corpus "$tmp/fake_fuzzer" "$tmp/work" "$tmp/corpus" >"$tmp/out"
[[ -z "$(ls "$tmp/corpus")" ]] || { echo "FAIL: added without a crash"; exit 1; }
printf 'GET /crash' >"$tmp/work/crash-abc"
printf 'XY' >"$tmp/work/leak-def"
minimize_into_corpus "$tmp/fake_fuzzer" "$tmp/work" "$tmp/corpus" >"$tmp/out"
n=$(ls "$tmp/corpus" | grep -c '^regression-')
[[ $n -eq 2 ]] || { echo "FAIL: $n corpus files"; ls -l "$tmp/corpus"; exit 1; }
for f in "$tmp"/corpus/regression-*; do
  [[ $(wc -c <"$f") -eq 1 ]] || { echo "FAIL: $f not minimized"; exit 1; }
done
grep -q 'minimized input added to' "$tmp/out" || { echo "FAIL: no message"; exit 1; }
rm -rf "$tmp"
echo PASS
