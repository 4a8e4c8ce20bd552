// Single-precision GEMM for the encoder's linear layers: C = A · Wᵀ (+ bias), W stored as PyTorch's
// [n × k] and packed once at load. AVX-512 micro-kernel of 12 × 32 (24 zmm accumulators), blocked so the
// packed weight panel (KC × 32) stays in L1 and the packed A block (MC × KC) in L2. One thread per call:
// Tessera parallelises over batches, never inside a GEMM.
#include "TesseraKernels.h"
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TK_MR 12

#define TK_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

// One R × 32 tile (R ≤ 12, a constant after inlining): c (R × cols valid) = [c +] ap · bp [+ bias].
TK_AVX512 static inline __attribute__((always_inline))
void tk_micro_rows(int R, size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                   size_t cols, int accumulate, const float *bias, const float *next) {
    __m512 acc[TK_MR][2];
    __m512 init0 = _mm512_setzero_ps(), init1 = _mm512_setzero_ps();
    __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32 ? 0xFFFF : (cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1) : 0);
    if (bias) {
        init0 = _mm512_maskz_loadu_ps(m0, bias);
        init1 = _mm512_maskz_loadu_ps(m1, bias + 16);
    }
    for (int i = 0; i < R; i++) { acc[i][0] = init0; acc[i][1] = init1; }
    for (size_t kk = 0; kk < kc; kk++) {
        __m512 b0 = _mm512_load_ps(bp + kk * TK_NR);
        __m512 b1 = _mm512_load_ps(bp + kk * TK_NR + 16);
        const float *av = ap + kk * (size_t)R;
        if (next) _mm_prefetch((const char *)(next + kk * TK_NR), _MM_HINT_T0), _mm_prefetch((const char *)(next + kk * TK_NR + 16), _MM_HINT_T0);
        for (int i = 0; i < R; i++) {
            __m512 x = _mm512_set1_ps(av[i]);
            acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *row = c + (size_t)i * ldc;
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
        }
        _mm512_mask_storeu_ps(row, m0, v0);
        _mm512_mask_storeu_ps(row + 16, m1, v1);
    }
}

TK_AVX512 static void tk_micro(size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                                size_t rows, size_t cols, int accumulate, const float *bias, const float *next) {
    switch (rows) {
#define TK_ROWS(R) case R: tk_micro_rows(R, kc, ap, bp, c, ldc, cols, accumulate, bias, next); break;
    TK_ROWS(1) TK_ROWS(2) TK_ROWS(3) TK_ROWS(4) TK_ROWS(5) TK_ROWS(6)
    TK_ROWS(7) TK_ROWS(8) TK_ROWS(9) TK_ROWS(10) TK_ROWS(11)
#undef TK_ROWS
    default: tk_micro_rows(TK_MR, kc, ap, bp, c, ldc, cols, accumulate, bias, next); break;
    }
}

TK_AVX512 void tk_gemm_avx512(const float *a, size_t lda, const float *packed, const float *bias,
                                      size_t m, size_t n, size_t k, float *c, size_t ldc, float *work) {
    tk_gemm_blocked(TK_MR, TK_NR, tk_micro, a, lda, packed, bias, m, n, k, c, ldc, work);
}
#endif
