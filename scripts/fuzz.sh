#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan) into build-fuzz/ and runs each
# for a while, seeded from fixtures/batch/, fuzz/seeds/<target>/ and fixtures/crashers/.
#   bash scripts/fuzz.sh [--seconds N] [--target NAME]...   (default 30 s each, every target)
# An input that crashes is copied to fixtures/crashers/<target>-<sha1>; the script then fails.
# Keep it (with a line in fixtures/crashers/README.md) once the parser is fixed: the ctest
# fuzz_replay replays every crasher through every entry point in the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--target NAME]..." >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(batch_file statement posting xml signature settings)

build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DREPAY_FUZZ=ON -DREPAY_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
work="$(mktemp -d /tmp/repay-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  mkdir -p "$corpus" "$work/$t/artifacts"
  # Seeds: the target's own, the batch fixtures for the line-file parsers, and every crasher.
  [ -d "fuzz/seeds/$t" ] && cp fuzz/seeds/"$t"/* "$corpus"/
  case "$t" in batch_file|statement|posting) cp fixtures/batch/*.txt "$corpus"/ ;; esac
  find fixtures/crashers -type f ! -name '*.md' -exec cp {} "$corpus"/ \;
  echo "== fuzz_$t: ${seconds}s"
  if ! "$build_dir/fuzz_$t" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "$corpus" >"$work/$t/log" 2>&1; then
    tail -n 60 "$work/$t/log"
    for a in "$work/$t/artifacts"/*; do
      [ -f "$a" ] || continue
      keep="fixtures/crashers/$t-$(sha1sum "$a" | cut -c1-12)"
      cp "$a" "$keep"
      echo "fuzz_$t: kept $(basename "$a") as $keep"
    done
    failed+=("$t")
  else
    grep -E '^(stat::number_of_executed_units|Done)' "$work/$t/log" || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
