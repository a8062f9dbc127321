// LAPACK through its C interface LAPACKE (Debian: liblapacke-dev, backed by OpenBLAS's LAPACK).
#include <lapacke.h>
