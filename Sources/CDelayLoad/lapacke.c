// LAPACKE (the C interface of LAPACK, which Debian backs with OpenBLAS), opened on first use.
#include <lapacke.h>

#include "CDelayLoad.h"

static struct delay_library lapacke = {.soname = "liblapacke.so.3", .package = "liblapacke"};

TRAMPOLINE lapack_int LAPACKE_dsyevd(int matrix_layout, char jobz, char uplo, lapack_int n, double *a,
                                     lapack_int lda, double *w) {
    return LAZY(lapacke, LAPACKE_dsyevd)(matrix_layout, jobz, uplo, n, a, lda, w);
}

TRAMPOLINE lapack_int LAPACKE_dsyevr(int matrix_layout, char jobz, char range, char uplo, lapack_int n, double *a,
                                     lapack_int lda, double vl, double vu, lapack_int il, lapack_int iu,
                                     double abstol, lapack_int *m, double *w, double *z, lapack_int ldz,
                                     lapack_int *isuppz) {
    return LAZY(lapacke, LAPACKE_dsyevr)(matrix_layout, jobz, range, uplo, n, a, lda, vl, vu, il, iu, abstol, m, w,
                                         z, ldz, isuppz);
}
