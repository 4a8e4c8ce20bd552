// WARP stage 1 and the build's nearest-centroid screen on CPUs without AVX512-BF16 (AVX2): centroids and query
// tokens as int16 with one scale each, multiplied by vpmaddwd (two int16 products summed into an int32 lane), so
// one instruction does 16 multiply-adds where an fp32 FMA does 8. Each vector is scaled to an L2 norm of at most
// 32,000 before rounding, so its rounded norm stays below 2^15 (for dim ≤ 4096) and, by Cauchy-Schwarz, every
// partial sum of a dot product stays below 2^30: no int32 overflow. The rounding error of a score is at most
// about 2 · 0.5·√dim / 32,000 · ‖q‖‖c‖ (6.1e-4 · ‖q‖‖c‖ at dim 384, six times tighter than bfloat16's 2^-8);
// callers rescore the centroids they keep in fp32. Same panel layout as the bfloat16 centroids (panels of 32,
// dimensions in pairs).
#include "TesseraWARP.h"
#include "TesseraKernels.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define TW_CP 32          // centroids per panel
#define TW_I16_NORM 32000.0f
#define TW_I16_ROWS 4     // query rows per register tile

static size_t tw_pairs(size_t dim) { return (dim + 1) / 2; }

int tw_has_int16_scoring(void) {
#if defined(__x86_64__)
    return tk_kernel_level() == 1 && tw_has_bf16_dot() == 0;
#else
    return 0;  // NEON multiplies int16 no faster than fp32: stage 1 uses the fp32 GEMM there
#endif
}

float tw_int16_error_bound(size_t dim) { return 2.0f * (0.5f * sqrtf((float)dim) + 1.0f) / TW_I16_NORM; }

static float tw_i16_scale(const float *x, size_t dim) {
    double sq = 0;
    for (size_t d = 0; d < dim; d++) sq += (double)x[d] * (double)x[d];
    return sq > 0 && isfinite(sq) ? (float)(TW_I16_NORM / sqrt(sq)) : 0.0f;
}

static int16_t tw_round_i16(float v) {
    float r = rintf(v);
    return (int16_t)(r > 32767.0f ? 32767.0f : (r < -32767.0f ? -32767.0f : r));
}

void tw_pack_centroids_i16(const float *centroids, size_t k, size_t dim, int16_t *packed, float *inverse_scales) {
    size_t pairs = tw_pairs(dim);
    memset(packed, 0, tw_packed_centroids_count(k, dim) * sizeof(int16_t));
    for (size_t c = 0; c < k; c++) {
        const float *row = centroids + c * dim;
        float s = tw_i16_scale(row, dim);
        inverse_scales[c] = s > 0 ? 1.0f / s : 0.0f;
        size_t p = c / TW_CP, j = c % TW_CP;
        int16_t *dst = packed + p * pairs * TW_CP * 2 + j * 2;
        for (size_t d = 0; d < dim; d++) dst[(d / 2) * TW_CP * 2 + (d & 1)] = tw_round_i16(row[d] * s);
    }
}

void tw_query_to_i16_pairs(const float *q, size_t n, size_t dim, uint32_t *out, float *inverse_scales) {
    size_t pairs = tw_pairs(dim);
    for (size_t i = 0; i < n; i++) {
        const float *row = q + i * dim;
        float s = tw_i16_scale(row, dim);
        inverse_scales[i] = s > 0 ? 1.0f / s : 0.0f;
        for (size_t p = 0; p < pairs; p++) {
            uint16_t lo = (uint16_t)tw_round_i16(row[2 * p] * s);
            uint16_t hi = 2 * p + 1 < dim ? (uint16_t)tw_round_i16(row[2 * p + 1] * s) : 0;
            out[i * pairs + p] = (uint32_t)lo | ((uint32_t)hi << 16);
        }
    }
}

static void tw_centroid_scores_i16_generic(const uint32_t *qp, const float *qs, size_t n, size_t pairs, const int16_t *packed,
                                           const float *cs, size_t k, float *scores, size_t ldc, size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; p++) {
        const int16_t *panel = packed + p * pairs * TW_CP * 2;
        size_t cols = k - p * TW_CP < TW_CP ? k - p * TW_CP : TW_CP;
        for (size_t i = 0; i < n; i++) {
            int32_t acc[TW_CP] = {0};
            for (size_t pp = 0; pp < pairs; pp++) {
                uint32_t w = qp[i * pairs + pp];
                int32_t a0 = (int16_t)(w & 0xffff), a1 = (int16_t)(w >> 16);
                const int16_t *v = panel + pp * TW_CP * 2;
                for (size_t j = 0; j < TW_CP; j++) acc[j] += a0 * v[2 * j] + a1 * v[2 * j + 1];
            }
            for (size_t j = 0; j < cols; j++) scores[i * ldc + p * TW_CP + j] = (float)acc[j] * qs[i] * cs[p * TW_CP + j];
        }
    }
}

#if defined(__x86_64__)
#define TW_AVX2 __attribute__((target("avx2,fma")))

// rows (≤ 4, a constant after inlining) query rows × 16 centroids (half a panel, 2 ymm of 8 centroids).
TW_AVX2 static inline __attribute__((always_inline))
void tw_tile_i16(int rows, const uint32_t *qp, const float *qs, size_t pairs, const int16_t *half, const float *cs,
                 float *out, size_t ldc, size_t cols) {
    __m256i acc[TW_I16_ROWS][2];
    for (int i = 0; i < rows; i++) { acc[i][0] = _mm256_setzero_si256(); acc[i][1] = _mm256_setzero_si256(); }
    for (size_t p = 0; p < pairs; p++) {
        __m256i b0 = _mm256_loadu_si256((const __m256i *)(half + p * TW_CP * 2));
        __m256i b1 = _mm256_loadu_si256((const __m256i *)(half + p * TW_CP * 2 + 16));
        for (int i = 0; i < rows; i++) {
            __m256i a = _mm256_set1_epi32((int)qp[(size_t)i * pairs + p]);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(a, b0));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(a, b1));
        }
    }
    __m256 s0 = _mm256_loadu_ps(cs), s1 = _mm256_loadu_ps(cs + 8);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)cols), lane);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)cols - 8), lane);
    for (int i = 0; i < rows; i++) {
        __m256 q = _mm256_set1_ps(qs[i]);
        _mm256_maskstore_ps(out + (size_t)i * ldc, m0, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[i][0]), q), s0));
        _mm256_maskstore_ps(out + (size_t)i * ldc + 8, m1, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc[i][1]), q), s1));
    }
}

TW_AVX2 static void tw_tile_i16_rows(int rows, const uint32_t *qp, const float *qs, size_t pairs, const int16_t *half,
                                     const float *cs, float *out, size_t ldc, size_t cols) {
    switch (rows) {
    case 1: tw_tile_i16(1, qp, qs, pairs, half, cs, out, ldc, cols); break;
    case 2: tw_tile_i16(2, qp, qs, pairs, half, cs, out, ldc, cols); break;
    case 3: tw_tile_i16(3, qp, qs, pairs, half, cs, out, ldc, cols); break;
    default: tw_tile_i16(4, qp, qs, pairs, half, cs, out, ldc, cols); break;
    }
}

TW_AVX2 static void tw_centroid_scores_i16_avx2(const uint32_t *qp, const float *qs, size_t n, size_t pairs,
                                                const int16_t *packed, const float *cs, size_t k, float *scores, size_t ldc,
                                                size_t p0, size_t p1) {
    size_t blocks = (n + TW_I16_ROWS - 1) / TW_I16_ROWS;
    float padded_scales[TW_CP];
    for (size_t p = p0; p < p1; p++) {
        const int16_t *panel = packed + p * pairs * TW_CP * 2;
        size_t cols = k - p * TW_CP < TW_CP ? k - p * TW_CP : TW_CP;
        const float *scale = cs + p * TW_CP;
        if (cols < TW_CP) {  // the last, partial panel: scales past K read as 0
            memset(padded_scales, 0, sizeof padded_scales);
            memcpy(padded_scales, scale, cols * sizeof(float));
            scale = padded_scales;
        }
        for (size_t h = 0; h < 2 && 16 * h < cols; h++) {
            size_t hc = cols - 16 * h < 16 ? cols - 16 * h : 16;
            size_t row = 0;
            for (size_t b = 0; b < blocks; b++) {
                size_t rows = (n - row) / (blocks - b);
                tw_tile_i16_rows((int)rows, qp + row * pairs, qs + row, pairs, panel + 32 * h, scale + 16 * h,
                                 scores + row * ldc + p * TW_CP + 16 * h, ldc, hc);
                row += rows;
            }
        }
    }
}
#endif

void tw_centroid_scores_i16(const uint32_t *q_pairs, const float *q_inverse_scales, size_t n, size_t dim,
                            const int16_t *packed, const float *inverse_scales, size_t k, float *scores, size_t ldc,
                            size_t panel_begin, size_t panel_end) {
    size_t panels = (k + TW_CP - 1) / TW_CP;
    if (panel_end > panels) panel_end = panels;
    if (panel_begin >= panel_end || n == 0) return;
#if defined(__x86_64__)
    if (tk_kernel_level() >= 1) {
        tw_centroid_scores_i16_avx2(q_pairs, q_inverse_scales, n, tw_pairs(dim), packed, inverse_scales, k, scores, ldc,
                                    panel_begin, panel_end);
        return;
    }
#endif
    tw_centroid_scores_i16_generic(q_pairs, q_inverse_scales, n, tw_pairs(dim), packed, inverse_scales, k, scores, ldc,
                                   panel_begin, panel_end);
}

#if defined(__x86_64__)
#pragma clang fp reassociate(on)
TW_AVX2 static float tw_dot_f32_avx2(const float *a, const float *b, size_t dim) {
    float s = 0;
    for (size_t d = 0; d < dim; d++) s += a[d] * b[d];
    return s;
}

// Per row: the exact best among the centroids whose screened score is within 2·bound of the best screened score
// (bound = tw_int16_error_bound · ‖x‖ · max‖c‖ + a little for the float rounding of the scale products).
TW_AVX2 static void tw_refine_rows_avx2(const float *x, size_t n, size_t dim, const float *centroids, float max_norm,
                                        size_t k, const float *scores, int32_t *out, float *best_scores) {
    float eps = tw_int16_error_bound(dim);
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * dim, *row = scores + i * k;
        float norm = sqrtf(tw_dot_f32_avx2(xi, xi, dim));
        float bound = eps * norm * max_norm + 1e-6f;
        float top = -__builtin_inff();
        for (size_t c = 0; c < k; c++) top = row[c] > top ? row[c] : top;
        const __m256 t = _mm256_set1_ps(top - 2 * bound);
        int32_t best = -1;
        float best_score = -__builtin_inff();
        size_t c = 0;
        for (; c + 8 <= k; c += 8) {
            unsigned m = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + c), t, _CMP_GE_OQ));
            while (m) {
                size_t j = c + (size_t)__builtin_ctz(m);
                m &= m - 1;
                float s = tw_dot_f32_avx2(xi, centroids + j * dim, dim);
                if (s > best_score) { best_score = s; best = (int32_t)j; }
            }
        }
        for (; c < k; c++) {
            if (row[c] >= top - 2 * bound) {
                float s = tw_dot_f32_avx2(xi, centroids + c * dim, dim);
                if (s > best_score) { best_score = s; best = (int32_t)c; }
            }
        }
        if (best < 0) {  // no finite screened score (a non-finite point): exact scan, first centroid on failure
            best = 0;
            for (size_t j = 0; j < k; j++) {
                float s = tw_dot_f32_avx2(xi, centroids + j * dim, dim);
                if (s > best_score) { best_score = s; best = (int32_t)j; }
            }
        }
        out[i] = best;
        if (best_scores) best_scores[i] = best_score;
    }
}
#pragma clang fp reassociate(off)
#endif

void tw_assign_screened_i16(const float *x, size_t n, size_t dim, uint32_t *pairs, float *inverse_scales,
                            const int16_t *packed, const float *centroid_inverse_scales, const float *centroids,
                            float max_norm, size_t k, float *scores, int32_t *out, float *best_scores) {
#if defined(__x86_64__)
    if (tk_kernel_level() >= 1 && n > 0 && k > 0) {
        tw_query_to_i16_pairs(x, n, dim, pairs, inverse_scales);
        tw_centroid_scores_i16(pairs, inverse_scales, n, dim, packed, centroid_inverse_scales, k, scores, k, 0,
                               (k + TW_CP - 1) / TW_CP);
        tw_refine_rows_avx2(x, n, dim, centroids, max_norm, k, scores, out, best_scores);
        return;
    }
#endif
    (void)pairs; (void)inverse_scales; (void)packed; (void)centroid_inverse_scales; (void)scores; (void)max_norm;
    for (size_t i = 0; i < n; i++) {
        int32_t best = 0;
        float best_score = -__builtin_inff();
        for (size_t c = 0; c < k; c++) {
            float s = 0;
            for (size_t d = 0; d < dim; d++) s += x[i * dim + d] * centroids[c * dim + d];
            if (s > best_score) { best_score = s; best = (int32_t)c; }
        }
        out[i] = best;
        if (best_scores) best_scores[i] = best_score;
    }
}
