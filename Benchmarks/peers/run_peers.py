#!/usr/bin/env python3
"""Run every benchmark task with emtools, its peers and its physical limits, alternately, as whole processes;
write the table as Markdown and JSON. Python standard library only (the peers run in their own venv).

Usually called through scripts/bench-peers.sh, which builds emtools, sets up the peers and compiles the limits.
Usage: run_peers.py --emtools BIN --python VENV_PYTHON --limits DIR [--smoke] [--data DIR] [--results DIR]
                    [--runs N] [--only SUBSTRING] [--readme FILE]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402
import bench_tasks  # noqa: E402
from bench_data import FULL, SMOKE, DataSet  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_once(tool, cwd):
    """Run one process; return (wall seconds, peak RSS in KiB, CPU seconds, exit status, stderr tail)."""
    env = dict(os.environ, **tool.env)
    errf = open(os.path.join(cwd, "stderr.txt"), "w+b")
    start = time.perf_counter()
    p = subprocess.Popen(tool.argv, stdout=subprocess.DEVNULL, stderr=errf, env=env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    tail = errf.read()[-400:].decode("utf-8", "replace").strip().splitlines()
    errf.close()
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, p.returncode, (tail[-1] if tail else "")


class Availability:
    """Decides whether a tool can run here, and says why not."""

    def __init__(self, emtools, python):
        self.python = python
        try:
            text = subprocess.run([emtools, "--help"], capture_output=True, text=True, timeout=60).stdout
        except OSError:
            text = ""
        # Subcommand names sit at an indent of two spaces under SUBCOMMANDS; wrapped abstracts are deeper.
        self.commands = set()
        in_sub = False
        for line in text.splitlines():
            if line.strip().upper().startswith("SUBCOMMANDS"):
                in_sub = True
            elif in_sub and line and not line.startswith(" "):
                in_sub = False
            elif in_sub and re.match(r"^  [a-z][a-z0-9-]*(\s|$)", line):
                self.commands.add(line.split()[0])
        self.modules = {}

    def module(self, name):
        if name not in self.modules:
            r = subprocess.run([self.python, "-c", f"import {name}"], capture_output=True)
            self.modules[name] = r.returncode == 0
        return self.modules[name]

    def missing(self, tool):
        for need in tool.needs:
            kind, _, what = need.partition(":")
            if kind == "cmd" and what not in self.commands:
                return f"not available (no `emtools {what}` in this build)"
            if kind == "py":
                absent = [m for m in what.split(",") if not self.module(m)]
                if absent:
                    return "not installed (Python: " + ", ".join(absent) + ")"
            if kind == "bin" and shutil.which(what) is None:
                return f"not installed ({what})"
        if not os.path.exists(tool.argv[0]) and shutil.which(tool.argv[0]) is None:
            return f"not installed ({tool.argv[0]})"
        return None


def settle_page_cache(paths):
    """Put each input file into one known page-cache state before a task: dropped from the cache, then read
    once from start to end with read(2), 1 MiB at a time.

    That is the state of a map that was just written, or read once from disk: the kernel's readahead keeps
    it in large folios. How a file entered the cache matters on Linux ≥ 6.x: the same 512 MiB map reads in
    28 ms from large folios and in 80 ms from 4 KiB pages (what is left after the cache was reclaimed and
    the file faulted back in through a memory mapping, e.g. by mrcfile), and every tool, emtools and its
    peers alike, slows down with it. Settling the inputs makes runs comparable with each other."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)   # dirty pages cannot be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            while os.read(fd, 1 << 20):
                pass
        finally:
            os.close(fd)


def task_inputs(task, data_folder):
    """The data files a task's command lines read (arguments that are files in the data folder)."""
    seen = []
    for t in list(task.tools) + list(task.setup):
        for arg in t.argv:
            if isinstance(arg, str) and arg.startswith(data_folder) and os.path.isfile(arg) and arg not in seen:
                seen.append(arg)
    return seen


def run_task(task, avail, runs, warmup, scratch, data_folder=None):
    """Alternate the task's tools (A B C A B C …) `runs` times after `warmup` rounds; summarise each tool.
    The task's input files are put into a known page-cache state before every round (`settle_page_cache`)."""
    results = {t.name: {"tool": t.name, "kind": t.kind, "walls": [], "rss_kib": [], "cpu": [], "error": None}
               for t in task.tools}
    live = []
    for t in task.tools:
        why = avail.missing(t)
        if why:
            results[t.name]["error"] = why
        else:
            live.append(t)
    for t in task.setup:
        why = avail.missing(t)
        if why:
            log(f"    setup {t.name}: {why}")
            continue
        wall, _, _, code, tail = run_once(t, scratch)
        log(f"    setup {t.name}: {wall:.1f} s" + (f", failed (exit {code}): {tail}" if code else ""))
    inputs = task_inputs(task, data_folder) if data_folder else []
    for round_ in range(warmup + runs):
        # Every round starts from the same state, even if the kernel reclaimed pages since the last one.
        settle_page_cache(inputs)
        for t in live:
            r = results[t.name]
            if r["error"]:
                continue
            wall, rss, cpu, code, tail = run_once(t, scratch)
            if code != 0:
                r["error"] = f"failed (exit {code}): {tail}"[:200]
                log(f"    {t.name}: {r['error']}")
                continue
            if round_ >= warmup:
                r["walls"].append(wall)
                r["rss_kib"].append(rss)
                r["cpu"].append(cpu)
    rows = []
    for t in task.tools:
        r = results[t.name]
        row = {"task": task.name, "tool": t.name, "kind": t.kind, "command": " ".join(t.argv),
               "env": t.env, "runs": len(r["walls"]), "error": r["error"], "family": task.family,
               "work": task.work}
        if r["walls"] and not r["error"]:
            row.update(median_s=statistics.median(r["walls"]), min_s=min(r["walls"]), max_s=max(r["walls"]),
                       peak_rss_mib=max(r["rss_kib"]) / 1024, cpu_percent=100 * statistics.median(
                           [c / w for c, w in zip(r["cpu"], r["walls"])]), walls_s=r["walls"])
        rows.append(row)
    base = next((r for r in rows if r["tool"] == "emtools" and "median_s" in r), None)
    for r in rows:
        if base and "median_s" in r:
            r["ratio_to_emtools"] = r["median_s"] / base["median_s"]
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emtools", required=True)
    ap.add_argument("--python", required=True, help="Python of the peers' venv")
    ap.add_argument("--limits", required=True, help="folder with the compiled limit programs")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run each, no warm-up")
    ap.add_argument("--data", default="bench-data")
    ap.add_argument("--results", default="bench-results")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per tool (default: 5, 3 for slow tasks)")
    ap.add_argument("--only", default=None, help="run only tasks whose name contains this")
    ap.add_argument("--readme", default=None, help="also write this Markdown snippet (Benchmarks/RESULTS.md)")
    a = ap.parse_args()

    sizes = SMOKE if a.smoke else FULL
    # Every path absolute: the tools run inside a scratch folder so their stray output stays there.
    a.python, a.limits = os.path.abspath(a.python), os.path.abspath(a.limits)
    data = DataSet(os.path.abspath(os.path.join(a.data, "smoke" if a.smoke else "full")), sizes)
    os.makedirs(a.results, exist_ok=True)
    scratch = os.path.abspath(os.path.join(a.results, "smoke-scratch" if a.smoke else "scratch"))
    os.makedirs(scratch, exist_ok=True)
    # FFTW wisdom caches of the FSC rows start empty in every run (bench_tasks.py fills the measured one).
    for name in os.listdir(scratch):
        if name.startswith("fftw-cache-"):
            shutil.rmtree(os.path.join(scratch, name))
    threads = os.cpu_count() or 1
    emtools = os.path.abspath(a.emtools)

    t0 = time.time()
    log(f"data in {data.folder}")
    data.generate(emtools, a.python, log)
    env = {"emtools": emtools, "python": a.python, "out": scratch, "threads": threads,
           "read_file": os.path.join(a.limits, "read_file"), "fftw_r2c": os.path.join(a.limits, "fftw_r2c"),
           "blas_pca": os.path.join(a.limits, "blas_pca")}
    avail = Availability(emtools, a.python)
    log(f"emtools subcommands: {' '.join(sorted(avail.commands))}")
    rows = []
    for task in bench_tasks.build(data, env):
        if a.only and a.only not in task.name:
            continue
        runs = 1 if a.smoke else (a.runs or task.runs)
        log(f"{task.name}: {runs} run(s) of {len(task.tools)} tools")
        rows += run_task(task, avail, runs, 0 if a.smoke else 1, scratch, data.folder)
    machine = bench_report.machine_info()
    report = {"machine": machine, "smoke": a.smoke, "sizes": sizes, "seconds": time.time() - t0,
              "emtools": emtools, "rows": rows}
    name = "peers-smoke" if a.smoke else "peers"
    with open(os.path.join(a.results, name + ".json"), "w") as f:
        json.dump(report, f, indent=1)
    md = bench_report.markdown(report)
    with open(os.path.join(a.results, name + ".md"), "w") as f:
        f.write(md)
    if a.readme and a.only:
        log(f"--only given: {a.readme} left as it was (it holds the last full table)")
    elif a.readme:
        with open(a.readme, "w") as f:
            f.write(bench_report.readme(report))
    print(md)
    # A failing emtools run is always an error; in the smoke run (CI) a failing peer or limit is too, since
    # it means a peer script or a command line has rotted.
    failed = [r for r in rows if r["error"] and r["error"].startswith("failed")]
    fatal = failed if a.smoke else [r for r in failed if r["kind"] == "emtools"]
    for r in fatal:
        log(f"FAILED: {r['task']} / {r['tool']}: {r['error']}")
    return 1 if fatal else 0


if __name__ == "__main__":
    sys.exit(main())
