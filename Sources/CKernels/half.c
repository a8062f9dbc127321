#include "CKernels.h"
#include "words16.h"

/// One half → float, bit-exact: exponent and mantissa shifted into place and rescaled by 2^112 (which also
/// handles subnormals); infinities and NaNs get the all-ones exponent with the payload kept; the sign copied.
static inline float half_to_float(uint16_t h) {
    uint32_t w = h, sign = (w & 0x8000u) << 16, magnitude = w & 0x7fffu, shifted = magnitude << 13, bits;
    float f;
    memcpy(&f, &shifted, 4);
    f *= 0x1p112f;
    memcpy(&bits, &f, 4);
    if (magnitude >= 0x7c00u) bits = shifted | 0x7f800000u;
    bits |= sign;
    memcpy(&f, &bits, 4);
    return f;
}

static void scalar(const uint8_t *src, float *dst, size_t count, int swap) {
    for (size_t i = 0; i < count; i++) dst[i] = half_to_float(emt_load16(src + 2 * i, swap));
}

#if defined(__x86_64__)
__attribute__((target("avx2,f16c"))) static void f16c(const uint8_t *src, float *dst, size_t count, int swap) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(emt_load8x16(src + 2 * i, swap)));
    scalar(src + 2 * i, dst + i, count - i, swap);
}

static int has_f16c(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("f16c") && emt_has_avx2();
    }
    return known;
}
#endif

int emt_half_to_float_uses_f16c(void) {
#if defined(__x86_64__)
    return has_f16c();
#else
    return 0;
#endif
}

void emt_half_to_float(const void *src, float *dst, size_t count, int swap) {
#if defined(__x86_64__)
    if (has_f16c()) { f16c(src, dst, count, swap); return; }
#endif
    scalar(src, dst, count, swap);
}
