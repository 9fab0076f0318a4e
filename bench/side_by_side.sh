#!/usr/bin/env bash
# Two builds of Repay measured side by side in one session: every benchmark runs on the base build,
# then on the new one, then again on each (A B A B), so that a change of load on a shared machine
# falls on both sides alike. Prints each run's summary lines; the full outputs stay in $OUT.
#
#   bench/side_by_side.sh BASE_BUILD NEW_BUILD
#
# Each build folder is a Release tree with the bench targets built (bench/run.sh builds one; for
# an older commit: `git worktree add --detach ../base REV` and build there). The sizes are smaller
# than bench/run.sh's defaults so that a whole comparison takes about half an hour; they are set by
# the environment: INTAKE_ITEMS, PIPELINE_ITEMS, DEADLINE_ITEMS, RECONCILE_N, REALTIME_ARGS, RUNS.
set -euo pipefail
BASE=${1:?base build folder}
NEW=${2:?new build folder}
RUNS=${RUNS:-2}
OUT=${OUT:-$(mktemp -d /tmp/repay_side_by_side.XXXXXX)}
INTAKE_ITEMS=${INTAKE_ITEMS:-200000}
PIPELINE_ITEMS=${PIPELINE_ITEMS:-50000}
DEADLINE_ITEMS=${DEADLINE_ITEMS:-200000}
RECONCILE_N=${RECONCILE_N:-1000000}

echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM; $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "base: $BASE   new: $NEW   outputs: $OUT"

# The lines of a benchmark's output that carry its figures.
summary() {
  grep -E "items/s|intake_file|\.import|^ratio|debits/s|pipeline, |final in|CPU over|force_fail_due|published|CPU user|repays through|processor added|p50|reconcile|records/s|join|CPU" "$1" \
    | grep -v -E "^setup|^run:" | head -30 || true
}

run_one() {  # side, bench, args...
  local side=$1 bench=$2
  shift 2
  local dir=$BASE
  [[ $side == new ]] && dir=$NEW
  local log="$OUT/${bench}_${side}_$run.txt"
  echo
  echo "=== $bench, $side, run $run (load $(cut -d' ' -f1 /proc/loadavg)): $dir/bench/repay_bench_$bench $*"
  "$dir/bench/repay_bench_$bench" "$@" >"$log" 2>&1 || { echo "FAILED (see $log)"; tail -5 "$log"; return 0; }
  summary "$log"
}

for run in $(seq 1 "$RUNS"); do
  for side in base new; do run_one "$side" intake --items "$INTAKE_ITEMS"; done
  for side in base new; do run_one "$side" pipeline --items "$PIPELINE_ITEMS"; done
  for side in base new; do run_one "$side" deadline --items "$DEADLINE_ITEMS"; done
  for side in base new; do run_one "$side" reconcile --n "$RECONCILE_N"; done
  # shellcheck disable=SC2086
  for side in base new; do run_one "$side" realtime ${REALTIME_ARGS:-}; done
done
