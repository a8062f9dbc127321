// OpenBLAS through its CBLAS interface (Debian: libopenblas-dev; cblas.h is found through openblas.pc).
#include <cblas.h>

/// Number of threads OpenBLAS uses (declared by OpenBLAS, not by the generic cblas.h).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
