// The packed-panel product of zhiku_sgemm512.c for processors with AVX2 and FMA but no AVX-512 (most desktop and
// many server CPUs): the same weights, packed once into panels of 64 output columns, read in order, the next panel
// fetched while one is multiplied; blocks of 6 rows by 16 columns stay in 12 registers while k runs. Half-float
// panels are widened with F16C a cache-sized slice at a time. Compiled for those features per function and only
// called after zk_avx2_available().
#include "zhiku_kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

static int avx2_state = -1;

int zk_avx2_available(void) {
    if (avx2_state >= 0) return avx2_state;
    int ok = 0;
    unsigned a, b, c, d;
    // FMA (12), OSXSAVE (27), AVX (28), F16C (29), then the OS saving SSE and AVX state, then AVX2.
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 12)) && (c & (1u << 27)) && (c & (1u << 28)) && (c & (1u << 29))) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5))) ok = 1;
    }
    avx2_state = ok;
    return ok;
}

// C[rows × cols] += A[rows × k] · B, B a slice of a panel (ld 64, 16 columns read); `cols` ≤ 16 of them are kept.
__attribute__((target("avx2,fma"), always_inline)) static inline void block(
    const int rows, int k, const float *a, int lda, const float *b, float *c, int ldc, int cols, const char *ahead) {
    __m256 acc[6][2];
    float spill[6][16];
    for (int r = 0; r < rows; r++) {
        if (cols == 16) {
            acc[r][0] = _mm256_loadu_ps(c + r * ldc);
            acc[r][1] = _mm256_loadu_ps(c + r * ldc + 8);
        } else {
            memset(spill[r], 0, sizeof spill[r]);
            memcpy(spill[r], c + r * ldc, (size_t)cols * sizeof(float));
            acc[r][0] = _mm256_loadu_ps(spill[r]);
            acc[r][1] = _mm256_loadu_ps(spill[r] + 8);
        }
    }
    for (int p = 0; p < k; p++) {
        const float *row = b + (long)p * 64;
        if (ahead) _mm_prefetch(ahead + (long)p * 256, _MM_HINT_T0);
        __m256 b0 = _mm256_loadu_ps(row), b1 = _mm256_loadu_ps(row + 8);
        for (int r = 0; r < rows; r++) {
            __m256 x = _mm256_broadcast_ss(a + (long)r * lda + p);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        if (cols == 16) {
            _mm256_storeu_ps(c + r * ldc, acc[r][0]);
            _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
        } else {
            _mm256_storeu_ps(spill[r], acc[r][0]);
            _mm256_storeu_ps(spill[r] + 8, acc[r][1]);
            memcpy(c + r * ldc, spill[r], (size_t)cols * sizeof(float));
        }
    }
}

__attribute__((target("avx2,fma,f16c"))) static void product(int m, int n, int k, const float *a, int lda, const float *b,
                                                            const uint16_t *bh, float *c, int ldc) {
    float panel[128 * 64] __attribute__((aligned(32)));
    for (int j0 = 0; j0 < n; j0 += 64) {
        for (int k0 = 0; k0 < k; k0 += 128) {
            int kc = k - k0 < 128 ? k - k0 : 128;
            const float *bp;
            const char *next = 0;
            if (bh) {
                const uint16_t *slice = bh + (long)j0 * k + (long)k0 * 64;
                for (int i = 0; i < kc * 64; i += 8) {
                    if (i % 32 == 0) _mm_prefetch((const char *)(slice + kc * 64 + i), _MM_HINT_T0);
                    _mm256_store_ps(panel + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(slice + i))));
                }
                bp = panel;
            } else {
                bp = b + (long)j0 * k + (long)k0 * 64;
                // The panels lie in the order they are used: the first row block of each 16-column group fetches
                // its quarter of the next slice.
                if ((long)j0 * k + (long)(k0 + kc) * 64 < (long)n * k) next = (const char *)(bp + kc * 64);
            }
            for (int g = 0; g < 4 && j0 + 16 * g < n; g++) {
                int cols = n - j0 - 16 * g < 16 ? n - j0 - 16 * g : 16;
                for (int i0 = 0; i0 < m; i0 += 6) {
                    const float *ap = a + (long)i0 * lda + k0;
                    float *cp = c + (long)i0 * ldc + j0 + 16 * g;
                    const char *ahead = i0 == 0 && next ? next + 64 * g : 0;
                    switch (m - i0 < 6 ? m - i0 : 6) {
                    case 6: block(6, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    case 5: block(5, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    case 4: block(4, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    case 3: block(3, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    case 2: block(2, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    default: block(1, kc, ap, lda, bp + 16 * g, cp, ldc, cols, ahead); break;
                    }
                }
            }
        }
    }
}

__attribute__((target("avx2,fma,f16c"))) void zk_sgemm_panels_avx2(int m, int n, int k, const float *a, int lda,
                                                                  const float *b, float *c, int ldc) {
    product(m, n, k, a, lda, b, 0, c, ldc);
}

__attribute__((target("avx2,fma,f16c"))) void zk_hgemm_panels_avx2(int m, int n, int k, const float *a, int lda,
                                                                  const uint16_t *b, float *c, int ldc) {
    product(m, n, k, a, lda, 0, b, c, ldc);
}
#else
int zk_avx2_available(void) { return 0; }
void zk_sgemm_panels_avx2(int m, int n, int k, const float *a, int lda, const float *b, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)c; (void)ldc;
}
void zk_hgemm_panels_avx2(int m, int n, int k, const float *a, int lda, const uint16_t *b, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)c; (void)ldc;
}
#endif
