// The packed GEMM's layout and dispatch: W [n × k] packed once into KC × NR panels (NR 32 or 16 by variant), A packed per block, and the
// CPU variant chosen at run time (gemm_avx512.c, gemm_avx2.c, gemm_neon.c). Every variant accumulates each output in the same
// order (bias, then k = 0, 1, ... with one FMA each), so they give bit-identical results.
#include "TesseraKernels.h"
#include "gemm_internal.h"

// Panel width of the packed weights for the running variant: 32 columns for AVX-512 (two zmm), 16 for AVX2 (two
// ymm; a 32-wide panel's half would use only every other L1 set).
static size_t tk_gemm_panel_width(void) { return tk_kernel_level() == 1 ? 16 : TK_NR; }

size_t tk_packed_weights_size(size_t n, size_t k) {
    size_t nr = tk_gemm_panel_width();
    return tk_gemm_ceil_div(k, TK_KC) * tk_gemm_ceil_div(n, nr) * (size_t)TK_KC * nr;
}

size_t tk_gemm_workspace_size(void) { return (size_t)TK_MC * TK_KC; }

void tk_pack_weights(const float *w, size_t n, size_t k, float *packed) {
    size_t nr = tk_gemm_panel_width();
    size_t panels = tk_gemm_ceil_div(n, nr);
    size_t blocks = tk_gemm_ceil_div(k, TK_KC);
    for (size_t pc = 0; pc < blocks; pc++) {
        size_t k0 = pc * TK_KC;
        size_t kc = k - k0 < TK_KC ? k - k0 : TK_KC;
        for (size_t jp = 0; jp < panels; jp++) {
            float *dst = packed + (pc * panels + jp) * (size_t)TK_KC * nr;
            for (size_t kk = 0; kk < TK_KC; kk++) {
                for (size_t j = 0; j < nr; j++) {
                    size_t row = jp * nr + j;
                    dst[kk * nr + j] = (kk < kc && row < n) ? w[row * k + k0 + kk] : 0.0f;
                }
            }
        }
    }
}

int tk_gemm_packed_available(void) {
#if defined(__x86_64__)
    return tk_kernel_level() >= 1;
#elif defined(__aarch64__) && !defined(__APPLE__)
    return tk_kernel_level() >= 1;
#else
    return 0;
#endif
}

int tk_gemm_packed(const float *a, size_t lda, const float *packed, const float *bias,
                   size_t m, size_t n, size_t k, float *c, size_t ldc, float *work) {
#if defined(__x86_64__)
    switch (tk_kernel_level()) {
    case 2: tk_gemm_avx512(a, lda, packed, bias, m, n, k, c, ldc, work); return 1;
    case 1: tk_gemm_avx2(a, lda, packed, bias, m, n, k, c, ldc, work); return 1;
    default: break;
    }
#elif defined(__aarch64__) && !defined(__APPLE__)
    if (tk_kernel_level() >= 1) { tk_gemm_neon(a, lda, packed, bias, m, n, k, c, ldc, work); return 1; }
#endif
    (void)a; (void)lda; (void)packed; (void)bias; (void)m; (void)n; (void)k; (void)c; (void)ldc; (void)work;
    return 0;
}
