// NEON variant of the packed GEMM (AArch64 Linux; Apple platforms use Accelerate): a 6 × 16 micro-kernel with 24
// of the 32 q registers as accumulators, over the same 16-wide weight panels as the AVX2 variant, and the same
// accumulation order (bias, then one fused multiply-add per k within a KC block), so its outputs are bit-identical
// to the x86 variants'.
#include "TesseraKernels.h"
#include "gemm_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define TK_MR3 6

// One R × 16 tile (R ≤ 6, a constant after inlining); `cols` ≤ 16 valid output columns.
static inline __attribute__((always_inline))
void tk_micro3_rows(int R, size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                    size_t cols, int accumulate, const float *bias) {
    float32x4_t acc[TK_MR3][4];
    float32x4_t init[4];
    float edge[16];
    if (bias) {
        if (cols == 16) for (int v = 0; v < 4; v++) init[v] = vld1q_f32(bias + 4 * v);
        else {
            for (size_t j = 0; j < 16; j++) edge[j] = j < cols ? bias[j] : 0.0f;
            for (int v = 0; v < 4; v++) init[v] = vld1q_f32(edge + 4 * v);
        }
    } else {
        for (int v = 0; v < 4; v++) init[v] = vdupq_n_f32(0.0f);
    }
    for (int i = 0; i < R; i++) for (int v = 0; v < 4; v++) acc[i][v] = init[v];
    for (size_t kk = 0; kk < kc; kk++) {
        const float *b = bp + kk * TK_NR2;
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        const float *av = ap + kk * (size_t)R;
        for (int i = 0; i < R; i++) {
            float32x4_t x = vld1q_dup_f32(av + i);
            acc[i][0] = vfmaq_f32(acc[i][0], x, b0);
            acc[i][1] = vfmaq_f32(acc[i][1], x, b1);
            acc[i][2] = vfmaq_f32(acc[i][2], x, b2);
            acc[i][3] = vfmaq_f32(acc[i][3], x, b3);
        }
    }
    for (int i = 0; i < R; i++) {
        float *row = c + (size_t)i * ldc;
        if (cols == 16) {
            for (int v = 0; v < 4; v++) {
                float32x4_t r = acc[i][v];
                if (accumulate) r = vaddq_f32(r, vld1q_f32(row + 4 * v));
                vst1q_f32(row + 4 * v, r);
            }
            continue;
        }
        for (int v = 0; v < 4; v++) vst1q_f32(edge + 4 * v, acc[i][v]);
        for (size_t j = 0; j < cols; j++) row[j] = accumulate ? edge[j] + row[j] : edge[j];
    }
}

static void tk_micro3(size_t kc, const float *restrict ap, const float *restrict bp, float *c, size_t ldc,
                      size_t rows, size_t cols, int accumulate, const float *bias, const float *next) {
    (void)next;  // the hardware prefetchers of ARM cores follow the panel stream
    switch (rows) {
#define TK_ROWS(R) case R: tk_micro3_rows(R, kc, ap, bp, c, ldc, cols, accumulate, bias); break;
    TK_ROWS(1) TK_ROWS(2) TK_ROWS(3) TK_ROWS(4) TK_ROWS(5)
#undef TK_ROWS
    default: tk_micro3_rows(TK_MR3, kc, ap, bp, c, ldc, cols, accumulate, bias); break;
    }
}

void tk_gemm_neon(const float *a, size_t lda, const float *packed, const float *bias,
                  size_t m, size_t n, size_t k, float *c, size_t ldc, float *work) {
    tk_gemm_blocked(TK_MR3, TK_NR2, tk_micro3, a, lda, packed, bias, m, n, k, c, ldc, work);
}
#endif
