// Integer dot products for the built-in chat model's one-token-at-a-time matrix products: the input row is
// rounded to signed 8-bit values in blocks of 32 (one float scale each, as llama.cpp rounds it), and each
// weight row is multiplied block by block in integers, then scaled. AVX2 when the compiler targets it,
// plain C otherwise (same results up to float summation order).
#ifndef ZHIKU_KERNELS_H
#define ZHIKU_KERNELS_H

#include <stdint.h>

/// Rounds `n` floats (a multiple of 32) to int8 codes `q` with one scale per block of 32 in `d`
/// (d = max|x| / 127, q = round-half-even(x / d)); `sums` gets each block's float sum of x, `qsums` the sum of
/// its rounded values (d · Σq).
void zk_quantize_row_q8(const float *x, int n, int8_t *q, float *d, float *sums, float *qsums);

/// out[r] = Σ_b scale[r,b] · d[b] · Σ_j codes[r,b,j] · q[b,j] for r in [begin, end): int8 codes in blocks of 32.
void zk_rows_q8(int begin, int end, int blocks, const int8_t *codes, const float *scales,
                const int8_t *q, const float *d, float *out);

/// The same with one weight scale per group of 16 (two groups per input block).
void zk_rows_q8x16(int begin, int end, int blocks, const int8_t *codes, const float *scales,
                   const int8_t *q, const float *d, float *out);

/// 4-bit codes 0…15 in blocks of 32 (value j in the low nibble of byte j, j + 16 in its high nibble), each block
/// scale·code + minimum: out[r] = Σ_b scale · d[b] · Σ_j code · q + minimum · qsums[b].
void zk_rows_q4(int begin, int end, int blocks, const uint8_t *codes, const float *scales, const float *mins,
                const int8_t *q, const float *d, const float *qsums, float *out);

/// The same three products with a float32 input row, unrounded (for checks against float references): codes are
/// widened to float and multiplied in eight lanes.
void zk_rows_q8_f32(int begin, int end, int blocks, const int8_t *codes, const float *scales, const float *x, float *out);
void zk_rows_q8x16_f32(int begin, int end, int blocks, const int8_t *codes, const float *scales, const float *x, float *out);
void zk_rows_q4_f32(int begin, int end, int blocks, const uint8_t *codes, const float *scales, const float *mins,
                    const float *x, const float *sums, float *out);

#endif
