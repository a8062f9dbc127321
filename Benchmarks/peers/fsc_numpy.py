"""Peer of `emtools fsc H1 H2`: numpy rfftn of both half-maps (float32) and shell sums by Fourier radius.

Prints the resolution where the FSC first falls below 0.143. Usage: fsc_numpy.py H1 H2 [MASK]
"""
import sys

import mrcfile
import numpy as np


def load(path, mask=None):
    with mrcfile.open(path, permissive=True) as m:
        d = np.asarray(m.data, dtype=np.float32)
        angpix = float(m.voxel_size.x)
    return (d * mask if mask is not None else d), angpix


mask = load(sys.argv[3])[0] if len(sys.argv) > 3 else None
a, angpix = load(sys.argv[1], mask)
b, _ = load(sys.argv[2], mask)
n = a.shape[0]
fa = np.fft.rfftn(a)
fb = np.fft.rfftn(b)
del a, b
kz = np.fft.fftfreq(n) * n
ky = kz
kx = np.arange(n // 2 + 1)
r = np.sqrt(kz[:, None, None] ** 2 + ky[None, :, None] ** 2 + kx[None, None, :] ** 2)
shell = np.rint(r).astype(np.int32).ravel()
shells = n // 2 + 1
keep = shell < shells
shell = shell[keep]
fa = fa.ravel()[keep]
fb = fb.ravel()[keep]
num = np.bincount(shell, weights=(fa * np.conj(fb)).real, minlength=shells)
d1 = np.bincount(shell, weights=(fa.real ** 2 + fa.imag ** 2), minlength=shells)
d2 = np.bincount(shell, weights=(fb.real ** 2 + fb.imag ** 2), minlength=shells)
fsc = num / np.sqrt(d1 * d2)
below = np.nonzero(fsc[1:] < 0.143)[0]
s = below[0] + 1 if below.size else shells - 1
print("resolution_0.143", n * angpix / s)
