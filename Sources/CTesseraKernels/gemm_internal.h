// Shared by the packed GEMM's files: the blocking constants, the packing of A, and the CPU variants.
// W is packed once by tk_pack_weights into KC × NR panels: NR = 32 for the AVX-512 micro-kernel (12 rows × 2 zmm),
// 16 for the AVX2 and NEON ones (6 rows × 2 ymm, 6 rows × 4 q registers). The k blocking (KC) is the same, so both sum in the same order.
#ifndef TESSERA_GEMM_INTERNAL_H
#define TESSERA_GEMM_INTERNAL_H
#include <stddef.h>

#define TK_NR 32      // AVX-512 panel width
#define TK_NR2 16     // AVX2 panel width
#define TK_KC 256
#define TK_MC 96

static inline size_t tk_gemm_ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

/// Height of tile t of `tiles` near-equal tiles covering rows [start, mc) (25 rows at most 12: 9 + 8 + 8), so a
/// short input (a query) does not pay for zero rows.
static inline size_t tk_gemm_tile_rows(size_t mc, size_t tiles, size_t t, size_t start) { return (mc - start) / (tiles - t); }

/// Packs an mc × kc block of A into near-equal tiles of at most `mr` rows: tile of height R starting at row s is
/// stored at dst + s·kc as p[kk·R + i] = a[(s + i)·lda + kk]. Inlined into each variant so it is compiled for that
/// variant's instruction set.
static inline __attribute__((always_inline))
void tk_gemm_pack_a(const float *a, size_t lda, size_t mc, size_t kc, size_t mr, float *dst) {
    size_t tiles = tk_gemm_ceil_div(mc, mr), start = 0;
    for (size_t t = 0; t < tiles; t++) {
        size_t rows = tk_gemm_tile_rows(mc, tiles, t, start);
        float *p = dst + start * kc;
        for (size_t kk = 0; kk < kc; kk++)
            for (size_t i = 0; i < rows; i++) p[kk * rows + i] = a[(start + i) * lda + kk];
        start += rows;
    }
}

#if defined(__x86_64__)
void tk_gemm_avx512(const float *a, size_t lda, const float *packed, const float *bias,
                    size_t m, size_t n, size_t k, float *c, size_t ldc, float *work);
void tk_gemm_avx2(const float *a, size_t lda, const float *packed, const float *bias,
                  size_t m, size_t n, size_t k, float *c, size_t ldc, float *work);
#endif
#if defined(__aarch64__)
void tk_gemm_neon(const float *a, size_t lda, const float *packed, const float *bias,
                  size_t m, size_t n, size_t k, float *c, size_t ldc, float *work);
#endif
#endif
