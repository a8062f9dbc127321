// Exact statistics of signed 16-bit data in integer arithmetic: no conversion to float and no second pass.
#include "CKernels.h"
#include "words16.h"

static void int16_moments_scalar(const uint8_t *src, size_t count, int swap, struct emt_int16_moments *m) {
    for (size_t i = 0; i < count; i++) {
        int64_t v = (int16_t)emt_load16(src + 2 * i, swap);
        if (v < m->min) m->min = (int32_t)v;
        if (v > m->max) m->max = (int32_t)v;
        m->sum += v;
        m->sum_squares += (uint64_t)(v * v);
    }
}

#if defined(__x86_64__)
// 32 words per step: min/max in 16-bit lanes; vpmaddwd gives x² pair sums (≤ 2³¹, exact in 32 bits as
// unsigned), widened to 64 bits every step; the sum uses vpmaddwd with ones. Chunks of at most 2¹⁴ steps keep
// the 32-bit sum lanes (|x| ≤ 2¹⁵, four per lane per step) from overflowing.
__attribute__((target("avx2"))) static void int16_moments_avx2(const uint8_t *src, size_t count, int swap,
                                                                struct emt_int16_moments *m) {
    const __m256i ones = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
    __m256i mn = _mm256_set1_epi16(INT16_MAX), mx = _mm256_set1_epi16(INT16_MIN);
    __m256i sqa = zero, sqb = zero;   // two chains of 64-bit adds, 32 values per step
    int64_t sum = 0;
    size_t i = 0;
    while (i + 32 <= count) {
        size_t steps = (count - i) / 32;
        if (steps > (1u << 14)) steps = 1u << 14;
        __m256i s32 = zero;
        for (size_t k = 0; k < steps; k++, i += 32) {
            __m256i v = _mm256_set_m128i(emt_load8x16(src + 2 * (i + 8), swap), emt_load8x16(src + 2 * i, swap));
            __m256i w = _mm256_set_m128i(emt_load8x16(src + 2 * (i + 24), swap), emt_load8x16(src + 2 * (i + 16), swap));
            mn = _mm256_min_epi16(mn, _mm256_min_epi16(v, w));
            mx = _mm256_max_epi16(mx, _mm256_max_epi16(v, w));
            s32 = _mm256_add_epi32(s32, _mm256_add_epi32(_mm256_madd_epi16(v, ones), _mm256_madd_epi16(w, ones)));
            __m256i qv = _mm256_madd_epi16(v, v), qw = _mm256_madd_epi16(w, w);   // ≤ 2³¹ each: unsigned 32-bit
            sqa = _mm256_add_epi64(sqa, _mm256_add_epi64(_mm256_unpacklo_epi32(qv, zero), _mm256_unpackhi_epi32(qv, zero)));
            sqb = _mm256_add_epi64(sqb, _mm256_add_epi64(_mm256_unpacklo_epi32(qw, zero), _mm256_unpackhi_epi32(qw, zero)));
        }
        int32_t l[8];
        _mm256_storeu_si256((__m256i *)l, s32);
        for (int j = 0; j < 8; j++) sum += l[j];
    }
    __m256i sq64 = _mm256_add_epi64(sqa, sqb);
    int16_t a[16], b[16];
    uint64_t q[4];
    _mm256_storeu_si256((__m256i *)a, mn);
    _mm256_storeu_si256((__m256i *)b, mx);
    _mm256_storeu_si256((__m256i *)q, sq64);
    for (int j = 0; j < 16; j++) {
        if (a[j] < m->min) m->min = a[j];
        if (b[j] > m->max) m->max = b[j];
    }
    m->sum += sum;
    m->sum_squares += q[0] + q[1] + q[2] + q[3];
    int16_moments_scalar(src + 2 * i, count - i, swap, m);
}
#endif

void emt_int16_moments(const void *src, size_t count, int swap, struct emt_int16_moments *m) {
#if defined(__x86_64__)
    if (emt_has_avx2()) { int16_moments_avx2(src, count, swap, m); return; }
#endif
    int16_moments_scalar(src, count, swap, m);
}
