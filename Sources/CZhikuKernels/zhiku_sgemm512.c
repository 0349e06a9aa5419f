// A float32 matrix product on AVX-512 for the ONNX interpreter's convolutions: C += A·B with every matrix
// row-major. Debian's OpenBLAS runs its AVX2 kernels on processors it does not know (or is told to, where its
// AVX-512 kernels are unsafe), so on an AVX-512 CPU these run twice as many lanes. Blocks of 6 rows of C by 64
// columns stay in 24 registers while k runs; B's 64-column panel is reread from cache for each block of rows.
// Everything that needs AVX-512 is compiled for it per function and only called after zk_avx512_available().
#include "zhiku_kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static int avx512_state = -1;

int zk_avx512_available(void) {
    if (avx512_state >= 0) return avx512_state;
    int ok = 0;
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27))) {  // OSXSAVE
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        // The OS saves SSE, AVX and the three AVX-512 register states.
        int os = (lo & 0xE6) == 0xE6;
        if (os && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 16))) ok = 1;
    }
    avx512_state = ok;
    return ok;
}

__attribute__((target("avx512f"), always_inline)) static inline void block(
    const int rows, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, const __mmask16 *mask) {
    __m512 acc[6][4];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_maskz_loadu_ps(mask[q], c + r * ldc + 16 * q);
    for (int p = 0; p < k; p++) {
        const float *row = b + (long)p * ldb;
        __m512 b0 = _mm512_maskz_loadu_ps(mask[0], row), b1 = _mm512_maskz_loadu_ps(mask[1], row + 16);
        __m512 b2 = _mm512_maskz_loadu_ps(mask[2], row + 32), b3 = _mm512_maskz_loadu_ps(mask[3], row + 48);
        for (int r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[(long)r * lda + p]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++) _mm512_mask_storeu_ps(c + r * ldc + 16 * q, mask[q], acc[r][q]);
}

__attribute__((target("avx512f"))) void zk_sgemm_avx512(int m, int n, int k, const float *a, int lda, const float *b,
                                                       int ldb, float *c, int ldc) {
    for (int j0 = 0; j0 < n; j0 += 64) {
        __mmask16 mask[4];
        for (int q = 0; q < 4; q++) {
            int left = n - j0 - 16 * q;
            mask[q] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
        }
        // k in slices whose 64-column panel of B (at most 32 KB) stays in the first-level cache across all rows.
        for (int k0 = 0; k0 < k; k0 += 128) {
            int kc = k - k0 < 128 ? k - k0 : 128;
            const float *bp = b + (long)k0 * ldb + j0;
            for (int i0 = 0; i0 < m; i0 += 6) {
                const float *ap = a + (long)i0 * lda + k0;
                float *cp = c + (long)i0 * ldc + j0;
                switch (m - i0 < 6 ? m - i0 : 6) {
                case 6: block(6, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                case 5: block(5, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                case 4: block(4, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                case 3: block(3, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                case 2: block(2, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                default: block(1, kc, ap, lda, bp, ldb, cp, ldc, mask); break;
                }
            }
        }
    }
}
#else
int zk_avx512_available(void) { return 0; }
void zk_sgemm_avx512(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
}
#endif
