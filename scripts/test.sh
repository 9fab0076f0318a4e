#!/usr/bin/env bash
# Quick start 2: install what is missing, build (warnings are errors), run every test via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
CMAKE_ARGS="-DREPAY_WERROR=ON ${CMAKE_ARGS:-}" bash scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j2
