"""Write an n³ soft spherical mask (1 inside radius n/4, raised-cosine edge n/8 voxels wide, 0 outside).

Needs numpy and mrcfile (the peers' environment). Usage: make_mask.py N ANGPIX OUT.mrc
"""
import sys

import mrcfile
import numpy as np

n, angpix, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
c = n / 2
z, y, x = np.ogrid[:n, :n, :n]
r = np.sqrt((x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2).astype(np.float32)
r0, edge = n / 4, n / 8
m = np.where(r <= r0, 1.0, np.where(r >= r0 + edge, 0.0, 0.5 + 0.5 * np.cos(np.pi * (r - r0) / edge)))
with mrcfile.new(out, overwrite=True) as f:
    f.set_data(m.astype(np.float32))
    f.voxel_size = angpix
