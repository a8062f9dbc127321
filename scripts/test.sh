#!/usr/bin/env bash
# Run the whole test suite: installs the test counterparts (RELION, Slurm, Python peers) first.
# Usage: scripts/test.sh [extra swift test arguments, e.g. --filter MRC]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
swift build --build-tests
log=$(mktemp)
set +e
swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain summary line from Swift Testing's and XCTest's own counts.
passed=$(grep -E '^✔ Test .* passed after' "$log" | grep -vc '^✔ Test run with' || true)
failed=$(grep -E '^✘ Test .* failed after' "$log" | grep -vc '^✘ Test run with' || true)
echo "tests: ${passed} passed, ${failed} failed"
rm -f "$log"
# The peer benchmark at tiny sizes, one run each (times nothing; keeps scripts/bench-peers.sh from rotting).
if scripts/bench-peers.sh --smoke >bench-results-smoke.log 2>&1; then
  echo "bench-peers --smoke: ok (table in bench-results/peers-smoke.md)"
  rm -f bench-results-smoke.log
else
  tail -n 40 bench-results-smoke.log
  echo "bench-peers --smoke: FAILED (full log in bench-results-smoke.log)"
  status=1
fi
exit "$status"
