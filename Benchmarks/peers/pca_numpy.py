"""Peer of `emtools pca TABLE.star --columns …`: the table read with starfile-rs (or starfile), then numpy's
covariance and eigh (LAPACK syevd through numpy's BLAS).

Usage: pca_numpy.py TABLE.star COL1,COL2,…
"""
import sys

import numpy as np

path, columns = sys.argv[1], sys.argv[2].split(",")
try:
    import starfile_rs
    table = starfile_rs.read_star(path)["particles"].trust_loop().to_polars().select(columns).to_numpy()
except ImportError:
    import starfile
    table = starfile.read(path, always_dict=True)["particles"][columns].to_numpy()
x = np.asarray(table, dtype=np.float64)
x -= x.mean(axis=0)
cov = x.T @ x / (len(x) - 1)
values, vectors = np.linalg.eigh(cov)
values = values[::-1]
print("explained", values / values.sum())
