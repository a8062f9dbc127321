"""numpy.linalg.eigh of an N×N random symmetric matrix (seeded), for the bare LAPACK comparison.

Usage: eigh_numpy.py N
"""
import sys

import numpy as np

n = int(sys.argv[1])
a = np.random.default_rng(3).standard_normal((n, n))
a = a + a.T
values, vectors = np.linalg.eigh(a)
print("largest", values[-1])
