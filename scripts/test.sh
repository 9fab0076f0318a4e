#!/usr/bin/env bash
# Quick start 2: install what is missing, build (warnings are errors), run every test via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
CMAKE_ARGS="-DREPAY_WERROR=ON ${CMAKE_ARGS:-}" bash scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 900 -j2)
# Then the tests again under ASan + UBSan, and a short run of every fuzz target (README,
# "Tests"). REPAY_QUICK_TEST=1 stops after the plain suite (while iterating; CI runs everything).
[ "${REPAY_QUICK_TEST:-0}" = 1 ] && exit 0
# Under the sanitizers CI runs the unit, replay and install tests; the end-to-end tests there are
# REPAY_SANITIZE_ALL=1 (docs/quality.md, Sanitizers: not yet known to pass in CI's time).
if [ "${REPAY_SANITIZE_ALL:-0}" = 1 ]; then
  bash scripts/test-sanitizers.sh
else
  SANITIZE_UNIT_ONLY=1 bash scripts/test-sanitizers.sh
fi
bash scripts/fuzz.sh --seconds "${REPAY_FUZZ_SECONDS:-20}"
