// WARP stage 1: scores of every centroid for a few query tokens (a skinny GEMM, n ≤ 64 rows × K centroids).
// Centroids are stored as bfloat16 and packed in panels of 32; with AVX512-BF16 one vdpbf16ps multiplies 2
// dimensions of 16 centroids by the same 2 dimensions of a query token and adds them to fp32 sums, so the
// panel (32 centroids × d dims × 2 bytes = 24 KB at d = 384) stays in L1 while every query row passes over it.
// Without AVX512-BF16 a portable loop computes the same products in fp32 (the centroids are exactly the
// stored bfloat16 values; only the query is rounded to bfloat16 in the fast path).
#include "TesseraWARP.h"
#include "TesseraKernels.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#include <cpuid.h>
#endif

#define TW_CP 32   // centroids per panel
#define TW_MR 12   // query rows per register tile

uint16_t tw_float_to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // NaN stays NaN
    u += 0x7fffu + ((u >> 16) & 1u);                                           // round to nearest even
    return (uint16_t)(u >> 16);
}

float tw_bf16_to_float(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static size_t tw_pairs(size_t dim) { return (dim + 1) / 2; }

size_t tw_packed_centroids_count(size_t k, size_t dim) {
    return (k + TW_CP - 1) / TW_CP * tw_pairs(dim) * (size_t)TW_CP * 2;
}

void tw_pack_centroids(const uint16_t *c, size_t k, size_t dim, uint16_t *packed) {
    size_t pairs = tw_pairs(dim), panels = (k + TW_CP - 1) / TW_CP;
    memset(packed, 0, tw_packed_centroids_count(k, dim) * sizeof(uint16_t));
    for (size_t p = 0; p < panels; p++) {
        for (size_t j = 0; j < TW_CP && p * TW_CP + j < k; j++) {
            const uint16_t *row = c + (p * TW_CP + j) * dim;
            uint16_t *dst = packed + p * pairs * TW_CP * 2 + j * 2;
            for (size_t d = 0; d < dim; d++) dst[(d / 2) * TW_CP * 2 + (d & 1)] = row[d];
        }
    }
}

int tw_has_bf16_dot(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = 0;
#if defined(__x86_64__)
        unsigned a, b, c, d;
        if (tk_detected_kernel_level() >= 2 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) v = (a >> 5) & 1;  // AVX512_BF16
#endif
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v && tk_kernel_level() >= 2;
}

static void tw_centroid_scores_generic(const float *q, size_t n, size_t dim, const uint16_t *packed, size_t k,
                                       float *scores, size_t ldc, size_t p0, size_t p1) {
    size_t pairs = tw_pairs(dim);
    for (size_t p = p0; p < p1; p++) {
        const uint16_t *panel = packed + p * pairs * TW_CP * 2;
        size_t cols = k - p * TW_CP < TW_CP ? k - p * TW_CP : TW_CP;
        for (size_t i = 0; i < n; i++) {
            float acc[TW_CP] = {0};
            const float *qi = q + i * dim;
            for (size_t d = 0; d < dim; d++) {
                const uint16_t *v = panel + (d / 2) * TW_CP * 2 + (d & 1);
                for (size_t j = 0; j < TW_CP; j++) acc[j] += qi[d] * tw_bf16_to_float(v[j * 2]);
            }
            memcpy(scores + i * ldc + p * TW_CP, acc, cols * sizeof(float));
        }
    }
}

#if defined(__x86_64__)
#define TW_BF16 __attribute__((target("avx512f,avx512bf16,avx512bw,avx512vl")))

// rows (≤ 12, a compile-time constant after inlining) query rows of bf16 pairs × one panel of 32 centroids.
TW_BF16 static inline __attribute__((always_inline))
void tw_tile(int rows, const uint32_t *qp, size_t pairs, const uint16_t *panel, float *out, size_t ldc, __mmask16 m0,
             __mmask16 m1) {
    __m512 acc[TW_MR][2];
    for (int i = 0; i < rows; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (size_t p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(panel + p * TW_CP * 2));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(panel + p * TW_CP * 2 + 32));
        for (int i = 0; i < rows; i++) {
            __m512bh a = (__m512bh)_mm512_set1_epi32((int)qp[i * pairs + p]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
    }
    for (int i = 0; i < rows; i++) {
        _mm512_mask_storeu_ps(out + i * ldc, m0, acc[i][0]);
        _mm512_mask_storeu_ps(out + i * ldc + 16, m1, acc[i][1]);
    }
}

TW_BF16 static void tw_tile_rows(int rows, const uint32_t *qp, size_t pairs, const uint16_t *panel, float *out,
                                 size_t ldc, __mmask16 m0, __mmask16 m1) {
    switch (rows) {
    case 1: tw_tile(1, qp, pairs, panel, out, ldc, m0, m1); break;
    case 2: tw_tile(2, qp, pairs, panel, out, ldc, m0, m1); break;
    case 3: tw_tile(3, qp, pairs, panel, out, ldc, m0, m1); break;
    case 4: tw_tile(4, qp, pairs, panel, out, ldc, m0, m1); break;
    case 5: tw_tile(5, qp, pairs, panel, out, ldc, m0, m1); break;
    case 6: tw_tile(6, qp, pairs, panel, out, ldc, m0, m1); break;
    case 7: tw_tile(7, qp, pairs, panel, out, ldc, m0, m1); break;
    case 8: tw_tile(8, qp, pairs, panel, out, ldc, m0, m1); break;
    case 9: tw_tile(9, qp, pairs, panel, out, ldc, m0, m1); break;
    case 10: tw_tile(10, qp, pairs, panel, out, ldc, m0, m1); break;
    case 11: tw_tile(11, qp, pairs, panel, out, ldc, m0, m1); break;
    default: tw_tile(12, qp, pairs, panel, out, ldc, m0, m1); break;
    }
}

TW_BF16 static void tw_centroid_scores_bf16(const uint32_t *qp, size_t n, size_t pairs, const uint16_t *packed,
                                            size_t k, float *scores, size_t ldc, size_t p0, size_t p1) {
    // Row blocks of near-equal size (25 rows: 9 + 8 + 8, not 12 + 12 + 1).
    size_t blocks = (n + TW_MR - 1) / TW_MR;
    for (size_t p = p0; p < p1; p++) {
        const uint16_t *panel = packed + p * pairs * TW_CP * 2;
        size_t cols = k - p * TW_CP < TW_CP ? k - p * TW_CP : TW_CP;
        __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
        __mmask16 m1 = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
        size_t row = 0;
        for (size_t b = 0; b < blocks; b++) {
            size_t rows = (n - row) / (blocks - b);
            tw_tile_rows((int)rows, qp + row * pairs, pairs, panel, scores + row * ldc + p * TW_CP, ldc, m0, m1);
            row += rows;
        }
    }
}
#endif

void tw_query_to_bf16_pairs(const float *q, size_t n, size_t dim, uint32_t *out) {
    size_t pairs = tw_pairs(dim);
    for (size_t i = 0; i < n; i++) {
        for (size_t p = 0; p < pairs; p++) {
            uint32_t lo = tw_float_to_bf16(q[i * dim + 2 * p]);
            uint32_t hi = 2 * p + 1 < dim ? tw_float_to_bf16(q[i * dim + 2 * p + 1]) : 0;
            out[i * pairs + p] = lo | (hi << 16);
        }
    }
}

void tw_centroid_scores(const float *q, const uint32_t *q_pairs, size_t n, size_t dim, const uint16_t *packed, size_t k,
                        float *scores, size_t ldc, size_t panel_begin, size_t panel_end) {
    size_t panels = (k + TW_CP - 1) / TW_CP;
    if (panel_end > panels) panel_end = panels;
    if (panel_begin >= panel_end || n == 0) return;
#if defined(__x86_64__)
    if (tw_has_bf16_dot()) {
        tw_centroid_scores_bf16(q_pairs, n, tw_pairs(dim), packed, k, scores, ldc, panel_begin, panel_end);
        return;
    }
#endif
    tw_centroid_scores_generic(q, n, dim, packed, k, scores, ldc, panel_begin, panel_end);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static float tw_dot_bf16_row_avx512(const float *q, const uint16_t *row, size_t dim) {
    __m512 acc = _mm512_setzero_ps();
    size_t d = 0;
    for (; d + 16 <= dim; d += 16) {
        __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(row + d)));
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), _mm512_castsi512_ps(_mm512_slli_epi32(h, 16)), acc);
    }
    float s = _mm512_reduce_add_ps(acc);
    for (; d < dim; d++) s += q[d] * tw_bf16_to_float(row[d]);
    return s;
}
#endif

float tw_dot_bf16_row(const float *q, const uint16_t *row, size_t dim) {
#if defined(__x86_64__)
    if (tk_kernel_level() >= 2) return tw_dot_bf16_row_avx512(q, row, dim);
#endif
    float s = 0;
    for (size_t d = 0; d < dim; d++) s += q[d] * tw_bf16_to_float(row[d]);
    return s;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static float tw_dot_f32_avx512(const float *a, const float *b, size_t dim) {
    __m512 acc = _mm512_setzero_ps();
    size_t d = 0;
    for (; d + 16 <= dim; d += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + d), _mm512_loadu_ps(b + d), acc);
    if (d < dim) {
        __mmask16 m = (__mmask16)((1u << (dim - d)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + d), _mm512_maskz_loadu_ps(m, b + d), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

__attribute__((target("avx512f")))
static float tw_row_max_avx512(const float *row, size_t k) {
    __m512 m = _mm512_set1_ps(-__builtin_inff());
    size_t c = 0;
    for (; c + 16 <= k; c += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(row + c));
    float best = _mm512_reduce_max_ps(m);
    for (; c < k; c++) if (row[c] > best) best = row[c];
    return best;
}
#endif

#if defined(__x86_64__)
// Per row: the exact best among the centroids whose screened score is within 2·bound of the best screened score.
__attribute__((target("avx512f")))
static void tw_refine_rows_avx512(const float *x, size_t n, size_t dim, const float *centroids, float max_norm, size_t k,
                                  const float *scores, int32_t *out, float *best_scores) {
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * dim, *row = scores + i * k;
        float norm = sqrtf(tw_dot_f32_avx512(xi, xi, dim));
        // |bf16 score − exact| ≤ (2⁻⁸ + fp32 rounding) · ‖x‖ · ‖c‖: any centroid whose screened score is more
        // than twice that below the best screened score cannot be the exact best.
        float bound = (1.0f / 256 + 1.0f / 4096) * norm * max_norm + 1e-6f;
        const __m512 t = _mm512_set1_ps(tw_row_max_avx512(row, k) - 2 * bound);
        int32_t best = -1;
        float best_score = -__builtin_inff();
        for (size_t c = 0; c < k; c += 16) {
            __mmask16 valid = k - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - c)) - 1);
            __mmask16 m = _mm512_mask_cmp_ps_mask(valid, _mm512_maskz_loadu_ps(valid, row + c), t, _CMP_GE_OQ);
            while (m) {
                size_t j = c + (size_t)__builtin_ctz(m);
                m &= (__mmask16)(m - 1);
                float s = tw_dot_f32_avx512(xi, centroids + j * dim, dim);
                if (s > best_score) { best_score = s; best = (int32_t)j; }
            }
        }
        if (best < 0) {  // no finite screened score (a non-finite point): exact scan, first centroid on failure
            best = 0;
            for (size_t j = 0; j < k; j++) {
                float s = tw_dot_f32_avx512(xi, centroids + j * dim, dim);
                if (s > best_score) { best_score = s; best = (int32_t)j; }
            }
        }
        out[i] = best;
        if (best_scores) best_scores[i] = best_score;
    }
}
#endif

void tw_assign_screened(const float *x, size_t n, size_t dim, uint32_t *pairs, const uint16_t *packed, const float *centroids,
                        float max_norm, size_t k, float *scores, int32_t *out, float *best_scores) {
#if defined(__x86_64__)
    if (tw_has_bf16_dot() && n > 0 && k > 0) {
        tw_query_to_bf16_pairs(x, n, dim, pairs);
        tw_centroid_scores(x, pairs, n, dim, packed, k, scores, k, 0, (k + TW_CP - 1) / TW_CP);
        tw_refine_rows_avx512(x, n, dim, centroids, max_norm, k, scores, out, best_scores);
        return;
    }
#endif
    (void)pairs; (void)packed; (void)scores;
    for (size_t i = 0; i < n; i++) {
        int32_t best = 0;
        float best_score = -__builtin_inff();
        (void)max_norm;
        for (size_t c = 0; c < k; c++) {
            float s = 0;
            for (size_t d = 0; d < dim; d++) s += x[i * dim + d] * centroids[c * dim + d];
            if (s > best_score) { best_score = s; best = (int32_t)c; }
        }
        out[i] = best;
        if (best_scores) best_scores[i] = best_score;
    }
}
