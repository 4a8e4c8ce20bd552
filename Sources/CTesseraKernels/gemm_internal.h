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

/// A variant's micro-kernel: c (rows × cols valid, rows ≤ its MR) = [c +] ap · bp [+ bias] over kc values of k;
/// `next` is the next weight panel to prefetch, or NULL.
typedef void (*tk_gemm_micro_fn)(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, size_t rows,
                                 size_t cols, int accumulate, const float *bias, const float *next);

/// The blocked loop every variant shares (k blocks of KC, A blocks of MC rows packed into tiles of at most `mr`
/// rows, weight panels of `nr` columns, the first tile of each panel prefetching the next). Inlined into each
/// variant's entry point, so `micro` is a direct call compiled for that variant.
static inline __attribute__((always_inline))
void tk_gemm_blocked(size_t mr, size_t nr, tk_gemm_micro_fn micro, const float *a, size_t lda, const float *packed,
                     const float *bias, size_t m, size_t n, size_t k, float *c, size_t ldc, float *work) {
    size_t panels = tk_gemm_ceil_div(n, nr);
    size_t blocks = tk_gemm_ceil_div(k, TK_KC);
    for (size_t pc = 0; pc < blocks; pc++) {
        size_t k0 = pc * TK_KC;
        size_t kc = k - k0 < TK_KC ? k - k0 : TK_KC;
        for (size_t ic = 0; ic < m; ic += TK_MC) {
            size_t mc = m - ic < TK_MC ? m - ic : TK_MC;
            tk_gemm_pack_a(a + ic * lda + k0, lda, mc, kc, mr, work);
            for (size_t jp = 0; jp < panels; jp++) {
                const float *bp = packed + (pc * panels + jp) * (size_t)TK_KC * nr;
                size_t j0 = jp * nr;
                size_t cols = n - j0 < nr ? n - j0 : nr;
                size_t tiles = tk_gemm_ceil_div(mc, mr), ip = 0;
                for (size_t t = 0; t < tiles; t++) {
                    size_t rows = tk_gemm_tile_rows(mc, tiles, t, ip);
                    const float *next = t == 0 && jp + 1 < panels ? bp + (size_t)TK_KC * nr : NULL;
                    micro(kc, work + ip * kc, bp, c + (ic + ip) * ldc + j0, ldc, rows, cols, pc > 0,
                          pc == 0 && bias ? bias + j0 : NULL, next);
                    ip += rows;
                }
            }
        }
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
