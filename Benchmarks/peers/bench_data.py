"""The benchmark data set, generated once into a scratch folder (kept between runs; regenerated when a
file is missing or the sizes change). Maps come from `emtools phantom` and `emtools convert`; the mask and
the particle files from the scripts next to this one."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FULL = {"map": 512, "small_map": 256, "halves": [256, 384], "rows": [100_000, 1_000_000], "eigh": 2000}
SMOKE = {"map": 64, "small_map": 32, "halves": [32, 48], "rows": [1_000, 5_000], "eigh": 200}
ANGPIX = 1.1


class DataSet:
    """Paths of every generated file for one size profile."""

    def __init__(self, folder, sizes):
        self.folder = folder
        self.sizes = sizes
        os.makedirs(folder, exist_ok=True)

    def path(self, name):
        return os.path.join(self.folder, name)

    def map(self, n, mode="float32"):
        return self.path(f"map_{n}_{mode}.mrc")

    def half(self, n, k):
        return self.path(f"half{k}_{n}.mrc")

    def mask(self, n):
        return self.path(f"mask_{n}.mrc")

    def particles(self, rows):
        return self.path(f"particles_{rows}.star")

    def generate(self, emtools, python, log):
        """Write every missing file. `python` must have numpy and mrcfile (for the mask)."""
        s = self.sizes

        def make(path, argv):
            if os.path.exists(path):
                return
            log(f"  generating {os.path.basename(path)}")
            tmp_argv = [a if a != path else path + ".part" for a in argv]
            subprocess.run(tmp_argv, check=True, stdout=subprocess.DEVNULL)
            os.replace(path + ".part", path)

        for n in (s["map"], s["small_map"]):
            make(self.map(n), [emtools, "phantom", self.map(n), "--size", str(n), "--angpix", str(ANGPIX),
                               "--noise", "0.05"])
            for mode in ("int16", "float16"):
                make(self.map(n, mode), [emtools, "convert", self.map(n), self.map(n, mode), "--mode", mode, "--rescale"])
        for n in s["halves"]:
            for k, seed in ((1, 11), (2, 22)):
                make(self.half(n, k), [emtools, "phantom", self.half(n, k), "--size", str(n), "--angpix", str(ANGPIX),
                                       "--noise", "0.5", "--seed", str(seed)])
            make(self.mask(n), [python, os.path.join(HERE, "make_mask.py"), str(n), str(ANGPIX), self.mask(n)])
        for rows in s["rows"]:
            make(self.particles(rows), [sys.executable, os.path.join(HERE, "make_particles.py"), str(rows),
                                        self.particles(rows)])
