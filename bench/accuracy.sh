#!/usr/bin/env bash
# The accuracy benchmark of the calibration issue, on this machine, for 1 and 2 threads:
#  the networks measured, then a profile calibrated (default budget), then the networks measured
#  again; the profile validated against the second measurement (per-kernel RMSPE, per-network
#  MAPE, ±10 %, Spearman ρ), against the first, and against both together: the two measurements
#  bracket the calibration, so the machine's drift over it cancels to first order (DESIGN.md:
#  compare calibration and validation close in time or interleaved);
#  the run-to-run noise of the measurements themselves (the two measurements, minutes apart);
#  the accuracy-versus-points curve: calibrations at several budgets, each validated against
#  the same saved measurements.
# Two sets of networks, reported apart: the zoo (models/*.onnx) and the held-out set
# (models/heldout/*.onnx), families the calibration plan and the model were never looked at
# against: how the profile does on networks it has never seen.
# Everything goes to notebooks-data/accuracy/. Run on a quiet machine.
# Usage: bash bench/accuracy.sh   (after scripts/test.sh or scripts/run.sh built build/release)
#   ROOFCAST_ACCURACY_THREADS=2 bash bench/accuracy.sh   re-runs the 2-thread half only (when another
#   tenant disturbed it), keeping the other's results; ROOFCAST_ACCURACY_BUDGETS="60 120 300" sets the curve.
#   ROOFCAST_ACCURACY_REFIT=1 bash bench/accuracy.sh   measures nothing: re-fits the saved calibration logs
#   (calibrate --resume) and re-validates the saved measurements (validate --resume) with this build, to
#   judge a change of the model on the committed run's measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
roofcast=build/release/src/cli/roofcast
out=notebooks-data/accuracy
[ -x "$roofcast" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
budgets="${ROOFCAST_ACCURACY_BUDGETS:-60 120 300}"
thread_counts="${ROOFCAST_ACCURACY_THREADS:-1 2}"
# Each measurement of the networks measures every model three times, interleaved,
# and keeps its median round (calibrate fits each point's median). Three, not
# two: at 2 threads another tenant slowed a whole model by 1.6x for over a
# minute, both of its two rounds (DenseNet 58.7 ms, 34.7 ms in the repeat).
rounds="${ROOFCAST_ACCURACY_ROUNDS:-3}"
refit="${ROOFCAST_ACCURACY_REFIT:-0}"
resume=()          # validate: continue from what is saved
fit_only=()        # calibrate: fit the saved log, measure nothing (planned points it lacks are left out)
measure_rounds=(--rounds "$rounds")
refit_suffix=""    # a re-fit keeps the measuring run's calibration log and wall time
if [ "$refit" = 1 ]; then
  resume=(--resume)
  fit_only=(--fit-only)
  measure_rounds=()
  refit_suffix=-refit
fi
# Before calibrating there is no profile of this machine to compare with: the
# first measurement runs under a bundled one and is compared again (--resume,
# nothing re-measured) once the calibrated profile is written.
placeholder=raspberry-pi-5
# validate SET DIR PROFILE [ARGS...]: roofcast validate on the set's networks
# (zoo: models/*.onnx, into DIR; heldout: models/heldout/*.onnx, into DIR-heldout).
validate() {
  local set=$1 dir=$2 profile=$3
  shift 3
  if [ "$set" = zoo ]; then
    "$roofcast" validate models/*.onnx -d "$profile" --threads "$threads" --out-dir "$dir" "$@"
  else
    "$roofcast" validate models/heldout/*.onnx -d "$profile" --threads "$threads" --out-dir "${dir/validation-/validation-heldout-}" "$@"
  fi
}
mkdir -p "$out"
for threads in $thread_counts; do
  [ "$refit" = 1 ] && break
  rm -rf "$out"/*-"${threads}"t "$out"/*-"${threads}"t.* "$out"/*-"${threads}"t-*
done
for threads in $thread_counts; do
  for set in zoo heldout; do
    [ "$refit" = 1 ] && break
    echo "== $threads thread(s): the $set measured before calibrating"
    validate "$set" "$out/validation-${threads}t-before" "$placeholder" --rounds "$rounds" > /dev/null 2>&1
  done
  echo "== $threads thread(s): calibrate (budget 300)"
  /usr/bin/time -f "%e" -o "$out/calibrate-${threads}t${refit_suffix}.seconds" \
    "$roofcast" calibrate --threads "$threads" -o "$out/calibrated-${threads}t.json" "${fit_only[@]}" \
    2> "$out/calibrate-${threads}t${refit_suffix}.log" | tee "$out/calibrate-${threads}t.txt"
  for set in heldout zoo; do  # the reverse order: each set equally far from the calibration on both sides
    echo "== $threads thread(s): the $set measured after calibrating, and the profile validated"
    validate "$set" "$out/validation-${threads}t" "$out/calibrated-${threads}t.json" "${measure_rounds[@]}" \
      "${resume[@]}" 2> /dev/null | tee "$out/validate-${set}-${threads}t.txt"
    validate "$set" "$out/validation-${threads}t-before" "$out/calibrated-${threads}t.json" --resume > /dev/null 2>&1
  done
  for budget in $budgets; do
    [ "$budget" = 300 ] && continue
    echo "== $threads thread(s): budget $budget"
    "$roofcast" calibrate --threads "$threads" --budget "$budget" -o "$out/calibrated-${threads}t-b${budget}.json" \
      "${fit_only[@]}" > /dev/null 2>&1
    for set in zoo heldout; do
      for when in "" -before; do
        prefix=validation
        [ "$set" = heldout ] && prefix=validation-heldout
        [ "$refit" = 1 ] || cp -r "$out/${prefix}-${threads}t${when}" "$out/${prefix}-${threads}t-b${budget}${when}"
        validate "$set" "$out/validation-${threads}t-b${budget}${when}" "$out/calibrated-${threads}t-b${budget}.json" \
          --resume > /dev/null 2>&1
      done
    done
  done
done
/usr/bin/python3 bench/accuracy_summary.py "$out" "$budgets"
