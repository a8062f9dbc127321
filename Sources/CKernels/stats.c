#include "CKernels.h"
#include "words16.h"

#include <math.h>

static void int16_scalar(const uint8_t *src, float *dst, size_t count, int swap) {
    for (size_t i = 0; i < count; i++) dst[i] = (float)(int16_t)emt_load16(src + 2 * i, swap);
}

#if defined(__x86_64__)

static int avx2(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2");
    }
    return known;
}

__attribute__((target("avx2"))) static float hmin(__m256 v) {
    float l[8];
    _mm256_storeu_ps(l, v);
    float m = l[0];
    for (int i = 1; i < 8; i++) m = l[i] < m ? l[i] : m;
    return m;
}

__attribute__((target("avx2"))) static float hmax(__m256 v) {
    float l[8];
    _mm256_storeu_ps(l, v);
    float m = l[0];
    for (int i = 1; i < 8; i++) m = l[i] > m ? l[i] : m;
    return m;
}

__attribute__((target("avx2"))) static float hsum(__m256 v) {
    float l[8];
    _mm256_storeu_ps(l, v);
    return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

// _mm256_min_ps(v, acc) is (v < acc) ? v : acc, so a NaN in v keeps acc: NaN is skipped, as in ofBlock.
__attribute__((target("avx2"))) static void block(const float *x, size_t n, float *mn_out, float *mx_out,
                                                    double *mean_out, double *m2_out) {
    __m256 mn0 = _mm256_set1_ps(INFINITY), mn1 = mn0, mx0 = _mm256_set1_ps(-INFINITY), mx1 = mx0;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v = _mm256_loadu_ps(x + i), w = _mm256_loadu_ps(x + i + 8);
        mn0 = _mm256_min_ps(v, mn0); mx0 = _mm256_max_ps(v, mx0); s0 = _mm256_add_ps(s0, v);
        mn1 = _mm256_min_ps(w, mn1); mx1 = _mm256_max_ps(w, mx1); s1 = _mm256_add_ps(s1, w);
    }
    float mn = hmin(_mm256_min_ps(mn1, mn0)), mx = hmax(_mm256_max_ps(mx1, mx0));
    double sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float v = x[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sum += v;
    }
    double mean = sum / (double)n;
    __m256 vm = _mm256_set1_ps((float)mean), q0 = _mm256_setzero_ps(), q1 = q0;
    for (i = 0; i + 16 <= n; i += 16) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm), e = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm);
        q0 = _mm256_add_ps(q0, _mm256_mul_ps(d, d));
        q1 = _mm256_add_ps(q1, _mm256_mul_ps(e, e));
    }
    double m2 = hsum(_mm256_add_ps(q0, q1));
    for (; i < n; i++) { double d = (double)x[i] - mean; m2 += d * d; }
    *mn_out = mn; *mx_out = mx; *mean_out = mean; *m2_out = m2;
}

__attribute__((target("avx2"))) static void int16_avx2(const uint8_t *src, float *dst, size_t count, int swap) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(emt_load8x16(src + 2 * i, swap))));
    int16_scalar(src + 2 * i, dst + i, count - i, swap);
}
#endif

int emt_has_avx2(void) {
#if defined(__x86_64__)
    return avx2();
#else
    return 0;
#endif
}

int emt_block_statistics(const float *x, size_t count, float *min, float *max, double *mean, double *m2) {
#if defined(__x86_64__)
    if (count > 0 && avx2()) { block(x, count, min, max, mean, m2); return 1; }
#endif
    (void)x; (void)count; (void)min; (void)max; (void)mean; (void)m2;
    return 0;
}

void emt_int16_to_float(const void *src, float *dst, size_t count, int swap) {
#if defined(__x86_64__)
    if (avx2()) { int16_avx2(src, dst, count, swap); return; }
#endif
    int16_scalar(src, dst, count, swap);
}
