"""Peer of `emtools project MAP --axis z`: numpy sum along z, percentile contrast (0.5–99.5 %), 8-bit PNG (Pillow).

Usage: project_png.py MAP OUT.png
"""
import sys

import mrcfile
import numpy as np
from PIL import Image

with mrcfile.mmap(sys.argv[1], mode="r", permissive=True) as m:
    image = m.data.sum(axis=0, dtype=np.float32)
lo, hi = np.percentile(image, [0.5, 99.5])
scaled = np.clip((image - lo) / max(hi - lo, 1e-30), 0, 1)
Image.fromarray((scaled[::-1] * 255 + 0.5).astype(np.uint8), mode="L").save(sys.argv[2])
