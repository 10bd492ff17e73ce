#!/usr/bin/env bash
# Formats brisk's C++ with clang-format (.clang-format), or checks it.
#
#   tools/format.sh           format every tracked C++ file in place
#   tools/format.sh --check   list unformatted files; exit 1 if any
#   tools/format.sh --tidy [FILES]
#                             run clang-tidy (.clang-tidy) on FILES (default:
#                             C++ files changed against origin/main or HEAD~1)
set -euo pipefail
cd "$(dirname "$0")/.."

# Tracked files and new ones not yet added (so a check before commit sees them).
cxx_files() { git ls-files --cached --others --exclude-standard '*.h' '*.cc' '*.hpp' '*.cpp'; }

case "${1:-}" in
  "")
    cxx_files | xargs -r clang-format -i
    ;;
  --check)
    bad=()
    while read -r f; do
      clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done < <(cxx_files)
    if ((${#bad[@]})); then
      printf 'not formatted (run tools/format.sh): %s\n' "${bad[@]}" >&2
      exit 1
    fi
    echo "format: $(cxx_files | wc -l) files clean"
    ;;
  --tidy)
    shift
    files=("$@")
    if ((${#files[@]} == 0)); then
      base=$(git rev-parse -q --verify origin/main || git rev-parse HEAD~1)
      mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- '*.cc')
    fi
    ((${#files[@]})) || { echo "tidy: nothing changed"; exit 0; }
    clang-tidy --quiet "${files[@]}" -- -std=c++20 -fsized-deallocation -I. -x c++
    ;;
  *)
    sed -n '2,9p' "$0" >&2
    exit 2
    ;;
esac
