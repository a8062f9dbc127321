// OpenBLAS through its CBLAS interface (Debian: libopenblas-dev; cblas.h is the multiarch alternative in
// /usr/include/x86_64-linux-gnu). Declarations only: libopenblas.so.0 is opened on first use by the trampolines in
// CDelayLoad/openblas.c.
#include <cblas.h>

/// Number of threads OpenBLAS uses (declared by OpenBLAS, not by the generic cblas.h).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
