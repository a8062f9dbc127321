// LAPACK through its C interface LAPACKE (Debian: liblapacke-dev, backed by OpenBLAS's LAPACK). Declarations only:
// liblapacke.so.3 is opened on first use by the trampolines in CDelayLoad/lapacke.c.
#include <lapacke.h>
