// WARP selection: the index of the best centroid per row (argmax) and the n best centroids of a row of scores
// (top-n, best first, lower index first on ties) for stage 1 of the engine.
#include "TesseraWARP.h"
#include "TesseraKernels.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static void tw_argmax_generic(const float *row, size_t cols, int32_t *idx, float *val) {
    size_t best = 0;
    float b = row[0];
    for (size_t c = 1; c < cols; c++) if (row[c] > b) { b = row[c]; best = c; }
    *idx = (int32_t)best;
    if (val) *val = b;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void tw_argmax_avx512(const float *row, size_t cols, int32_t *idx, float *val) {
    if (cols < 16) { tw_argmax_generic(row, cols, idx, val); return; }
    // Pass 1: the maximum; pass 2: its first position (the row is in L1/L2 by then).
    __m512 m = _mm512_loadu_ps(row);
    size_t c = 16;
    for (; c + 16 <= cols; c += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(row + c));
    float b = _mm512_reduce_max_ps(m);
    for (; c < cols; c++) if (row[c] > b) b = row[c];
    __m512 target = _mm512_set1_ps(b);
    size_t pos = 0;
    for (c = 0; c + 16 <= cols; c += 16) {
        __mmask16 hit = _mm512_cmpeq_ps_mask(_mm512_loadu_ps(row + c), target);
        if (hit) { pos = c + (size_t)__builtin_ctz(hit); goto found; }
    }
    for (; c < cols; c++) if (row[c] == b) { pos = c; goto found; }
found:
    *idx = (int32_t)pos;
    if (val) *val = b;
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void tw_argmax_avx2(const float *row, size_t cols, int32_t *idx, float *val) {
    if (cols < 32) { tw_argmax_generic(row, cols, idx, val); return; }
    __m256 m0 = _mm256_loadu_ps(row), m1 = _mm256_loadu_ps(row + 8);
    size_t c = 16;
    for (; c + 16 <= cols; c += 16) {
        m0 = _mm256_max_ps(m0, _mm256_loadu_ps(row + c));
        m1 = _mm256_max_ps(m1, _mm256_loadu_ps(row + c + 8));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_max_ps(m0, m1));
    float b = lanes[0];
    for (int i = 1; i < 8; i++) if (lanes[i] > b) b = lanes[i];
    for (; c < cols; c++) if (row[c] > b) b = row[c];
    __m256 target = _mm256_set1_ps(b);
    size_t pos = 0;
    for (c = 0; c + 8 <= cols; c += 8) {
        int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + c), target, _CMP_EQ_OQ));
        if (hit) { pos = c + (size_t)__builtin_ctz((unsigned)hit); goto found; }
    }
    for (; c < cols; c++) if (row[c] == b) { pos = c; goto found; }
    // No lane equals the maximum (a NaN row): first position, as the portable loop would keep it.
    tw_argmax_generic(row, cols, idx, val);
    return;
found:
    *idx = (int32_t)pos;
    if (val) *val = b;
}
#endif

void tw_argmax_rows(const float *s, size_t rows, size_t cols, size_t ld, int32_t *idx, float *val) {
    for (size_t r = 0; r < rows; r++) {
#if defined(__x86_64__)
        if (tk_kernel_level() >= 2) { tw_argmax_avx512(s + r * ld, cols, idx + r, val ? val + r : NULL); continue; }
        if (tk_kernel_level() == 1) { tw_argmax_avx2(s + r * ld, cols, idx + r, val ? val + r : NULL); continue; }
#endif
        tw_argmax_generic(s + r * ld, cols, idx + r, val ? val + r : NULL);
    }
}

// Min-heap of (score, index): the root is the worst kept entry (lowest score, then highest index).
static inline int tw_worse(float sa, int32_t ia, float sb, int32_t ib) { return sa != sb ? sa < sb : ia > ib; }

static void tw_sift_down(float *hv, int32_t *hi, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && tw_worse(hv[l], hi[l], hv[w], hi[w])) w = l;
        if (r < n && tw_worse(hv[r], hi[r], hv[w], hi[w])) w = r;
        if (w == i) return;
        float tv = hv[i]; hv[i] = hv[w]; hv[w] = tv;
        int32_t ti = hi[i]; hi[i] = hi[w]; hi[w] = ti;
        i = w;
    }
}

static inline void tw_offer(float *hv, int32_t *hi, size_t *count, size_t keep, float s, int32_t c) {
    if (*count < keep) {
        size_t i = (*count)++;
        hv[i] = s; hi[i] = c;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!tw_worse(hv[i], hi[i], hv[p], hi[p])) break;
            float tv = hv[i]; hv[i] = hv[p]; hv[p] = tv;
            int32_t ti = hi[i]; hi[i] = hi[p]; hi[p] = ti;
            i = p;
        }
    } else if (tw_worse(hv[0], hi[0], s, c)) {
        hv[0] = s; hi[0] = c;
        tw_sift_down(hv, hi, keep, 0);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static size_t tw_select_scan_avx2(const float *scores, size_t n, size_t keep, float *hv, int32_t *hi) {
    size_t count = 0, c = 0;
    for (; c < n && count < keep; c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    for (; c < n && (c & 7); c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    for (; c + 8 <= n; c += 8) {
        unsigned m = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + c), _mm256_set1_ps(hv[0]), _CMP_GT_OQ));
        while (m) {
            unsigned j = (unsigned)__builtin_ctz(m);
            m &= m - 1;
            tw_offer(hv, hi, &count, keep, scores[c + j], (int32_t)(c + j));
        }
    }
    for (; c < n; c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    return count;
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static size_t tw_select_scan_avx512(const float *scores, size_t n, size_t keep, float *hv, int32_t *hi) {
    size_t count = 0, c = 0;
    for (; c < n && count < keep; c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    for (; c < n && (c & 15); c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    for (; c + 16 <= n; c += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(scores + c), _mm512_set1_ps(hv[0]), _CMP_GT_OQ);
        while (m) {
            int j = __builtin_ctz(m);
            m &= m - 1;
            tw_offer(hv, hi, &count, keep, scores[c + j], (int32_t)(c + j));
        }
    }
    for (; c < n; c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    return count;
}
#endif

// Prefilter for large n. A threshold t = μ + z·σ of the row's scores, with z set so that about 2.5·keep scores
// exceed it if they were normally distributed, is tried (lowered or raised up to 3 times when fewer than `keep` or
// too many pass); the survivors are compressed into a buffer in index order and sorted by score with a stable LSD
// radix sort (so ties keep the lower index first). Exact: when at least `keep` scores exceed t, the `keep` best
// all do. Writes the `keep` best, best first, and returns keep; returns 0 (caller falls back to the full heap
// scan) when n is small or no threshold works.
#define TW_PREFILTER_CAP 2048
static inline uint32_t tw_descending_key(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);  // ascending with f
    return ~u;                                        // ascending with −f
}

// z with P(Z > z) = p for a standard normal Z (Abramowitz & Stegun 26.2.23, |error| < 4.5e-4), 0 < p ≤ 0.5.
static float tw_normal_quantile(float p) {
    float t = sqrtf(-2.0f * logf(p));
    return t - (2.515517f + 0.802853f * t + 0.010328f * t * t) / (1.0f + 1.432788f * t + 0.189269f * t * t + 0.001308f * t * t * t);
}

// Row statistics (sum and sum of squares) and the compress pass of the prefilter, per CPU variant. The compress
// pass writes the scores > t and their indices in index order and returns how many; it returns cap + 1 as soon as
// more than cap − 16 have passed (the caller raises the threshold).
static void tw_row_stats_generic(const float *s, size_t n, float *sum, float *sumsq) {
    float a = 0, b = 0;
    for (size_t c = 0; c < n; c++) { a += s[c]; b += s[c] * s[c]; }
    *sum = a; *sumsq = b;
}

static size_t tw_compress_generic(const float *s, size_t n, float t, float *vals, int32_t *ids, size_t cap) {
    size_t m = 0;
    for (size_t c = 0; c < n; c++) {
        if (s[c] > t) {
            if (m >= cap) return cap + 1;
            vals[m] = s[c]; ids[m] = (int32_t)c; m++;
        }
    }
    return m;
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void tw_row_stats_avx512(const float *scores, size_t n, float *sum, float *sumsq) {
    __m512 s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps();
    size_t c = 0;
    for (; c + 16 <= n; c += 16) {
        __m512 v = _mm512_loadu_ps(scores + c);
        s1 = _mm512_add_ps(s1, v);
        s2 = _mm512_fmadd_ps(v, v, s2);
    }
    float a = _mm512_reduce_add_ps(s1), b = _mm512_reduce_add_ps(s2);
    for (; c < n; c++) { a += scores[c]; b += scores[c] * scores[c]; }
    *sum = a; *sumsq = b;
}

__attribute__((target("avx512f")))
static size_t tw_compress_avx512(const float *scores, size_t n, float threshold, float *vals, int32_t *ids, size_t cap) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 t = _mm512_set1_ps(threshold);
    size_t m = 0, c = 0;
    for (; c + 16 <= n; c += 16) {
        if (m > cap - 16) return cap + 1;
        __m512 v = _mm512_loadu_ps(scores + c);
        __mmask16 k = _mm512_cmp_ps_mask(v, t, _CMP_GT_OQ);
        _mm512_storeu_ps(vals + m, _mm512_maskz_compress_ps(k, v));
        _mm512_storeu_si512((void *)(ids + m), _mm512_maskz_compress_epi32(k, _mm512_add_epi32(lane, _mm512_set1_epi32((int)c))));
        m += (size_t)__builtin_popcount((unsigned)k);
    }
    for (; c < n; c++) {
        if (scores[c] > threshold) {
            if (m >= cap) return cap + 1;
            vals[m] = scores[c]; ids[m] = (int32_t)c; m++;
        }
    }
    return m;
}

__attribute__((target("avx2,fma")))
static void tw_row_stats_avx2(const float *scores, size_t n, float *sum, float *sumsq) {
    __m256 s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps(), s4 = _mm256_setzero_ps();
    size_t c = 0;
    for (; c + 16 <= n; c += 16) {
        __m256 v = _mm256_loadu_ps(scores + c), w = _mm256_loadu_ps(scores + c + 8);
        s1 = _mm256_add_ps(s1, v); s3 = _mm256_add_ps(s3, w);
        s2 = _mm256_fmadd_ps(v, v, s2); s4 = _mm256_fmadd_ps(w, w, s4);
    }
    float a1[8], a2[8];
    _mm256_storeu_ps(a1, _mm256_add_ps(s1, s3));
    _mm256_storeu_ps(a2, _mm256_add_ps(s2, s4));
    float a = 0, b = 0;
    for (int i = 0; i < 8; i++) { a += a1[i]; b += a2[i]; }
    for (; c < n; c++) { a += scores[c]; b += scores[c] * scores[c]; }
    *sum = a; *sumsq = b;
}

// Few scores pass (about 2.5·keep of n), so a movemask per 16 scores and a bit loop over the rare hits is
// enough without a compress instruction.
__attribute__((target("avx2,fma")))
static size_t tw_compress_avx2(const float *scores, size_t n, float threshold, float *vals, int32_t *ids, size_t cap) {
    const __m256 t = _mm256_set1_ps(threshold);
    size_t m = 0, c = 0;
    for (; c + 16 <= n; c += 16) {
        unsigned bitsv = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + c), t, _CMP_GT_OQ))
            | ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + c + 8), t, _CMP_GT_OQ)) << 8);
        if (!bitsv) continue;
        if (m > cap - 16) return cap + 1;
        while (bitsv) {
            unsigned j = (unsigned)__builtin_ctz(bitsv);
            bitsv &= bitsv - 1;
            vals[m] = scores[c + j]; ids[m] = (int32_t)(c + j); m++;
        }
    }
    for (; c < n; c++) {
        if (scores[c] > threshold) {
            if (m >= cap) return cap + 1;
            vals[m] = scores[c]; ids[m] = (int32_t)c; m++;
        }
    }
    return m;
}
#endif

static size_t tw_select_prefiltered(int level, const float *scores, size_t n, size_t keep, float *val, int32_t *idx) {
    if (n < 2048 || keep * 8 > n || keep > 512) return 0;
    float sum, sumsq;
#if defined(__x86_64__)
    if (level == 2) tw_row_stats_avx512(scores, n, &sum, &sumsq);
    else if (level == 1) tw_row_stats_avx2(scores, n, &sum, &sumsq);
    else
#endif
        tw_row_stats_generic(scores, n, &sum, &sumsq);
    float mean = sum / (float)n, var = sumsq / (float)n - mean * mean;
    float sigma = var > 0 ? sqrtf(var) : 0;
    float z = tw_normal_quantile(2.5f * (float)keep / (float)n);
    float vals[TW_PREFILTER_CAP];
    int32_t ids[TW_PREFILTER_CAP];
    size_t m = 0;
    int ok = 0;
    for (int attempt = 0; attempt < 4 && !ok; attempt++) {
        float threshold = mean + z * sigma;
#if defined(__x86_64__)
        if (level == 2) m = tw_compress_avx512(scores, n, threshold, vals, ids, TW_PREFILTER_CAP);
        else if (level == 1) m = tw_compress_avx2(scores, n, threshold, vals, ids, TW_PREFILTER_CAP);
        else
#endif
            m = tw_compress_generic(scores, n, threshold, vals, ids, TW_PREFILTER_CAP);
        if (m > TW_PREFILTER_CAP) z += 0.5f;
        else if (m < keep) z -= 0.75f;
        else ok = 1;
        if (sigma == 0) break;
    }
    if (!ok) return 0;
    // Stable LSD radix sort of (key, position) by key, 8 bits at a time; digits shared by every key are skipped.
    uint32_t key[TW_PREFILTER_CAP], pos[TW_PREFILTER_CAP], key2[TW_PREFILTER_CAP], pos2[TW_PREFILTER_CAP];
    for (size_t j = 0; j < m; j++) { key[j] = tw_descending_key(vals[j]); pos[j] = (uint32_t)j; }
    uint32_t *kin = key, *pin = pos, *kout = key2, *pout = pos2;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[256] = {0};
        for (size_t j = 0; j < m; j++) count[(kin[j] >> shift) & 255]++;
        if (count[(kin[0] >> shift) & 255] == m) continue;
        size_t offset = 0;
        for (int d = 0; d < 256; d++) { size_t k = count[d]; count[d] = offset; offset += k; }
        for (size_t j = 0; j < m; j++) {
            size_t o = count[(kin[j] >> shift) & 255]++;
            kout[o] = kin[j];
            pout[o] = pin[j];
        }
        uint32_t *tk = kin; kin = kout; kout = tk;
        uint32_t *tp = pin; pin = pout; pout = tp;
    }
    for (size_t j = 0; j < keep; j++) { val[j] = vals[pin[j]]; idx[j] = ids[pin[j]]; }
    return keep;
}

void tw_select_top(const float *scores, size_t n, size_t keep, int32_t *idx, float *val) {
    if (keep > n) keep = n;
    if (keep == 0) return;
    // The heap lives in the output arrays; heap order is turned into best-first order at the end.
    float *hv = val;
    int32_t *hi = idx;
    size_t count;
    int level = tk_kernel_level();
    if (tw_select_prefiltered(level, scores, n, keep, val, idx) == keep) return;  // already best first
#if defined(__x86_64__)
    if (level == 2) count = tw_select_scan_avx512(scores, n, keep, hv, hi);
    else if (level == 1) count = tw_select_scan_avx2(scores, n, keep, hv, hi);
    else
#endif
    {
        count = 0;
        for (size_t c = 0; c < n; c++) tw_offer(hv, hi, &count, keep, scores[c], (int32_t)c);
    }
    // Heap sort: repeatedly move the worst to the end.
    for (size_t end = count; end > 1; end--) {
        float tv = hv[0]; hv[0] = hv[end - 1]; hv[end - 1] = tv;
        int32_t ti = hi[0]; hi[0] = hi[end - 1]; hi[end - 1] = ti;
        tw_sift_down(hv, hi, end - 1, 0);
    }
}
