#include "bare_linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

int bare_covariance_eigen(double *x, int rows, int cols, double *values) {
    double *c = calloc((size_t)cols * cols, sizeof(double)), *m = calloc(cols, sizeof(double));
    if (!c || !m) { free(c); free(m); return -1; }
    // Two sequential passes over the rows: column sums, then subtract the means.
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) m[j] += x[(size_t)i * cols + j];
    for (int j = 0; j < cols; j++) m[j] /= rows;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) x[(size_t)i * cols + j] -= m[j];
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, 1.0 / (rows - 1), x, cols, 0.0, c, cols);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', cols, c, cols, values);
    free(c);
    free(m);
    return info;
}

int bare_covariance_eigen_calls(const double *x, int rows, int cols, double *values) {
    double *c = calloc((size_t)cols * cols, sizeof(double));
    if (!c) return -1;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, 1.0 / (rows - 1), x, cols, 0.0, c, cols);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', cols, c, cols, values);
    free(c);
    return info;
}

int bare_symmetric_eigen(const double *a, int n, double *values) {
    double *z = malloc(sizeof(double) * (size_t)n * n);
    if (!z) return -1;
    memcpy(z, a, sizeof(double) * (size_t)n * n);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, z, n, values);
    free(z);
    return info;
}
