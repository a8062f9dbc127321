// Single-precision FFTW3 and its thread layer, opened on first use. libfftw3f_threads depends on libfftw3f, so
// both resolve to the same FFTW: the thread layer's planner hooks and the wisdom act on the plans made here.
#include <fftw3.h>

#include "CDelayLoad.h"

static struct delay_library fftw = {.soname = "libfftw3f.so.3", .package = "libfftw3-single3"};
static struct delay_library fftw_threads = {.soname = "libfftw3f_threads.so.3", .package = "libfftw3-single3"};

TRAMPOLINE int fftwf_init_threads(void) { return LAZY(fftw_threads, fftwf_init_threads)(); }

TRAMPOLINE void fftwf_plan_with_nthreads(int nthreads) { LAZY(fftw_threads, fftwf_plan_with_nthreads)(nthreads); }

TRAMPOLINE int fftwf_import_wisdom_from_filename(const char *filename) {
    return LAZY(fftw, fftwf_import_wisdom_from_filename)(filename);
}

TRAMPOLINE char *fftwf_export_wisdom_to_string(void) { return LAZY(fftw, fftwf_export_wisdom_to_string)(); }

TRAMPOLINE float *fftwf_alloc_real(size_t n) { return LAZY(fftw, fftwf_alloc_real)(n); }

TRAMPOLINE void fftwf_free(void *p) { LAZY(fftw, fftwf_free)(p); }

TRAMPOLINE int fftwf_alignment_of(float *p) { return LAZY(fftw, fftwf_alignment_of)(p); }

TRAMPOLINE fftwf_plan fftwf_plan_dft_r2c(int rank, const int *n, float *in, fftwf_complex *out, unsigned flags) {
    return LAZY(fftw, fftwf_plan_dft_r2c)(rank, n, in, out, flags);
}

TRAMPOLINE fftwf_plan fftwf_plan_dft_c2r(int rank, const int *n, fftwf_complex *in, float *out, unsigned flags) {
    return LAZY(fftw, fftwf_plan_dft_c2r)(rank, n, in, out, flags);
}

TRAMPOLINE void fftwf_execute_dft_r2c(const fftwf_plan p, float *in, fftwf_complex *out) {
    LAZY(fftw, fftwf_execute_dft_r2c)(p, in, out);
}

TRAMPOLINE void fftwf_execute_dft_c2r(const fftwf_plan p, fftwf_complex *in, float *out) {
    LAZY(fftw, fftwf_execute_dft_c2r)(p, in, out);
}

TRAMPOLINE void fftwf_destroy_plan(fftwf_plan p) { LAZY(fftw, fftwf_destroy_plan)(p); }
