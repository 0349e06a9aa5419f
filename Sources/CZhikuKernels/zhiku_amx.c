// Matrix products on Intel AMX tiles for prompt processing: activations and dequantized weights rounded to
// bfloat16, products summed in float32 by TDPBF16PS. Everything that needs the AMX instruction set is compiled for
// it per function, and only called after zk_amx_available() said the CPU and kernel allow it.
#include "zhiku_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ZK_ARCH_REQ_XCOMP_PERM 0x1023
#define ZK_XFEATURE_XTILEDATA 18

static int amx_state = -1;

int zk_amx_available(void) {
    if (amx_state >= 0) return amx_state;
    int ok = 0;
    const char *setting = getenv("ZHIKU_AMX");
    unsigned a, b, c, d;
    if (!(setting && strcmp(setting, "off") == 0) && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        int tile = (d >> 24) & 1, bf16 = (d >> 22) & 1;
        // The kernel keeps tile state off until a process asks for it (Linux 5.16+).
        if (tile && bf16 && syscall(SYS_arch_prctl, ZK_ARCH_REQ_XCOMP_PERM, ZK_XFEATURE_XTILEDATA) == 0) ok = 1;
    }
    amx_state = ok;
    return ok;
}
#else
int zk_amx_available(void) { return 0; }
#endif

// Round to nearest even (the weights and activations here are finite).
static inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7FFF + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

void zk_amx_pack_a(const float *x, int rows, int padded_rows, int k, uint16_t *out) {
    // Tile order: every 16 rows × 32 columns contiguous (1 KB), so a tile load reads one run of memory instead of
    // 16 lines a row apart (which land in a few cache sets when rows are a power-of-two multiple apart).
    const int kb = k / 32;
    for (int mb = 0; mb < padded_rows / 16; mb++)
        for (int j = 0; j < kb; j++) {
            uint16_t *dst = out + ((size_t)mb * kb + j) * 512;
            for (int r = 0; r < 16; r++) {
                int row = mb * 16 + r;
                if (row < rows) {
                    const float *src = x + (size_t)row * k + j * 32;
                    for (int i = 0; i < 32; i++) dst[r * 32 + i] = to_bf16(src[i]);
                } else {
                    memset(dst + r * 32, 0, 32 * sizeof(uint16_t));
                }
            }
        }
}

// One 16 × 32 block of weights (floats, row-major in `tile`) into B-tile order: out[p][n][0/1] = tile[n][2p + 0/1].
static inline void store_block(const float tile[16][32], uint16_t *out) {
    for (int p = 0; p < 16; p++)
        for (int n = 0; n < 16; n++) {
            out[p * 32 + n * 2] = to_bf16(tile[n][2 * p]);
            out[p * 32 + n * 2 + 1] = to_bf16(tile[n][2 * p + 1]);
        }
}

void zk_amx_pack_b_f32(const float *w, int row0, int rows, int k, uint16_t *out) {
    const int kb = k / 32;
    float tile[16][32];
    for (int nb = 0; nb < rows / 16; nb++)
        for (int b = 0; b < kb; b++) {
            for (int n = 0; n < 16; n++) memcpy(tile[n], w + (size_t)(row0 + nb * 16 + n) * k + b * 32, 32 * sizeof(float));
            store_block((const float (*)[32])tile, out + ((size_t)nb * kb + b) * 512);
        }
}

void zk_amx_pack_b_s8(const int8_t *codes, const float *scales, int group, int row0, int rows, int k, uint16_t *out) {
    const int kb = k / 32, groups = k / group;
    float tile[16][32];
    for (int nb = 0; nb < rows / 16; nb++)
        for (int b = 0; b < kb; b++) {
            for (int n = 0; n < 16; n++) {
                size_t row = (size_t)(row0 + nb * 16 + n);
                const int8_t *c = codes + row * k + b * 32;
                const float *s = scales + row * groups + (b * 32) / group;
                if (group == 32) {
                    for (int j = 0; j < 32; j++) tile[n][j] = (float)c[j] * s[0];
                } else {
                    for (int j = 0; j < 16; j++) tile[n][j] = (float)c[j] * s[0];
                    for (int j = 16; j < 32; j++) tile[n][j] = (float)c[j] * s[1];
                }
            }
            store_block((const float (*)[32])tile, out + ((size_t)nb * kb + b) * 512);
        }
}

void zk_amx_pack_b_q4(const uint8_t *codes, const float *scales, const float *mins, int row0, int rows, int k, uint16_t *out) {
    const int kb = k / 32;
    float tile[16][32];
    for (int nb = 0; nb < rows / 16; nb++)
        for (int b = 0; b < kb; b++) {
            for (int n = 0; n < 16; n++) {
                size_t block = (size_t)(row0 + nb * 16 + n) * kb + b;
                const uint8_t *c = codes + block * 16;
                const float d = scales[block], m = mins[block];
                for (int j = 0; j < 16; j++) {
                    tile[n][j] = (float)(c[j] & 0x0F) * d + m;
                    tile[n][j + 16] = (float)(c[j] >> 4) * d + m;
                }
            }
            store_block((const float (*)[32])tile, out + ((size_t)nb * kb + b) * 512);
        }
}

#if defined(__x86_64__)
struct zk_tile_config {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} __attribute__((packed));

// Tile t to or from `c` (row stride ldc) when only its first `valid` rows exist there (the last rows of a prompt).
__attribute__((target("amx-tile")))
static void store_partial(int t, int valid, float *c, int ldc) {
    float tmp[16 * 16];
    switch (t) {
    case 0: _tile_stored(0, tmp, 64); break;
    case 1: _tile_stored(1, tmp, 64); break;
    case 2: _tile_stored(2, tmp, 64); break;
    default: _tile_stored(3, tmp, 64); break;
    }
    for (int r = 0; r < valid; r++) memcpy(c + (size_t)r * ldc, tmp + r * 16, 16 * sizeof(float));
}

__attribute__((target("amx-tile")))
static void load_partial(int t, int valid, const float *c, int ldc) {
    float tmp[16 * 16];
    memset(tmp, 0, sizeof tmp);
    for (int r = 0; r < valid; r++) memcpy(tmp + r * 16, c + (size_t)r * ldc, 16 * sizeof(float));
    switch (t) {
    case 0: _tile_loadd(0, tmp, 64); break;
    case 1: _tile_loadd(1, tmp, 64); break;
    case 2: _tile_loadd(2, tmp, 64); break;
    default: _tile_loadd(3, tmp, 64); break;
    }
}

// Accumulator tiles 0–3 (rows m…m+31, columns n…n+31) to or from c: zeroed on the first pass over k, reloaded on
// later ones.
__attribute__((target("amx-tile")))
static void load_accumulators(int first, int rows, int m, float *c, int ldc) {
    if (first) {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        return;
    }
    float *c0 = c + (size_t)m * ldc, *c1 = c0 + (size_t)16 * ldc;
    int valid0 = rows - m, valid1 = rows - m - 16;
    if (valid0 >= 16) {
        _tile_loadd(0, c0, ldc * sizeof(float));
        _tile_loadd(1, c0 + 16, ldc * sizeof(float));
    } else {
        load_partial(0, valid0, c0, ldc);
        load_partial(1, valid0, c0 + 16, ldc);
    }
    if (valid1 >= 16) {
        _tile_loadd(2, c1, ldc * sizeof(float));
        _tile_loadd(3, c1 + 16, ldc * sizeof(float));
    } else {
        _tile_zero(2);
        _tile_zero(3);
        if (valid1 > 0) {
            load_partial(2, valid1, c1, ldc);
            load_partial(3, valid1, c1 + 16, ldc);
        }
    }
}

__attribute__((target("amx-tile")))
static void store_accumulators(int rows, int m, float *c, int ldc) {
    float *c0 = c + (size_t)m * ldc, *c1 = c0 + (size_t)16 * ldc;
    int valid0 = rows - m, valid1 = rows - m - 16;
    if (valid0 >= 16) {
        _tile_stored(0, c0, ldc * sizeof(float));
        _tile_stored(1, c0 + 16, ldc * sizeof(float));
    } else if (valid0 > 0) {
        store_partial(0, valid0, c0, ldc);
        store_partial(1, valid0, c0 + 16, ldc);
    }
    if (valid1 >= 16) {
        _tile_stored(2, c1, ldc * sizeof(float));
        _tile_stored(3, c1 + 16, ldc * sizeof(float));
    } else if (valid1 > 0) {
        store_partial(2, valid1, c1, ldc);
        store_partial(3, valid1, c1 + 16, ldc);
    }
}

__attribute__((target("amx-tile,amx-bf16")))
void zk_amx_gemm(int rows, int padded_rows, int columns, int k, const uint16_t *a, const uint16_t *b, float *c, int ldc) {
    struct zk_tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = 16;
        config.bytes_per_row[t] = 64;
    }
    _tile_loadconfig(&config);
    const int kb = k / 32;
    // The inner dimension in chunks of at most 48 tile columns (1 536 values), and the rows in panels of 320: a
    // panel's activations for one chunk (960 KB) stay in the core's L2 cache while every weight column passes,
    // and a column pair's weights for the chunk (96 KB) while every row pair of the panel passes. Partial sums
    // go back to `c` between chunks.
    const int chunk = 48, panel = 320;
    for (int k0 = 0; k0 < kb; k0 += chunk) {
        const int k1 = k0 + chunk < kb ? k0 + chunk : kb;
        for (int m0 = 0; m0 < padded_rows; m0 += panel) {
            const int m_end = m0 + panel < padded_rows ? m0 + panel : padded_rows;
            for (int n = 0; n < columns; n += 32) {
                const uint16_t *b0 = b + (size_t)(n / 16) * kb * 512, *b1 = b0 + (size_t)kb * 512;
                for (int m = m0; m < m_end; m += 32) {
                    const uint16_t *a0 = a + (size_t)(m / 16) * kb * 512, *a1 = a0 + (size_t)kb * 512;
                    load_accumulators(k0 == 0, rows, m, c + n, ldc);
                    for (int j = k0; j < k1; j++) {
                        _tile_loadd(4, a0 + (size_t)j * 512, 64);
                        _tile_loadd(5, a1 + (size_t)j * 512, 64);
                        _tile_loadd(6, b0 + (size_t)j * 512, 64);
                        _tile_loadd(7, b1 + (size_t)j * 512, 64);
                        _tile_dpbf16ps(0, 4, 6);
                        _tile_dpbf16ps(1, 4, 7);
                        _tile_dpbf16ps(2, 5, 6);
                        _tile_dpbf16ps(3, 5, 7);
                    }
                    store_accumulators(rows, m, c + n, ldc);
                }
            }
        }
    }
    _tile_release();
}
#else
void zk_amx_gemm(int rows, int padded_rows, int columns, int k, const uint16_t *a, const uint16_t *b, float *c, int ldc) {
    (void)rows; (void)padded_rows; (void)columns; (void)k; (void)a; (void)b; (void)c; (void)ldc;
    abort();  // zk_amx_available() is 0 here: never called
}
#endif
