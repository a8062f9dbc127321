// Maximum-intensity projection kernels (see CKernels.h). Plain loops the compiler turns into maxps: Swift's
// generic pointwiseMax on SIMD8<Float> was not inlined (one call per 8 floats), making --max 2.4x slower
// than the sum.
#include "CKernels.h"

#include <math.h>
#include <string.h>

void emt_fold_max(float *dst, const void *src, size_t count) {
    const unsigned char *s = src;
    for (size_t i = 0; i < count; i++) {
        float v;
        memcpy(&v, s + 4 * i, 4);
        dst[i] = dst[i] < v ? v : dst[i];
    }
}

float emt_max_of(const void *src, size_t count) {
    const unsigned char *s = src;
    float lane[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        for (int k = 0; k < 8; k++) {
            float v;
            memcpy(&v, s + 4 * (i + k), 4);
            lane[k] = lane[k] < v ? v : lane[k];
        }
    }
    float m = -INFINITY;
    for (int k = 0; k < 8; k++) m = m < lane[k] ? lane[k] : m;
    for (; i < count; i++) {
        float v;
        memcpy(&v, s + 4 * i, 4);
        m = m < v ? v : m;
    }
    return m;
}
