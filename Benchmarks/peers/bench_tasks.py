"""What is compared: one Task per user job, each with the emtools command line, the peers' command lines and
the physical limits that bound it. Every command is a whole process, run the way a user runs it."""
import os
from dataclasses import dataclass, field

from bench_data import ANGPIX
from make_particles import PCA_COLUMNS

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Tool:
    """One way of doing a task. kind: 'emtools', 'peer' or 'limit'. `needs` names what must exist for the
    tool to run: an emtools subcommand ('cmd:project'), Python modules ('py:mrcfile,numpy') or a program
    ('bin:relion_image_handler')."""
    name: str
    kind: str
    argv: list
    env: dict = field(default_factory=dict)
    needs: list = field(default_factory=list)


@dataclass
class Task:
    name: str
    tools: list
    runs: int = 5
    # For the scaling table: (family, size in voxels or rows) so that two sizes of one family can be compared.
    family: str = ""
    work: int = 0
    # Commands run once, untimed, before the warm-up round (e.g. measuring FFTW plans into a wisdom cache).
    setup: list = field(default_factory=list)


def build(data, env):
    """All tasks for `data` (a DataSet). `env` holds paths: emtools, python, limit binaries, threads, out."""
    em, py, out, threads = env["emtools"], env["python"], env["out"], env["threads"]
    one = {"EMTOOLS_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    peer = lambda script, *args: [py, os.path.join(HERE, script), *args]
    s = data.sizes
    tasks = []

    # Open + read + statistics of a map, per mode (issue 2).
    for n in (s["map"], s["small_map"]):
        for mode in ("float32", "int16", "float16"):
            path = data.map(n, mode)
            tools = [
                Tool("emtools", "emtools", [em, "stats", path], needs=["cmd:stats"]),
                Tool("emtools (1 thread)", "emtools", [em, "stats", path], env=one, needs=["cmd:stats"]),
                Tool("mrcfile + numpy", "peer", peer("mrc_stats.py", path), needs=["py:mrcfile,numpy"]),
                Tool("page-cache read (C read(2))", "limit", [env["read_file"], path]),
            ]
            if n == s["map"] and mode == "float32":
                tools.insert(3, Tool("relion_image_handler --stats", "peer",
                                     ["relion_image_handler", "--i", path, "--stats"], needs=["bin:relion_image_handler"]))
            tasks.append(Task(f"stats {mode} {n}³", tools, family=f"stats {mode}", work=n ** 3))

    # z-projection to PNG (issue 3).
    for n in (s["map"], s["small_map"]):
        path = data.map(n)
        tasks.append(Task(f"project z → PNG float32 {n}³", [
            Tool("emtools", "emtools", [em, "project", path, "--axis", "z", "--out", os.path.join(out, f"proj_{n}.png")],
                 needs=["cmd:project"]),
            Tool("emtools (1 thread)", "emtools", [em, "project", path, "--axis", "z", "--out",
                                                   os.path.join(out, f"proj1_{n}.png")], env=one, needs=["cmd:project"]),
            Tool("numpy sum + Pillow PNG", "peer", peer("project_png.py", path, os.path.join(out, f"proj_np_{n}.png")),
                 needs=["py:mrcfile,numpy,PIL"]),
            Tool("page-cache read (C read(2))", "limit", [env["read_file"], path]),
        ], family="project z", work=n ** 3))

    # FFTW wisdom caches for the FSC rows: emtools reads `$XDG_CACHE_HOME/emtools/fftwf-wisdom-<cpu>`. "cold" stays
    # empty (every run plans with FFTW_ESTIMATE, the first-run experience); "measured" is filled once, untimed, by
    # `emtools fsc --fft-measure` (what a user does once per box size and machine type, docs/fsc.md).
    cold = {"XDG_CACHE_HOME": os.path.join(out, "fftw-cache-cold")}
    measured_home = os.path.join(out, "fftw-cache-measured")
    measured = {"XDG_CACHE_HOME": measured_home}
    wisdom_dir = os.path.join(measured_home, "emtools")

    # FSC of half-maps, unmasked and masked (issue 4).
    for n in s["halves"]:
        h1, h2, m = data.half(n, 1), data.half(n, 2), data.mask(n)
        measure = Tool("measure FFTW plans", "setup", [em, "fsc", h1, h2, "--fft-measure", "--json"], env=measured,
                       needs=["cmd:fsc"])
        # The masked FSC also runs inverse transforms: measure those plans too.
        measure_masked = Tool("measure FFTW plans (masked)", "setup",
                              [em, "fsc", h1, h2, "--mask", m, "--fft-measure", "--json"], env=measured, needs=["cmd:fsc"])
        tasks.append(Task(f"fsc unmasked {n}³", [
            Tool("emtools", "emtools", [em, "fsc", h1, h2, "--json"], env=cold, needs=["cmd:fsc"]),
            Tool("emtools, measured plans cached", "emtools", [em, "fsc", h1, h2, "--json"], env=measured,
                 needs=["cmd:fsc"]),
            Tool("emtools (1 thread)", "emtools", [em, "fsc", h1, h2, "--json"], env=dict(one, **cold),
                 needs=["cmd:fsc"]),
            Tool("numpy rfftn + shells", "peer", peer("fsc_numpy.py", h1, h2), needs=["py:mrcfile,numpy"]),
            Tool("relion_image_handler --fsc", "peer", ["relion_image_handler", "--i", h1, "--fsc", h2,
                                                        "--angpix", str(ANGPIX)], needs=["bin:relion_image_handler"]),
            Tool("bare FFTW: read + 2× r2c", "limit", [env["fftw_r2c"], str(threads), h1, h2]),
            Tool("bare FFTW: read + 2× r2c, same measured plans", "limit",
                 [env["fftw_r2c"], str(threads), h1, h2, wisdom_dir]),
            Tool("bare FFTW: read + 2× r2c (1 thread)", "limit", [env["fftw_r2c"], "1", h1, h2]),
        ], runs=3, family="fsc unmasked", work=n ** 3, setup=[measure]))
        tasks.append(Task(f"fsc masked {n}³", [
            Tool("emtools", "emtools", [em, "fsc", h1, h2, "--mask", m, "--json"], env=cold, needs=["cmd:fsc"]),
            Tool("emtools, measured plans cached", "emtools", [em, "fsc", h1, h2, "--mask", m, "--json"],
                 env=measured, needs=["cmd:fsc"]),
            Tool("relion_postprocess --mask", "peer", ["relion_postprocess", "--i", h1, "--i2", h2, "--mask", m,
                                                       "--angpix", str(ANGPIX), "--o", os.path.join(out, f"pp_{n}")],
                 needs=["bin:relion_postprocess"]),
        ], runs=3, family="fsc masked", work=n ** 3, setup=[measure_masked]))

    # STAR parsing and counting (issue 5).
    for rows in s["rows"]:
        f = data.particles(rows)
        tasks.append(Task(f"star read {rows:,} rows", [
            Tool("emtools", "emtools", [em, "star", f], needs=["cmd:star"]),
            Tool("emtools (1 thread)", "emtools", [em, "star", f], env=one, needs=["cmd:star"]),
            Tool("starfile", "peer", peer("star_read.py", "starfile", f), needs=["py:starfile"]),
            Tool("starfile-rs", "peer", peer("star_read.py", "starfile_rs", f), needs=["py:starfile_rs"]),
            Tool("gemmi", "peer", peer("star_read.py", "gemmi", f), needs=["py:gemmi"]),
            Tool("page-cache read (C read(2))", "limit", [env["read_file"], f]),
        ], family="star read", work=rows))
        tasks.append(Task(f"star count-by {rows:,} rows", [
            Tool("emtools", "emtools", [em, "star", f, "--count-by", "rlnClassNumber"], needs=["cmd:star"]),
            Tool("starfile", "peer", peer("star_read.py", "starfile", f, "--count-by", "rlnClassNumber"),
                 needs=["py:starfile"]),
            Tool("starfile-rs", "peer", peer("star_read.py", "starfile_rs", f, "--count-by", "rlnClassNumber"),
                 needs=["py:starfile_rs"]),
        ], family="star count-by", work=rows))

    # PCA of a particle table and a bare symmetric eigen-decomposition (issue 6).
    rows = s["rows"][-1]
    f, cols = data.particles(rows), ",".join(PCA_COLUMNS)
    tasks.append(Task(f"pca {rows:,} × {len(PCA_COLUMNS)}", [
        Tool("emtools", "emtools", [em, "pca", f, "--columns", cols], needs=["cmd:pca"]),
        Tool("starfile-rs + numpy eigh", "peer", peer("pca_numpy.py", f, cols), needs=["py:numpy"]),
        Tool("bare OpenBLAS dsyrk + LAPACKE dsyevd (no file)", "limit", [env["blas_pca"], "table", str(rows),
                                                                        str(len(PCA_COLUMNS))]),
    ], runs=3))
    n = s["eigh"]
    tasks.append(Task(f"eigh {n}×{n} (no emtools command)", [
        Tool("numpy eigh", "peer", peer("eigh_numpy.py", str(n)), needs=["py:numpy"]),
        Tool("bare LAPACKE dsyevd", "limit", [env["blas_pca"], "eigh", str(n)]),
        Tool("bare LAPACKE dsyevd (1 thread)", "limit", [env["blas_pca"], "eigh", str(n)], env=one),
    ], runs=3))
    return tasks
