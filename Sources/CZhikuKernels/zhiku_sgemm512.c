// A float32 matrix product on AVX-512 for the ONNX interpreter's convolutions and the encoders' linear layers:
// C += A·B with A and C row-major and B row-major or, for weights packed once at load, in panels of 64 columns. Debian's OpenBLAS runs its AVX2 kernels on processors it does not know (or is told to, where its
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
        // The OS saves SSE, AVX and the three AVX-512 register states; the CPU has AVX-512 F, BW and VL (every
        // AVX-512 processor since Skylake-SP).
        int os = (lo & 0xE6) == 0xE6;
        if (os && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 16)) && (b & (1u << 30)) && (b & (1u << 31))) ok = 1;  // F, BW, VL
    }
    avx512_state = ok;
    return ok;
}

__attribute__((target("avx512f,avx512bw,avx512vl"), always_inline)) static inline void block(
    const int rows, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, const __mmask16 *mask,
    const char *ahead) {
    __m512 acc[6][4];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = _mm512_maskz_loadu_ps(mask[q], c + r * ldc + 16 * q);
    for (int p = 0; p < k; p++) {
        const float *row = b + (long)p * ldb;
        if (ahead) {  // the next panel, 256 bytes per step, while this one is multiplied
            const char *line = ahead + (long)p * 256;
            _mm_prefetch(line, _MM_HINT_T0);
            _mm_prefetch(line + 64, _MM_HINT_T0);
            _mm_prefetch(line + 128, _MM_HINT_T0);
            _mm_prefetch(line + 192, _MM_HINT_T0);
        }
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

// The loop over C in blocks of 6 rows × 64 columns, k in slices whose 64-column panel of B (at most 32 KB) stays in
// the first-level cache across all rows. With half-precision B (`bh`), each panel is widened to float32 once into
// `panel` and every row block reads it from there, so the conversion is paid once per panel, not once per row block.
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void product(int m, int n, int k, const float *a, int lda, const float *b,
                                                       const uint16_t *bh, int ldb, float *c, int ldc, int panels) {
    float panel[128 * 64] __attribute__((aligned(64)));
    for (int j0 = 0; j0 < n; j0 += 64) {
        __mmask16 mask[4];
        for (int q = 0; q < 4; q++) {
            int left = n - j0 - 16 * q;
            mask[q] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
        }
        for (int k0 = 0; k0 < k; k0 += 128) {
            int kc = k - k0 < 128 ? k - k0 : 128;
            const float *bp;
            int ldp;
            if (bh) {
                for (int p = 0; p < kc; p++) {
                    const uint16_t *row = bh + (long)j0 * k + (long)(k0 + p) * 64;  // half floats come in panels only
                    _mm_prefetch((const char *)(row + kc * 64), _MM_HINT_T0);  // the same row of the next panel
                    _mm_prefetch((const char *)(row + kc * 64) + 64, _MM_HINT_T0);
                    for (int q = 0; q < 4; q++)
                        _mm512_store_ps(panel + p * 64 + 16 * q,
                                        _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask[q], row + 16 * q)));
                }
                bp = panel;
                ldp = 64;
            } else if (panels) {
                bp = b + (long)j0 * k + (long)k0 * 64;
                ldp = 64;
            } else {
                bp = b + (long)k0 * ldb + j0;
                ldp = ldb;
            }
            // Packed float32 panels lie in the order they are used: the first row block fetches the next panel
            // (its first kc · 256 bytes) into the cache as it goes, so the next one does not wait for memory.
            const char *next = panels && !bh && (long)j0 * k + (long)(k0 + kc) * 64 < (long)n * k ? (const char *)(bp + kc * 64) : 0;
            for (int i0 = 0; i0 < m; i0 += 6) {
                const float *ap = a + (long)i0 * lda + k0;
                float *cp = c + (long)i0 * ldc + j0;
                const char *ahead = i0 == 0 ? next : 0;
                switch (m - i0 < 6 ? m - i0 : 6) {
                case 6: block(6, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                case 5: block(5, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                case 4: block(4, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                case 3: block(3, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                case 2: block(2, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                default: block(1, kc, ap, lda, bp, ldp, cp, ldc, mask, ahead); break;
                }
            }
        }
    }
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) void zk_sgemm_avx512(int m, int n, int k, const float *a, int lda, const float *b,
                                                       int ldb, float *c, int ldc) {
    product(m, n, k, a, lda, b, 0, ldb, c, ldc, 0);
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) void zk_sgemm_panels_avx512(int m, int n, int k, const float *a, int lda,
                                                                       const float *b, float *c, int ldc) {
    product(m, n, k, a, lda, b, 0, 0, c, ldc, 1);
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) void zk_hgemm_panels_avx512(int m, int n, int k, const float *a, int lda,
                                                                       const uint16_t *b, float *c, int ldc) {
    product(m, n, k, a, lda, 0, b, 0, c, ldc, 1);
}

void zk_pack_panels_f32(const float *w, int rows, int columns, float *out) {
    // out[(j / 64)·columns·64 + i·64 + j % 64] = w[j·columns + i]: weight row j is output column j.
    long padded = (rows + 63) / 64 * 64;
    for (long j = 0; j < padded; j++)
        for (long i = 0; i < columns; i++)
            out[(j / 64) * columns * 64 + i * 64 + j % 64] = j < rows ? w[j * columns + i] : 0;
}

__attribute__((target("avx,f16c"))) void zk_pack_panels_f16(const float *w, int rows, int columns, uint16_t *out) {
    long padded = (rows + 63) / 64 * 64;
    float line[64] __attribute__((aligned(32)));
    for (long j0 = 0; j0 < padded; j0 += 64)
        for (long i = 0; i < columns; i++) {
            for (long j = 0; j < 64; j++) line[j] = j0 + j < rows ? w[(j0 + j) * columns + i] : 0;
            for (int q = 0; q < 8; q++)
                _mm_storeu_si128((__m128i *)(out + j0 * columns + i * 64 + 8 * q),
                                 _mm256_cvtps_ph(_mm256_load_ps(line + 8 * q), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        }
}
#else
int zk_avx512_available(void) { return 0; }
void zk_sgemm_avx512(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
}
void zk_sgemm_panels_avx512(int m, int n, int k, const float *a, int lda, const float *b, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)c; (void)ldc;
}
void zk_hgemm_panels_avx512(int m, int n, int k, const float *a, int lda, const uint16_t *b, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)c; (void)ldc;
}
void zk_pack_panels_f32(const float *w, int rows, int columns, float *out) {
    (void)w; (void)rows; (void)columns; (void)out;
}
void zk_pack_panels_f16(const float *w, int rows, int columns, uint16_t *out) {
    (void)w; (void)rows; (void)columns; (void)out;
}
#endif
