// Single-precision FFTW3 with its thread layer (Debian: libfftw3-dev).
#include <fftw3.h>
