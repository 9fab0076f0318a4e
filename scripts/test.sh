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
# The whole suite again under the sanitizers, end-to-end tests included (their `repay` and
# `repay-banksim` children are sanitized too). SANITIZE_UNIT_ONLY=1 leaves the end-to-end ones out.
bash scripts/test-sanitizers.sh
bash scripts/fuzz.sh --seconds "${REPAY_FUZZ_SECONDS:-20}"
