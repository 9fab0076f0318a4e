#!/usr/bin/env bash
# Builds Release in build-bench/ and runs every benchmark, each twice (shared machines are noisy:
# docs/performance.md reports both runs). Extra arguments go to every benchmark (e.g. --items 100000).
# Data goes under $REPAY_BENCH_DIR (default /tmp); about 1.5 GiB of free disk for the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
RUNS=${RUNS:-2}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREPAY_BENCH=ON >/dev/null
cmake --build "$BUILD" -j2 --target repay_bench_intake repay_bench_pipeline repay_bench_deadline

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$(free -h | awk '/^Mem:/ {print $2}') RAM; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
for bench in intake pipeline deadline; do
  for run in $(seq 1 "$RUNS"); do
    echo
    echo "=== bench/$bench, run $run: $BUILD/bench/repay_bench_$bench $*"
    "$BUILD/bench/repay_bench_$bench" "$@"
  done
done
# Real time (docs/performance.md, Real time), once: ~1 min on loopback; its flags in $REALTIME_ARGS.
cmake --build "$BUILD" -j2 --target repay_bench_realtime && echo && "$BUILD/bench/repay_bench_realtime" ${REALTIME_ARGS:-}
# Channel reconciliation (docs/performance.md, Channel reconciliation), once: 6,000,000 records
# against a 6,000,000-line statement and the sqlite3 shell's join beside it (≈ 3 GiB of disk under
# $REPAY_BENCH_DIR); its flags in $RECONCILE_ARGS (e.g. "--n 1000000").
cmake --build "$BUILD" -j2 --target repay_bench_reconcile && echo && "$BUILD/bench/repay_bench_reconcile" ${RECONCILE_ARGS:-}
