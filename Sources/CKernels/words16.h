// Shared by the kernels (not part of the module's interface): reading 16-bit words with an optional byte swap.
#ifndef C_KERNELS_WORDS16_H
#define C_KERNELS_WORDS16_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// The 16-bit word at `p` (any alignment), byte-swapped when `swap` is non-zero.
static inline uint16_t emt_load16(const uint8_t *p, int swap) {
    uint16_t w;
    memcpy(&w, p, 2);
    return swap ? (uint16_t)((w >> 8) | (w << 8)) : w;
}

#if defined(__x86_64__)
/// Eight 16-bit words at `p` (any alignment), each byte-swapped when `swap` is non-zero.
__attribute__((target("avx2"))) static inline __m128i emt_load8x16(const uint8_t *p, int swap) {
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    if (swap) h = _mm_shuffle_epi8(h, _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    return h;
}
#endif

#endif
