// Small SIMD kernels that Swift cannot express portably: the instruction set is chosen at run time, so one
// binary uses F16C on CPUs that have it and stays correct (scalar code) on those that do not.
#ifndef C_KERNELS_H
#define C_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Convert `count` IEEE half-precision values at `src` (any alignment; byte-swapped first when `swap` is
/// non-zero) to single precision at `dst`. Exact for every value: zeros, subnormals, infinities and NaNs keep
/// their sign (a signalling NaN may come back quiet, as the hardware converts it). Uses the F16C instruction
/// `vcvtph2ps` (8 values per instruction) when the CPU has it, else branch-free scalar code.
void emt_half_to_float(const void *src, float *dst, size_t count, int swap);

/// 1 when `emt_half_to_float` runs on F16C, 0 when it runs the scalar code (for tests and docs).
int emt_half_to_float_uses_f16c(void);

/// Convert `count` signed 16-bit integers at `src` (any alignment; byte-swapped first when `swap` is non-zero)
/// to single precision at `dst` (exact). AVX2 when the CPU has it, else scalar code.
void emt_int16_to_float(const void *src, float *dst, size_t count, int swap);

/// Statistics of one block of `count` floats (at most a few thousand, so the second pass reads from L1), as
/// `VolumeStatistics.ofBlock` computes them: minimum and maximum skipping NaN (+inf/-inf when all are NaN),
/// the mean from lane sums in single precision added in double, and M2 = Σ (x − mean)² the same way (NaN in
/// the data makes mean and M2 NaN). Runs on AVX2 and returns 1; returns 0 and writes nothing when the CPU
/// has no AVX2 (the caller then uses its own code).
int emt_block_statistics(const float *x, size_t count, float *min, float *max, double *mean, double *m2);

/// 1 when `emt_block_statistics` can run (the CPU has AVX2).
int emt_has_avx2(void);

/// Running exact moments of signed 16-bit data: minimum, maximum, Σx and Σx² (start with min = INT32_MAX,
/// max = INT32_MIN, sums 0). Σx² fits 64 bits for up to 2³³ voxels.
struct emt_int16_moments {
    int32_t min, max;
    int64_t sum;
    uint64_t sum_squares;
};

/// Add `count` signed 16-bit values at `src` (any alignment; byte-swapped first when `swap` is non-zero) to
/// `m`, in integer arithmetic (exact). AVX2 when the CPU has it, else scalar code.
void emt_int16_moments(const void *src, size_t count, int swap, struct emt_int16_moments *m);

/// Grey levels of `count` floats: floor((v − low) · scale + 0.5) clamped to 0…top (top ≤ 255 for the 8-bit
/// form, ≤ 65535 for the 16-bit one); NaN gives 0. Infinities clamp to 0 or top. Vectorised (SSE2 baseline).
void emt_quantize_u8(const float *src, uint8_t *dst, size_t count, float low, float scale, float top);
void emt_quantize_u16(const float *src, uint16_t *dst, size_t count, float low, float scale, float top);

/// Maximum-intensity projection step: `dst[i] = src[i]` where `dst[i] < src[i]`, for `count` floats (`src` at
/// any alignment). A NaN in `src` is skipped; `dst` never becomes NaN unless it starts so. Vectorised
/// (`maxps`; SSE2 baseline).
void emt_fold_max(float *dst, const void *src, size_t count);

/// The largest of `count` floats at `src` (any alignment), skipping NaN; -inf when `count` is 0 or all are
/// NaN. Vectorised, 8 lanes.
float emt_max_of(const void *src, size_t count);

#endif
