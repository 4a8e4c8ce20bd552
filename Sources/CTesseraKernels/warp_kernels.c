// WARP implicit decompression (residual codes scored against one query token without materialising the
// residual): the 2^bits bucket weights fit in one AVX-512 register, so 16 dimensions are decoded by one
// permute of the weights and scored by one FMA with the query's 16 values.
#include "TesseraWARP.h"
#include "TesseraKernels.h"
#include <math.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static size_t tw_group_dims(int bits) { return (size_t)16 * (size_t)(8 / bits); }

size_t tw_code_bytes(size_t dim, int bits) {
    size_t g = tw_group_dims(bits);
    return (dim + g - 1) / g * 16;
}

void tw_pack_codes(const uint8_t *codes, size_t dim, int bits, uint8_t *out) {
    size_t g = tw_group_dims(bits), bytes = tw_code_bytes(dim, bits);
    memset(out, 0, bytes);
    for (size_t d = 0; d < dim; d++) {
        size_t group = d / g, within = d % g, j = within / 16, k = within % 16;
        out[group * 16 + k] |= (uint8_t)((codes[d] & ((1u << bits) - 1)) << (bits * j));
    }
}

void tw_unpack_codes(const uint8_t *packed, size_t dim, int bits, uint8_t *codes) {
    size_t g = tw_group_dims(bits);
    for (size_t d = 0; d < dim; d++) {
        size_t group = d / g, within = d % g, j = within / 16, k = within % 16;
        codes[d] = (uint8_t)((packed[group * 16 + k] >> (bits * j)) & ((1u << bits) - 1));
    }
}

void tw_quantize(const float *residuals, size_t count, size_t dim, int bits, const float *cutoffs, uint8_t *out) {
    size_t levels = (size_t)1 << bits, bytes = tw_code_bytes(dim, bits);
    uint8_t codes[4096];
    for (size_t t = 0; t < count; t++) {
        const float *r = residuals + t * dim;
        for (size_t base = 0; base < dim; base += 4096) {
            size_t n = dim - base < 4096 ? dim - base : 4096;
            for (size_t d = 0; d < n; d++) {
                float v = r[base + d];
                uint8_t c = 0;
                for (size_t b = 0; b + 1 < levels; b++) c += (uint8_t)(v >= cutoffs[b]);
                codes[d] = c;
            }
            if (base == 0 && dim <= 4096) tw_pack_codes(codes, dim, bits, out + t * bytes);
        }
        if (dim > 4096) {  // rare: very wide vectors, pack dimension by dimension
            memset(out + t * bytes, 0, bytes);
            size_t g = tw_group_dims(bits);
            for (size_t d = 0; d < dim; d++) {
                float v = r[d];
                uint8_t c = 0;
                for (size_t b = 0; b + 1 < levels; b++) c += (uint8_t)(v >= cutoffs[b]);
                size_t group = d / g, within = d % g, j = within / 16, k = within % 16;
                out[t * bytes + group * 16 + k] |= (uint8_t)(c << (bits * j));
            }
        }
    }
}

static void tw_score_codes_generic(const float *q, size_t padded_dim, int bits, const float *weights,
                                   const uint8_t *codes, size_t count, float base, float *out) {
    size_t g = tw_group_dims(bits), groups = padded_dim / g, stride = groups * 16;
    unsigned mask = (1u << bits) - 1, per = 8u / (unsigned)bits;
    for (size_t t = 0; t < count; t++) {
        const uint8_t *c = codes + t * stride;
        float s = 0;
        for (size_t gi = 0; gi < groups; gi++) {
            const float *qg = q + gi * g;
            const uint8_t *cg = c + gi * 16;
            for (unsigned j = 0; j < per; j++)
                for (size_t k = 0; k < 16; k++) s += qg[16 * j + k] * weights[(cg[k] >> (bits * j)) & mask];
        }
        out[t] = base + s;
    }
}

#if defined(__x86_64__)
// AVX-512 decoding reads 64 code bytes (4 groups) as 16 dwords. vpermps looks at the low 4 bits of each index
// lane only, so shifting the dwords right by bits·f exposes field f (f < 32/bits) of every lane without masking
// (for 2 bits the 4 weights are repeated 4 times so the neighbouring field's bits do not matter). Lane L, field f
// holds the code of dimension dim(c, f, L) (see tw_prepared_dimension); the query token is laid out in that
// order once per query token (tw_prepare_query), so one shift, one permute and one FMA decode 16 dimensions.

// Dimension whose code sits in field f of dword lane L of 64-byte chunk c, or -1 past the last group.
static long tw_prepared_dimension(size_t groups, int bits, size_t c, size_t f, size_t L) {
    size_t per = 8 / (size_t)bits, g = 4 * c + L / 4, b = f / per, jj = f % per, k = 4 * (L % 4) + b;
    if (g >= groups) return -1;
    return (long)(g * tw_group_dims(bits) + 16 * jj + k);
}

// Scores `tokens` (1, 2 or 4; a constant after inlining) consecutive tokens: per 64-byte chunk, `fields` fields of
// `shift` bits per dword lane, two accumulators per token.
__attribute__((target("avx512f,avx512bw,avx512vl"))) static inline __attribute__((always_inline))
void tw_decode_tokens(int tokens, int fields, int shift, const float *q, const uint8_t *p0, size_t stride, size_t chunks,
                      size_t full, __mmask16 tail, __m512 w, float base, float *out) {
    __m512 acc[4][2];
    for (int i = 0; i < tokens; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (size_t c = 0; c < chunks; c++) {
        const float *qc = q + c * 16 * (size_t)fields;
        __m512i x[4];
        for (int i = 0; i < tokens; i++) {
            const uint8_t *p = p0 + (size_t)i * stride + 64 * c;
            x[i] = c < full ? _mm512_loadu_si512((const void *)p) : _mm512_maskz_loadu_epi32(tail, (const void *)p);
        }
        for (int f = 0; f < fields; f += 2) {
            __m512 qa = _mm512_loadu_ps(qc + 16 * f), qb = _mm512_loadu_ps(qc + 16 * (f + 1));
            unsigned sa = (unsigned)(shift * f), sb = sa + (unsigned)shift;
            for (int i = 0; i < tokens; i++) {
                acc[i][0] = _mm512_fmadd_ps(qa, _mm512_permutexvar_ps(_mm512_srli_epi32(x[i], sa), w), acc[i][0]);
                acc[i][1] = _mm512_fmadd_ps(qb, _mm512_permutexvar_ps(_mm512_srli_epi32(x[i], sb), w), acc[i][1]);
            }
        }
    }
    for (int i = 0; i < tokens; i++) out[i] = base + _mm512_reduce_add_ps(_mm512_add_ps(acc[i][0], acc[i][1]));
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void tw_score_codes_avx512(const float *q, size_t padded_dim, int bits, const float *weights,
                                  const uint8_t *codes, size_t count, float base, float *out) {
    size_t groups = padded_dim / tw_group_dims(bits), stride = groups * 16;
    size_t chunks = (groups + 3) / 4, full = groups / 4;
    __mmask16 tail = (__mmask16)((1u << (4 * (groups % 4))) - 1);
    size_t t = 0;
    if (bits == 4) {
        __m512 w = _mm512_loadu_ps(weights);
        for (; t + 4 <= count; t += 4) tw_decode_tokens(4, 8, 4, q, codes + t * stride, stride, chunks, full, tail, w, base, out + t);
        for (; t < count; t++) tw_decode_tokens(1, 8, 4, q, codes + t * stride, stride, chunks, full, tail, w, base, out + t);
    } else {  // 2 bits: sixteen fields per dword; the 4 weights repeated so the next field's bits do not matter
        __m512 w = _mm512_broadcast_f32x4(_mm_loadu_ps(weights));
        for (; t + 2 <= count; t += 2) tw_decode_tokens(2, 16, 2, q, codes + t * stride, stride, chunks, full, tail, w, base, out + t);
        for (; t < count; t++) tw_decode_tokens(1, 16, 2, q, codes + t * stride, stride, chunks, full, tail, w, base, out + t);
    }
}

static int tw_has_avx512bw(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    __builtin_cpu_init();
    v = tk_kernel_level() >= 2 && __builtin_cpu_supports("avx512bw");
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}
#endif

size_t tw_prepared_query_count(size_t padded_dim, int bits) {
    size_t g = tw_group_dims(bits), groups = padded_dim / g;
    return (groups + 3) / 4 * 4 * g;
}

void tw_prepare_query(const float *q, size_t padded_dim, int bits, float *out) {
    size_t count = tw_prepared_query_count(padded_dim, bits);
#if defined(__x86_64__)
    if (tw_has_avx512bw()) {
        size_t groups = padded_dim / tw_group_dims(bits), fields = 32 / (size_t)bits;
        for (size_t c = 0; c * 4 < groups; c++)
            for (size_t f = 0; f < fields; f++)
                for (size_t L = 0; L < 16; L++) {
                    long d = tw_prepared_dimension(groups, bits, c, f, L);
                    out[c * fields * 16 + f * 16 + L] = d >= 0 ? q[d] : 0.0f;
                }
        return;
    }
#endif
    memcpy(out, q, padded_dim * sizeof(float));
    for (size_t i = padded_dim; i < count; i++) out[i] = 0.0f;
}

void tw_score_codes(const float *q, size_t padded_dim, int bits, const float *weights,
                    const uint8_t *codes, size_t count, float base, float *out) {
#if defined(__x86_64__)
    if (tw_has_avx512bw()) { tw_score_codes_avx512(q, padded_dim, bits, weights, codes, count, base, out); return; }
#endif
    tw_score_codes_generic(q, padded_dim, bits, weights, codes, count, base, out);
}

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

void tw_argmax_rows(const float *s, size_t rows, size_t cols, size_t ld, int32_t *idx, float *val) {
    for (size_t r = 0; r < rows; r++) {
#if defined(__x86_64__)
        if (tk_kernel_level() >= 2) { tw_argmax_avx512(s + r * ld, cols, idx + r, val ? val + r : NULL); continue; }
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

__attribute__((target("avx512f")))
static size_t tw_select_prefiltered_avx512(const float *scores, size_t n, size_t keep, float *val, int32_t *idx) {
    if (n < 2048 || keep * 8 > n || keep > 512) return 0;
    __m512 s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps();
    size_t c = 0;
    for (; c + 16 <= n; c += 16) {
        __m512 v = _mm512_loadu_ps(scores + c);
        s1 = _mm512_add_ps(s1, v);
        s2 = _mm512_fmadd_ps(v, v, s2);
    }
    float sum = _mm512_reduce_add_ps(s1), sumsq = _mm512_reduce_add_ps(s2);
    for (; c < n; c++) { sum += scores[c]; sumsq += scores[c] * scores[c]; }
    float mean = sum / (float)n, var = sumsq / (float)n - mean * mean;
    float sigma = var > 0 ? sqrtf(var) : 0;
    float z = tw_normal_quantile(2.5f * (float)keep / (float)n);
    float vals[TW_PREFILTER_CAP];
    int32_t ids[TW_PREFILTER_CAP];
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t m = 0;
    int ok = 0;
    for (int attempt = 0; attempt < 4 && !ok; attempt++) {
        float threshold = mean + z * sigma;
        const __m512 t = _mm512_set1_ps(threshold);
        m = 0;
        int overflow = 0;
        for (c = 0; c + 16 <= n; c += 16) {
            if (m > TW_PREFILTER_CAP - 16) { overflow = 1; break; }
            __m512 v = _mm512_loadu_ps(scores + c);
            __mmask16 k = _mm512_cmp_ps_mask(v, t, _CMP_GT_OQ);
            _mm512_storeu_ps(vals + m, _mm512_maskz_compress_ps(k, v));
            _mm512_storeu_si512((void *)(ids + m), _mm512_maskz_compress_epi32(k, _mm512_add_epi32(lane, _mm512_set1_epi32((int)c))));
            m += (size_t)__builtin_popcount((unsigned)k);
        }
        for (; !overflow && c < n; c++) {
            if (scores[c] > threshold) {
                if (m >= TW_PREFILTER_CAP) { overflow = 1; break; }
                vals[m] = scores[c]; ids[m] = (int32_t)c; m++;
            }
        }
        if (overflow) z += 0.5f;
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
#endif

void tw_select_top(const float *scores, size_t n, size_t keep, int32_t *idx, float *val) {
    if (keep > n) keep = n;
    if (keep == 0) return;
    // The heap lives in the output arrays; heap order is turned into best-first order at the end.
    float *hv = val;
    int32_t *hi = idx;
    size_t count;
#if defined(__x86_64__)
    if (tk_kernel_level() >= 2) {
        if (tw_select_prefiltered_avx512(scores, n, keep, val, idx) == keep) return;  // already best first
        count = tw_select_scan_avx512(scores, n, keep, hv, hi);
    } else
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
