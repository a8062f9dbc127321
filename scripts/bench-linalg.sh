#!/usr/bin/env bash
# Linear algebra inside the process (issue 6): EMCore's covariance + eigen-decomposition against the same
# OpenBLAS/LAPACKE calls made bare from C (Benchmarks/, LinalgBenchmarks) and against numpy, in one run.
# Writes bench-results/linalg.md. Needs the venv of scripts/install-deps.sh --test (numpy). About 5 minutes.
#   scripts/bench-linalg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench-results
raw=bench-results/linalg-raw.txt
(cd Benchmarks && swift package --allow-writing-to-directory .benchmarkBaselines benchmark \
    --filter 'Covariance.*|PCA.*|Symmetric.*' --metric wallClock --no-progress) >"$raw" 2>&1
.venv/bin/python Benchmarks/peers/linalg_numpy.py >>"$raw"
python3 Benchmarks/peers/linalg_report.py "$raw" >bench-results/linalg.md
cat bench-results/linalg.md
