// AVX2 + FMA variant of the packed GEMM (C = A · Wᵀ + bias): a 6 × 16 micro-kernel (12 ymm accumulators, two
// weight vectors, one broadcast: 15 of the 16 registers) over weight panels 16 columns wide. A panel (KC × 16
// floats = 16 KB, half of a 32 KB L1) stays in L1 while the row tiles of an MC block (in L2) pass over it. Same
// accumulation order as the AVX-512 variant. Full tiles use plain loads and stores: AMD's masked ymm stores are
// microcoded and slow.
#include "TesseraKernels.h"
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TK_AVX2 __attribute__((target("avx2,fma")))
#define TK_MR2 6

// Lane masks for the first `n` of 8 lanes (n ≤ 8).
TK_AVX2 static inline __m256i tk_lanes(size_t n) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), idx);
}

// One R × 16 tile (R ≤ 6, a constant after inlining) of a panel whose rows are TK_NR2 floats apart; A packed by
// tk_gemm_pack_a (reading A in place instead measured 10-20 % slower).
TK_AVX2 static inline __attribute__((always_inline))
void tk_micro2_rows(int R, size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                    size_t cols, int accumulate, const float *bias, const float *next) {
    __m256 acc[TK_MR2][2];
    __m256i m0 = tk_lanes(cols >= 8 ? 8 : cols), m1 = tk_lanes(cols >= 16 ? 8 : (cols > 8 ? cols - 8 : 0));
    const int whole = cols == 16;
    __m256 init0 = _mm256_setzero_ps(), init1 = _mm256_setzero_ps();
    if (bias) {
        init0 = whole ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, m0);
        init1 = whole ? _mm256_loadu_ps(bias + 8) : _mm256_maskload_ps(bias + 8, m1);
    }
    for (int i = 0; i < R; i++) { acc[i][0] = init0; acc[i][1] = init1; }
    for (size_t kk = 0; kk < kc; kk++) {
        __m256 b0 = _mm256_load_ps(bp + kk * TK_NR2);
        __m256 b1 = _mm256_load_ps(bp + kk * TK_NR2 + 8);
        const float *av = ap + kk * (size_t)R;
        if (next) _mm_prefetch((const char *)(next + kk * TK_NR2), _MM_HINT_T0);
        for (int i = 0; i < R; i++) {
            __m256 x = _mm256_broadcast_ss(av + i);
            acc[i][0] = _mm256_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < R; i++) {
        float *row = c + (size_t)i * ldc;
        __m256 v0 = acc[i][0], v1 = acc[i][1];
        if (whole) {
            if (accumulate) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, v0);
            _mm256_storeu_ps(row + 8, v1);
            continue;
        }
        if (accumulate) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(row, m0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(row + 8, m1));
        }
        _mm256_maskstore_ps(row, m0, v0);
        _mm256_maskstore_ps(row + 8, m1, v1);
    }
}

TK_AVX2 static void tk_micro2(size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                              size_t rows, size_t cols, int accumulate, const float *bias, const float *next) {
    switch (rows) {
#define TK_ROWS(R) case R: tk_micro2_rows(R, kc, ap, bp, c, ldc, cols, accumulate, bias, next); break;
    TK_ROWS(1) TK_ROWS(2) TK_ROWS(3) TK_ROWS(4) TK_ROWS(5)
#undef TK_ROWS
    default: tk_micro2_rows(TK_MR2, kc, ap, bp, c, ldc, cols, accumulate, bias, next); break;
    }
}

TK_AVX2 void tk_gemm_avx2(const float *a, size_t lda, const float *packed, const float *bias,
                          size_t m, size_t n, size_t k, float *c, size_t ldc, float *work) {
    tk_gemm_blocked(TK_MR2, TK_NR2, tk_micro2, a, lda, packed, bias, m, n, k, c, ldc, work);
}
#endif
