#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer
# (-DREPAY_SANITIZE=ON) into its own folder (build-asan/, or SANITIZE_BUILD_DIR).
# Every sanitized process — the test binaries and the `repay` and `repay-banksim` children the
# end-to-end tests start — writes its reports under build-asan/sanitizer-reports/; the run fails
# when a test fails or when any report was written (a child's report would not fail its test).
# Nothing is suppressed: leaks included.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${SANITIZE_BUILD_DIR:-build-asan}"
start=$(date +%s)
args="-DREPAY_WERROR=ON -DREPAY_SANITIZE=ON -DREPAY_BENCH=OFF ${CMAKE_ARGS:-}"
targets=""
if [ "${SANITIZE_UNIT_ONLY:-0}" = 1 ]; then
  # Everything but the end-to-end test binary: the unit tests, the replay test, and the two
  # binaries the install test installs.
  BUILD_DIR="$build_dir" CMAKE_ARGS="$args" BUILD_TARGETS=repay bash scripts/build.sh
  targets="repay repay-banksim $(ninja -C "$build_dir" -t targets all |
    sed -n 's/^\(repay_[a-z_]*_test\):.*/\1/p' | grep -v '^repay_e2e_test$' | sort -u | tr '\n' ' ')"
  export CTEST_ARGS="-E ^e2e_ ${CTEST_ARGS:-}"
fi
BUILD_DIR="$build_dir" CMAKE_ARGS="$args" BUILD_TARGETS="$targets" bash scripts/build.sh
built=$(date +%s)

reports="$(pwd)/$build_dir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="log_path=$reports/lsan"
status=0
(cd "$build_dir" && ctest --output-on-failure --timeout 1500 -j2 ${CTEST_ARGS:-}) || status=$?
done_at=$(date +%s)

if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizers: reports were written:" >&2
  for f in "$reports"/*; do
    echo "==== $f" >&2
    head -n 80 "$f" >&2
  done
  status=1
fi
echo "sanitizers: build $((built - start)) s, tests $((done_at - built)) s"
exit "$status"
