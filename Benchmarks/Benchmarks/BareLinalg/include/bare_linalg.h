// The physical limits of EMCore's covariance and eigen-decomposition: the same OpenBLAS/LAPACKE calls with no
// Swift around them, for the linear-algebra benchmarks (LinalgBenchmarks.swift) to run beside EMCore's own.
#pragma once

/// Covariance of a rows × cols row-major table and its eigenvalues, the way a C programmer would write it:
/// centre the table in place (two passes over the rows, no copy), `cblas_dsyrk` (divided by rows − 1), `LAPACKE_dsyevd`
/// with vectors. Writes the cols eigenvalues (ascending, LAPACK's order) to `values`; returns LAPACK's info.
int bare_covariance_eigen(double *table, int rows, int cols, double *values);

/// Only the two library calls of `bare_covariance_eigen`, on a table already centred: `cblas_dsyrk` (divided
/// by rows − 1) and `LAPACKE_dsyevd` with vectors — the floor for any covariance + eigen-decomposition.
int bare_covariance_eigen_calls(const double *centred, int rows, int cols, double *values);

/// `LAPACKE_dsyevd` with vectors of a copy of the n × n symmetric matrix `a`, as numpy.linalg.eigh calls it.
/// Writes the n eigenvalues (ascending) to `values`; returns LAPACK's info.
int bare_symmetric_eigen(const double *a, int n, double *values);
