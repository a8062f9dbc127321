/* Physical limits of PCA with OpenBLAS + LAPACKE (threads from OPENBLAS_NUM_THREADS):
 *   table ROWS COLS : centre a seeded ROWS x COLS table, covariance with dsyrk, eigenvalues with dsyevd;
 *   eigh N          : dsyevd (vectors) of a seeded N x N symmetric matrix, as numpy.linalg.eigh does.
 * Prints the time of the BLAS/LAPACK calls alone and of the whole program. */
#include <cblas.h>
#include <lapacke.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static uint64_t state = 12345;
static double uniform(void) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv) {
    double t0 = now();
    if (argc == 4 && !strcmp(argv[1], "table")) {
        int rows = atoi(argv[2]), cols = atoi(argv[3]);
        double *x = malloc(sizeof(double) * rows * cols), *c = calloc(cols * cols, sizeof(double)), w[64];
        for (long i = 0; i < (long)rows * cols; i++) x[i] = uniform() * (1 + i % cols);
        double t1 = now();
        for (int j = 0; j < cols; j++) {
            double m = 0;
            for (int i = 0; i < rows; i++) m += x[(long)i * cols + j];
            m /= rows;
            for (int i = 0; i < rows; i++) x[(long)i * cols + j] -= m;
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, 1.0 / (rows - 1), x, cols, 0.0, c, cols);
        int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', cols, c, cols, w);
        double t2 = now();
        printf("table %dx%d info=%d calls=%.4f s total=%.4f s largest=%g\n", rows, cols, info, t2 - t1, t2 - t0, w[cols - 1]);
        return info != 0;
    }
    if (argc == 3 && !strcmp(argv[1], "eigh")) {
        int n = atoi(argv[2]);
        double *a = malloc(sizeof(double) * n * n), *w = malloc(sizeof(double) * n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) a[(long)i * n + j] = a[(long)j * n + i] = uniform() - 0.5;
        double t1 = now();
        int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
        double t2 = now();
        printf("eigh %d info=%d calls=%.4f s total=%.4f s largest=%g\n", n, info, t2 - t1, t2 - t0, w[n - 1]);
        return info != 0;
    }
    fprintf(stderr, "usage: blas_pca table ROWS COLS | blas_pca eigh N\n");
    return 2;
}
