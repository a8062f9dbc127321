"""Peer of `emtools stats`: min, max, mean and RMS of a map with mrcfile + numpy.

Best configuration: mrcfile.mmap (no copy of the file), float64 accumulation as `emtools stats` does.
Usage: mrc_stats.py MAP
"""
import sys

import mrcfile
import numpy as np

with mrcfile.mmap(sys.argv[1], mode="r", permissive=True) as m:
    d = m.data
    print(sys.argv[1], d.min(), d.max(), d.mean(dtype=np.float64), d.std(dtype=np.float64), d.size, sep="\t")
