#!/usr/bin/env python3
"""Turn the text output of the Linalg benchmarks plus linalg_numpy.py (scripts/bench-linalg.sh) into a Markdown
table of median wall times and ratios to the bare calls. Usage: linalg_report.py RAW_OUTPUT"""
import re
import sys

UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def medians(text):
    """{benchmark name: median wall seconds} from package-benchmark's text tables, plus numpy's lines."""
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^numpy (.+): median ([0-9.]+) s", line)
        if m:
            out["numpy " + m.group(1)] = float(m.group(2))
            continue
        if line and not line.startswith(("│", "╒", "╞", "├", "╘", "=")) and "Metric" not in line:
            name = line.strip()
            continue
        m = re.match(r"^│ Time \(wall clock\) \((\w+)\) \*?\s*│(.*)$", line)
        if m and name:
            cells = [c.strip() for c in m.group(2).split("│")]
            out[name] = float(cells[2]) * UNITS[m.group(1)]   # columns p0, p25, p50, …
    return out


def main():
    t = medians(open(sys.argv[1]).read())
    rows = [
        ("covariance + eigen 1,000,000 × 12", "Covariance + eigen 1000000 × 12 (EMCore)",
         "Covariance + eigen 1000000 × 12 (bare calls only, table centred beforehand)",
         ["Covariance + eigen 1000000 × 12 (bare OpenBLAS/LAPACKE)", "numpy cov + eigh 1000000 x 12"]),
        ("eigen-decomposition 2000 × 2000", "Symmetric eigen 2000 × 2000 (divideAndConquer)",
         "Symmetric eigen 2000 × 2000 (bare LAPACKE dsyevd)",
         ["Symmetric eigen 2000 × 2000 (relativelyRobust)", "numpy eigh 2000 x 2000"]),
    ]
    print("## Linear algebra inside the process (scripts/bench-linalg.sh)\n")
    print("Median wall time of repeated calls on data already in memory, all in one run; × bare = time / the bare")
    print("library calls' time (below 1 is faster than the bare calls).\n")
    print("| task | code | median (ms) | × bare |")
    print("|---|---|---:|---:|")
    for task, ours, bare, others in rows:
        base = t.get(bare)
        for i, key in enumerate([ours, bare] + others):
            if key not in t:
                continue
            ratio = f"{t[key] / base:.2f}" if base else "–"
            print(f"| {task if i == 0 else ''} | {key} | {t[key] * 1e3:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
