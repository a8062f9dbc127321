// Grey levels for pictures: level = floor((v − low) · scale + 0.5) clamped to 0…top, NaN → 0.
//
// Written in C because Swift's SIMD float → integer conversion is not vectorised on the x86-64 baseline
// (each lane goes through a generic conversion), while C's truncating cast becomes SSE2's cvttps2dq.
// Clamping before the cast makes truncation the floor (the value is then non-negative).
#include "CKernels.h"

#define QUANTIZE(name, type)                                                                       \
    void name(const float *src, type *dst, size_t count, float low, float scale, float top) {     \
        for (size_t i = 0; i < count; i++) {                                                       \
            float v = src[i];                                                                      \
            float q = (v - low) * scale + 0.5f;                                                    \
            q = q > 0.0f ? q : 0.0f;                                                               \
            q = q < top ? q : top;                                                                 \
            dst[i] = v == v ? (type)(int32_t)q : 0;                                                \
        }                                                                                          \
    }

QUANTIZE(emt_quantize_u8, uint8_t)
QUANTIZE(emt_quantize_u16, uint16_t)
