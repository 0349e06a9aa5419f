#include "zhiku_kernels.h"

#include <math.h>
#include <string.h>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

static inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

// Eight int32 partial sums of 32 signed-by-signed byte products (|products| stay within int16 in pairs:
// 2 · 128 · 127 < 32768).
static inline __m256i dot_s8(__m256i w, __m256i x) {
    __m256i aw = _mm256_sign_epi8(w, w), sx = _mm256_sign_epi8(x, w);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), _mm256_set1_epi16(1));
}
#endif

void zk_quantize_row_q8(const float *x, int n, int8_t *q, float *d, float *sums, float *qsums) {
    for (int b = 0; b < n / 32; b++) {
        const float *xb = x + b * 32;
        float amax = 0, sum = 0;
        for (int j = 0; j < 32; j++) {
            float a = fabsf(xb[j]);
            amax = a > amax ? a : amax;
            sum += xb[j];
        }
        float scale = amax / 127.0f, inverse = scale > 0 ? 1.0f / scale : 0.0f;
        d[b] = scale;
        sums[b] = sum;
        int32_t total = 0;
        for (int j = 0; j < 32; j++) {
            q[b * 32 + j] = (int8_t)lrintf(xb[j] * inverse);
            total += q[b * 32 + j];
        }
        qsums[b] = scale * (float)total;
    }
}

void zk_rows_q8(int begin, int end, int blocks, const int8_t *codes, const float *scales,
                const int8_t *q, const float *d, float *out) {
    for (int r = begin; r < end; r++) {
        const int8_t *w = codes + (size_t)r * blocks * 32;
        const float *s = scales + (size_t)r * blocks;
#if defined(__AVX2__) && defined(__FMA__)
        __m256 acc = _mm256_setzero_ps();
        for (int b = 0; b < blocks; b++) {
            __m256i p = dot_s8(_mm256_loadu_si256((const __m256i *)(w + b * 32)), _mm256_loadu_si256((const __m256i *)(q + b * 32)));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(s[b] * d[b]), _mm256_cvtepi32_ps(p), acc);
        }
        out[r] = hsum(acc);
#else
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int j = 0; j < 32; j++) dot += (int32_t)w[b * 32 + j] * q[b * 32 + j];
            total += s[b] * d[b] * (float)dot;
        }
        out[r] = total;
#endif
    }
}

void zk_rows_q8x16(int begin, int end, int blocks, const int8_t *codes, const float *scales,
                   const int8_t *q, const float *d, float *out) {
    for (int r = begin; r < end; r++) {
        const int8_t *w = codes + (size_t)r * blocks * 32;
        const float *s = scales + (size_t)r * blocks * 2;
#if defined(__AVX2__) && defined(__FMA__)
        __m256 acc = _mm256_setzero_ps();
        for (int b = 0; b < blocks; b++) {
            __m256i p = dot_s8(_mm256_loadu_si256((const __m256i *)(w + b * 32)), _mm256_loadu_si256((const __m256i *)(q + b * 32)));
            // int32 lanes 0–3 hold bytes 0–15 (the first group), lanes 4–7 bytes 16–31.
            __m256 scale = _mm256_set_m128(_mm_set1_ps(s[2 * b + 1] * d[b]), _mm_set1_ps(s[2 * b] * d[b]));
            acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(p), acc);
        }
        out[r] = hsum(acc);
#else
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            for (int g = 0; g < 2; g++) {
                int32_t dot = 0;
                for (int j = 0; j < 16; j++) dot += (int32_t)w[b * 32 + g * 16 + j] * q[b * 32 + g * 16 + j];
                total += s[2 * b + g] * d[b] * (float)dot;
            }
        }
        out[r] = total;
#endif
    }
}

void zk_rows_q4(int begin, int end, int blocks, const uint8_t *codes, const float *scales, const float *mins,
                const int8_t *q, const float *d, const float *sums, float *out) {
    // `sums` here are the rounded input's block sums (qsums), so the offsets match the rounded products.
    for (int r = begin; r < end; r++) {
        const uint8_t *w = codes + (size_t)r * blocks * 16;
        const float *s = scales + (size_t)r * blocks, *m = mins + (size_t)r * blocks;
        float offsets = 0;
        for (int b = 0; b < blocks; b++) offsets += m[b] * sums[b];
#if defined(__AVX2__) && defined(__FMA__)
        const __m128i low = _mm_set1_epi8(0x0F);
        __m256 acc = _mm256_setzero_ps();
        for (int b = 0; b < blocks; b++) {
            __m128i packed = _mm_loadu_si128((const __m128i *)(w + b * 16));
            __m256i codes4 = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), low), _mm_and_si128(packed, low));
            __m256i x = _mm256_loadu_si256((const __m256i *)(q + b * 32));
            __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(codes4, x), _mm256_set1_epi16(1));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(s[b] * d[b]), _mm256_cvtepi32_ps(p), acc);
        }
        out[r] = hsum(acc) + offsets;
#else
        float total = 0;
        for (int b = 0; b < blocks; b++) {
            int32_t dot = 0;
            for (int j = 0; j < 16; j++) {
                dot += (int32_t)(w[b * 16 + j] & 0x0F) * q[b * 32 + j];
                dot += (int32_t)(w[b * 16 + j] >> 4) * q[b * 32 + j + 16];
            }
            total += s[b] * d[b] * (float)dot;
        }
        out[r] = total + offsets;
#endif
    }
}

// Float inputs: eight running lanes (vectorised by the compiler), the block scale applied per block.
void zk_rows_q8_f32(int begin, int end, int blocks, const int8_t *codes, const float *scales, const float *x, float *out) {
    for (int r = begin; r < end; r++) {
        const int8_t *w = codes + (size_t)r * blocks * 32;
        const float *s = scales + (size_t)r * blocks;
        float lanes[8] = {0};
        for (int b = 0; b < blocks; b++) {
            const int8_t *wb = w + b * 32;
            const float *xb = x + b * 32;
            for (int j = 0; j < 8; j++)
                lanes[j] += s[b] * ((float)wb[j] * xb[j] + (float)wb[j + 8] * xb[j + 8] + (float)wb[j + 16] * xb[j + 16]
                                    + (float)wb[j + 24] * xb[j + 24]);
        }
        out[r] = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }
}

void zk_rows_q8x16_f32(int begin, int end, int blocks, const int8_t *codes, const float *scales, const float *x, float *out) {
    int groups = blocks * 2;
    for (int r = begin; r < end; r++) {
        const int8_t *w = codes + (size_t)r * groups * 16;
        const float *s = scales + (size_t)r * groups;
        float lanes[8] = {0};
        for (int g = 0; g < groups; g++) {
            const int8_t *wg = w + g * 16;
            const float *xg = x + g * 16;
            for (int j = 0; j < 8; j++) lanes[j] += s[g] * ((float)wg[j] * xg[j] + (float)wg[j + 8] * xg[j + 8]);
        }
        out[r] = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    }
}

void zk_rows_q4_f32(int begin, int end, int blocks, const uint8_t *codes, const float *scales, const float *mins,
                    const float *x, const float *sums, float *out) {
    for (int r = begin; r < end; r++) {
        const uint8_t *w = codes + (size_t)r * blocks * 16;
        const float *s = scales + (size_t)r * blocks, *m = mins + (size_t)r * blocks;
        float lanes[8] = {0}, offsets = 0;
        for (int b = 0; b < blocks; b++) {
            const uint8_t *wb = w + b * 16;
            const float *xb = x + b * 32;
            for (int j = 0; j < 8; j++)
                lanes[j] += s[b] * ((float)(wb[j] & 0x0F) * xb[j] + (float)(wb[j] >> 4) * xb[j + 16]
                                    + (float)(wb[j + 8] & 0x0F) * xb[j + 8] + (float)(wb[j + 8] >> 4) * xb[j + 24]);
            offsets += m[b] * sums[b];
        }
        out[r] = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])) + offsets;
    }
}

void zk_dot_rows_i8(int begin, int end, int n, const int8_t *codes, const int8_t *q, int32_t *out) {
    int r = begin;
#if defined(__AVX2__) && defined(__FMA__)
    const __m256i ones = _mm256_set1_epi16(1);
    // Two rows at a time: the query's chunks are loaded once for both.
    for (; r + 1 < end; r += 2) {
        const int8_t *w0 = codes + (size_t)r * n, *w1 = w0 + n;
        __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
        for (int j = 0; j < n; j += 32) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(q + j));
            __m256i ax = _mm256_sign_epi8(x, x);  // |x| as unsigned bytes; x's sign moves onto the codes
            __m256i a = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(w0 + j)), x);
            __m256i b = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(w1 + j)), x);
            acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, a), ones));
            acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, b), ones));
        }
        __m128i s0 = _mm_add_epi32(_mm256_castsi256_si128(acc0), _mm256_extracti128_si256(acc0, 1));
        __m128i s1 = _mm_add_epi32(_mm256_castsi256_si128(acc1), _mm256_extracti128_si256(acc1, 1));
        __m128i h = _mm_hadd_epi32(s0, s1);
        h = _mm_hadd_epi32(h, h);  // lane 0: Σ s0, lane 1: Σ s1
        out[r] = _mm_cvtsi128_si32(h);
        out[r + 1] = _mm_extract_epi32(h, 1);
    }
#endif
    for (; r < end; r++) {
        const int8_t *w = codes + (size_t)r * n;
        int32_t total = 0;
        for (int j = 0; j < n; j++) total += (int32_t)w[j] * q[j];
        out[r] = total;
    }
}
