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

// ---- Vector search: int8 copies of stored vectors ----

/// out[r] = Σ_j codes[r·n + j] · q[j] for r in [begin, end), in 32-bit integers; `n` a multiple of 32 and every
/// code and q value in −127…127 (so pairs of products fit in 16 bits).
void zk_dot_rows_i8(int begin, int end, int n, const int8_t *codes, const int8_t *q, int32_t *out);

// ---- Matrix products on Intel AMX tiles (bfloat16 inputs, float32 sums), for prompts (zhiku_amx.c) ----

/// 1 when the CPU has AMX tiles with bfloat16 products and the kernel lets this process use them (asked once;
/// `ZHIKU_AMX=off` in the environment forces 0), else 0.
int zk_amx_available(void);

/// Rows of activations as bfloat16 for ``zk_amx_gemm``: `rows` rows of `k` floats into `padded_rows` rows
/// (rows past `rows` are zero), in A-tile order (every 16 rows × 32 columns contiguous).
void zk_amx_pack_a(const float *x, int rows, int padded_rows, int k, uint16_t *out);

/// Weight rows [row0, row0 + rows) of a `k`-column matrix as bfloat16 in AMX B-tile order: for every 16 rows and
/// every 32 columns, a block of 16 × 16 pairs (pair p of row n = columns 2p, 2p + 1). `rows` and `k` are multiples
/// of 16 and 32. The sources: float32 rows; signed 8-bit codes with one scale per `group` (32 or 16) values;
/// 4-bit codes in blocks of 32 (value j in the low nibble of byte j, j + 16 in the high one) with scale and minimum.
void zk_amx_pack_b_f32(const float *w, int row0, int rows, int k, uint16_t *out);
void zk_amx_pack_b_s8(const int8_t *codes, const float *scales, int group, int row0, int rows, int k, uint16_t *out);
void zk_amx_pack_b_q4(const uint8_t *codes, const float *scales, const float *mins, int row0, int rows, int k, uint16_t *out);

/// c[m, n] = Σ_k a[m, k] · w[n, k] for m < rows, n < columns: `a` from ``zk_amx_pack_a`` (`padded_rows` a
/// multiple of 32), `b` from a ``zk_amx_pack_b_f32`` family call for `columns` rows of w (a multiple of 32);
/// `c` has row stride `ldc` floats.
void zk_amx_gemm(int rows, int padded_rows, int columns, int k, const uint16_t *a, const uint16_t *b, float *c, int ldc);

/// Whether the CPU and the operating system run AVX-512 (F, BW, VL) code.
int zk_avx512_available(void);

/// c[m×n] += a[m×k] · b[k×n], all row-major with the given leading dimensions, on AVX-512 (call only after
/// zk_avx512_available() returned 1).
void zk_sgemm_avx512(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc);

/// c[m×n] += a[m×k] · B with B packed by ``zk_pack_panels_f32`` (float32) or ``zk_pack_panels_f16`` (IEEE half,
/// widened a cache-sized panel at a time) from a weight matrix of n' ≥ n rows; `b` may point at any panel (a
/// multiple of 64 output columns in).
void zk_sgemm_panels_avx512(int m, int n, int k, const float *a, int lda, const float *b, float *c, int ldc);
void zk_hgemm_panels_avx512(int m, int n, int k, const float *a, int lda, const uint16_t *b, float *c, int ldc);

/// PyTorch's [rows × columns] weights (rows = output features) as the panels the products above read: for every
/// 64 output features, `columns` rows of 64 values (out[(j / 64)·columns·64 + i·64 + j % 64] = w[j·columns + i]),
/// the last panel padded with zeros; `out` holds ⌈rows / 64⌉·64·columns values. The half-precision copy rounds to
/// nearest even (needs F16C).
void zk_pack_panels_f32(const float *w, int rows, int columns, float *out);
void zk_pack_panels_f16(const float *w, int rows, int columns, uint16_t *out);

/// Whether the CPU and the operating system run AVX2, FMA and F16C code (zhiku_panels_avx2.c).
int zk_avx2_available(void);

/// The packed-panel products above on AVX2 and FMA (half floats widened with F16C), for CPUs without AVX-512.
void zk_sgemm_panels_avx2(int m, int n, int k, const float *a, int lda, const float *b, float *c, int ldc);
void zk_hgemm_panels_avx2(int m, int n, int k, const float *a, int lda, const uint16_t *b, float *c, int ldc);

#endif
