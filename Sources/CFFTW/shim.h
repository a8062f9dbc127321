// Single-precision FFTW3 with its thread layer (Debian: libfftw3-dev). Declarations only: libfftw3f.so.3 and
// libfftw3f_threads.so.3 are opened on first use by the trampolines in CDelayLoad/fftw.c.
#include <fftw3.h>
