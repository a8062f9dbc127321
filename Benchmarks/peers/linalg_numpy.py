#!/usr/bin/env python3
"""numpy's side of the linear-algebra benchmarks, timed inside the process like LinalgBenchmarks.swift: covariance
(numpy.cov) + eigh of a 1,000,000 × 12 table, and eigh of a 2000 × 2000 symmetric matrix. Prints the median and
min of each over several repetitions, in seconds.
Usage: linalg_numpy.py [ROWS COLS N REPEATS]"""
import statistics
import sys
import time

import numpy as np


def timed(fn, repeats):
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    return statistics.median(walls), min(walls)


def main():
    rows, cols, n, repeats = (int(a) for a in (sys.argv[1:5] if len(sys.argv) == 5 else (1_000_000, 12, 2000, 10)))
    rng = np.random.default_rng(7)
    table = rng.standard_normal((rows, 3)) @ rng.standard_normal((3, cols)) + 0.1 * rng.standard_normal((rows, cols))
    a = rng.standard_normal((n, n))
    a = (a + a.T) / 2
    cov = timed(lambda: np.linalg.eigh(np.cov(table, rowvar=False)), repeats)
    eig = timed(lambda: np.linalg.eigh(a), max(3, repeats // 2))
    print(f"numpy cov + eigh {rows} x {cols}: median {cov[0]:.4f} s, min {cov[1]:.4f} s")
    print(f"numpy eigh {n} x {n}: median {eig[0]:.4f} s, min {eig[1]:.4f} s")


if __name__ == "__main__":
    main()
