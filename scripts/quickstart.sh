#!/usr/bin/env bash
# Quick start 1: install what is missing, build, run the main job on the embedded defaults
# (SQLite file, the bank simulator, local folders) and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/repay demo "$@"
