// OpenBLAS (CBLAS and its thread count), opened on first use.
#include <cblas.h>

#include "CDelayLoad.h"

static struct delay_library openblas = {.soname = "libopenblas.so.0", .package = "libopenblas0"};

TRAMPOLINE void cblas_dgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE transA,
                            const enum CBLAS_TRANSPOSE transB, const blasint m, const blasint n, const blasint k,
                            const double alpha, const double *a, const blasint lda, const double *b,
                            const blasint ldb, const double beta, double *c, const blasint ldc) {
    LAZY(openblas, cblas_dgemm)(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

TRAMPOLINE void cblas_dsyrk(const enum CBLAS_ORDER order, const enum CBLAS_UPLO uplo,
                            const enum CBLAS_TRANSPOSE trans, const blasint n, const blasint k, const double alpha,
                            const double *a, const blasint lda, const double beta, double *c, const blasint ldc) {
    LAZY(openblas, cblas_dsyrk)(order, uplo, trans, n, k, alpha, a, lda, beta, c, ldc);
}

TRAMPOLINE void openblas_set_num_threads(int num_threads) { LAZY(openblas, openblas_set_num_threads)(num_threads); }

TRAMPOLINE int openblas_get_num_threads(void) { return LAZY(openblas, openblas_get_num_threads)(); }
