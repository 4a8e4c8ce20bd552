// Multi-head self-attention for one sequence and one head, over the sequence's real length only:
// out = softmax(scale · Q Kᵀ) V. AVX-512: eight query rows at a time (shared key and value loads), head size a
// multiple of 32; AVX2 and NEON: six rows at a time, head size a multiple of 16. Keys are transposed once per head
// into scratch so scores for a run of keys are one vector per head dimension.
#include "TesseraKernels.h"

#define TK_ROWS 8

size_t tk_attention_scratch_size(size_t len, size_t dh) {
    size_t padded = (len + 31) & ~(size_t)31;
    return dh * padded + TK_ROWS * padded;
}

// kt[d·padded + j] = k[j·ld + d] for j < len, zero up to `padded`: keys transposed so that scores for a run of
// keys are one vector per head dimension (every variant).
static void tk_transpose_keys(const float *k, size_t ld, size_t len, size_t dh, size_t padded, float *kt) {
    for (size_t d = 0; d < dh; d++) {
        float *row = kt + d * padded;
        for (size_t j = 0; j < len; j++) row[j] = k[j * ld + d];
        for (size_t j = len; j < padded; j++) row[j] = 0.0f;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TK_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))

TK_AVX512 static void tk_attention_avx512(const float *q, const float *k, const float *v, size_t ld, size_t len,
                                          size_t dh, float scale, float *out, size_t ldo, float *scratch) {
    size_t padded = (len + 31) & ~(size_t)31;
    float *kt = scratch;                 // [dh × padded], keys transposed
    float *s = scratch + dh * padded;    // [TK_ROWS × padded], scores then probabilities
    tk_transpose_keys(k, ld, len, dh, padded, kt);
    for (size_t i0 = 0; i0 < len; i0 += TK_ROWS) {
        size_t rows = len - i0 < TK_ROWS ? len - i0 : TK_ROWS;
        const float *qr[TK_ROWS];
        for (size_t r = 0; r < TK_ROWS; r++) qr[r] = q + (i0 + (r < rows ? r : 0)) * ld;
        // Scores: an 8 × 32 tile per step (16 accumulators), like a GEMM micro-kernel.
        for (size_t j = 0; j < padded; j += 32) {
            __m512 a0[TK_ROWS], a1[TK_ROWS];
#pragma clang loop unroll(full)
            for (int r = 0; r < TK_ROWS; r++) { a0[r] = _mm512_setzero_ps(); a1[r] = _mm512_setzero_ps(); }
            for (size_t d = 0; d < dh; d++) {
                __m512 k0 = _mm512_load_ps(kt + d * padded + j);
                __m512 k1 = _mm512_load_ps(kt + d * padded + j + 16);
#pragma clang loop unroll(full)
                for (int r = 0; r < TK_ROWS; r++) {
                    __m512 x = _mm512_set1_ps(qr[r][d]);
                    a0[r] = _mm512_fmadd_ps(x, k0, a0[r]);
                    a1[r] = _mm512_fmadd_ps(x, k1, a1[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) {
                _mm512_store_ps(s + r * padded + j, a0[r]);
                _mm512_store_ps(s + r * padded + j + 16, a1[r]);
            }
        }
        tk_softmax_rows(s, rows, len, padded, scale);
        for (size_t r = rows; r < TK_ROWS; r++)
            for (size_t j = 0; j < len; j++) s[r * padded + j] = 0.0f;
        // Values: out (8 × 32 per pass) += P (8 × len) · V (len × 32).
        for (size_t c = 0; c < dh; c += 32) {
            __m512 o0[TK_ROWS], o1[TK_ROWS];
#pragma clang loop unroll(full)
            for (int r = 0; r < TK_ROWS; r++) { o0[r] = _mm512_setzero_ps(); o1[r] = _mm512_setzero_ps(); }
            for (size_t j = 0; j < len; j++) {
                __m512 v0 = _mm512_loadu_ps(v + j * ld + c);
                __m512 v1 = _mm512_loadu_ps(v + j * ld + c + 16);
#pragma clang loop unroll(full)
                for (int r = 0; r < TK_ROWS; r++) {
                    __m512 p = _mm512_set1_ps(s[r * padded + j]);
                    o0[r] = _mm512_fmadd_ps(p, v0, o0[r]);
                    o1[r] = _mm512_fmadd_ps(p, v1, o1[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) {
                _mm512_storeu_ps(out + (i0 + r) * ldo + c, o0[r]);
                _mm512_storeu_ps(out + (i0 + r) * ldo + c + 16, o1[r]);
            }
        }
    }
}

#define TK_AVX2 __attribute__((target("avx2,fma")))
#define TK_ROWS2 6

// AVX2 + FMA: six query rows at a time, scores for 16 keys per step (12 ymm accumulators) and values 16 head
// dimensions per pass; head size a multiple of 16. Same transposed-key scratch as the AVX-512 variant.
TK_AVX2 static void tk_attention_avx2(const float *q, const float *k, const float *v, size_t ld, size_t len,
                                      size_t dh, float scale, float *out, size_t ldo, float *scratch) {
    size_t padded = (len + 31) & ~(size_t)31;
    float *kt = scratch;
    float *s = scratch + dh * padded;
    tk_transpose_keys(k, ld, len, dh, padded, kt);
    size_t keys = (len + 15) & ~(size_t)15;
    for (size_t i0 = 0; i0 < len; i0 += TK_ROWS2) {
        size_t rows = len - i0 < TK_ROWS2 ? len - i0 : TK_ROWS2;
        const float *qr[TK_ROWS2];
        for (size_t r = 0; r < TK_ROWS2; r++) qr[r] = q + (i0 + (r < rows ? r : 0)) * ld;
        for (size_t j = 0; j < keys; j += 16) {
            __m256 a0[TK_ROWS2], a1[TK_ROWS2];
#pragma clang loop unroll(full)
            for (int r = 0; r < TK_ROWS2; r++) { a0[r] = _mm256_setzero_ps(); a1[r] = _mm256_setzero_ps(); }
            for (size_t d = 0; d < dh; d++) {
                __m256 k0 = _mm256_load_ps(kt + d * padded + j);
                __m256 k1 = _mm256_load_ps(kt + d * padded + j + 8);
#pragma clang loop unroll(full)
                for (int r = 0; r < TK_ROWS2; r++) {
                    __m256 x = _mm256_broadcast_ss(qr[r] + d);
                    a0[r] = _mm256_fmadd_ps(x, k0, a0[r]);
                    a1[r] = _mm256_fmadd_ps(x, k1, a1[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) {
                _mm256_store_ps(s + r * padded + j, a0[r]);
                _mm256_store_ps(s + r * padded + j + 8, a1[r]);
            }
        }
        tk_softmax_rows(s, rows, len, padded, scale);
        for (size_t r = rows; r < TK_ROWS2; r++)
            for (size_t j = 0; j < len; j++) s[r * padded + j] = 0.0f;
        for (size_t c = 0; c < dh; c += 16) {
            __m256 o0[TK_ROWS2], o1[TK_ROWS2];
#pragma clang loop unroll(full)
            for (int r = 0; r < TK_ROWS2; r++) { o0[r] = _mm256_setzero_ps(); o1[r] = _mm256_setzero_ps(); }
            for (size_t j = 0; j < len; j++) {
                __m256 v0 = _mm256_loadu_ps(v + j * ld + c);
                __m256 v1 = _mm256_loadu_ps(v + j * ld + c + 8);
#pragma clang loop unroll(full)
                for (int r = 0; r < TK_ROWS2; r++) {
                    __m256 p = _mm256_broadcast_ss(s + r * padded + j);
                    o0[r] = _mm256_fmadd_ps(p, v0, o0[r]);
                    o1[r] = _mm256_fmadd_ps(p, v1, o1[r]);
                }
            }
            for (size_t r = 0; r < rows; r++) {
                _mm256_storeu_ps(out + (i0 + r) * ldo + c, o0[r]);
                _mm256_storeu_ps(out + (i0 + r) * ldo + c + 8, o1[r]);
            }
        }
    }
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
#define TK_ROWS3 6

// NEON: six query rows at a time, scores for 16 keys per step (24 q accumulators), values 16 head dimensions per
// pass; head size a multiple of 16. Same transposed-key scratch as the x86 variants.
static void tk_attention_neon(const float *q, const float *k, const float *v, size_t ld, size_t len, size_t dh,
                              float scale, float *out, size_t ldo, float *scratch) {
    size_t padded = (len + 31) & ~(size_t)31;
    float *kt = scratch;
    float *s = scratch + dh * padded;
    tk_transpose_keys(k, ld, len, dh, padded, kt);
    size_t keys = (len + 15) & ~(size_t)15;
    for (size_t i0 = 0; i0 < len; i0 += TK_ROWS3) {
        size_t rows = len - i0 < TK_ROWS3 ? len - i0 : TK_ROWS3;
        const float *qr[TK_ROWS3];
        for (size_t r = 0; r < TK_ROWS3; r++) qr[r] = q + (i0 + (r < rows ? r : 0)) * ld;
        for (size_t j = 0; j < keys; j += 16) {
            float32x4_t a[TK_ROWS3][4];
            for (int r = 0; r < TK_ROWS3; r++) for (int u = 0; u < 4; u++) a[r][u] = vdupq_n_f32(0.0f);
            for (size_t d = 0; d < dh; d++) {
                const float *kr = kt + d * padded + j;
                float32x4_t k0 = vld1q_f32(kr), k1 = vld1q_f32(kr + 4), k2 = vld1q_f32(kr + 8), k3 = vld1q_f32(kr + 12);
                for (int r = 0; r < TK_ROWS3; r++) {
                    float32x4_t x = vld1q_dup_f32(qr[r] + d);
                    a[r][0] = vfmaq_f32(a[r][0], x, k0); a[r][1] = vfmaq_f32(a[r][1], x, k1);
                    a[r][2] = vfmaq_f32(a[r][2], x, k2); a[r][3] = vfmaq_f32(a[r][3], x, k3);
                }
            }
            for (size_t r = 0; r < rows; r++) for (int u = 0; u < 4; u++) vst1q_f32(s + r * padded + j + 4 * u, a[r][u]);
        }
        tk_softmax_rows(s, rows, len, padded, scale);
        for (size_t r = rows; r < TK_ROWS3; r++)
            for (size_t j = 0; j < len; j++) s[r * padded + j] = 0.0f;
        for (size_t c = 0; c < dh; c += 16) {
            float32x4_t o[TK_ROWS3][4];
            for (int r = 0; r < TK_ROWS3; r++) for (int u = 0; u < 4; u++) o[r][u] = vdupq_n_f32(0.0f);
            for (size_t j = 0; j < len; j++) {
                const float *vr = v + j * ld + c;
                float32x4_t v0 = vld1q_f32(vr), v1 = vld1q_f32(vr + 4), v2 = vld1q_f32(vr + 8), v3 = vld1q_f32(vr + 12);
                for (int r = 0; r < TK_ROWS3; r++) {
                    float32x4_t p = vld1q_dup_f32(s + r * padded + j);
                    o[r][0] = vfmaq_f32(o[r][0], p, v0); o[r][1] = vfmaq_f32(o[r][1], p, v1);
                    o[r][2] = vfmaq_f32(o[r][2], p, v2); o[r][3] = vfmaq_f32(o[r][3], p, v3);
                }
            }
            for (size_t r = 0; r < rows; r++) for (int u = 0; u < 4; u++) vst1q_f32(out + (i0 + r) * ldo + c + 4 * u, o[r][u]);
        }
    }
}
#endif

int tk_attention_available(size_t dh) {
#if defined(__x86_64__)
    int level = tk_kernel_level();
    return (level >= 2 && dh % 32 == 0) || (level == 1 && dh % 16 == 0);
#elif defined(__aarch64__)
    return tk_kernel_level() >= 1 && dh % 16 == 0;
#else
    (void)dh;
    return 0;
#endif
}

int tk_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t len, size_t dh,
                      float scale, float *out, size_t ldo, float *scratch) {
    if (len == 0 || !tk_attention_available(dh)) return 0;
#if defined(__x86_64__)
    if (tk_kernel_level() >= 2) tk_attention_avx512(q, k, v, ld, len, dh, scale, out, ldo, scratch);
    else tk_attention_avx2(q, k, v, ld, len, dh, scale, out, ldo, scratch);
    return 1;
#elif defined(__aarch64__)
    tk_attention_neon(q, k, v, ld, len, dh, scale, out, ldo, scratch);
    return 1;
#else
    (void)q; (void)k; (void)v; (void)ld; (void)scale; (void)out; (void)ldo; (void)scratch;
    return 0;
#endif
}
