// WARP residual codes: the packed layout (pack / unpack), quantisation against the bucket cut-offs, and implicit
// decompression (codes scored against one query token without materialising the residual): the 2^bits bucket
// weights fit in one AVX-512 register, so 16 dimensions are decoded by one permute of the weights and scored by
// one FMA with the query's 16 values.
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

// Dimension whose code sits in field f of dword lane L of 64-byte chunk c, or -1 past the last group.
static long tw_prepared_dimension(size_t groups, int bits, size_t c, size_t f, size_t L) {
    size_t per = 8 / (size_t)bits, g = 4 * c + L / 4, b = f / per, jj = f % per, k = 4 * (L % 4) + b;
    if (g >= groups) return -1;
    return (long)(g * tw_group_dims(bits) + 16 * jj + k);
}

#if defined(__x86_64__)
// AVX-512 decoding reads 64 code bytes (4 groups) as 16 dwords. vpermps looks at the low 4 bits of each index
// lane only, so shifting the dwords right by bits·f exposes field f (f < 32/bits) of every lane without masking
// (for 2 bits the 4 weights are repeated 4 times so the neighbouring field's bits do not matter). Lane L, field f
// holds the code of dimension dim(c, f, L) (see tw_prepared_dimension); the query token is laid out in that
// order once per query token (tw_prepare_query), so one shift, one permute and one FMA decode 16 dimensions.

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

// AVX2: the same dword-lane layout read as two 32-byte halves of 8 lanes (lane L = 8·half + l, so the prepared
// query is the same). vpermps looks at the low 3 bits of each index only, so at 4 bits a 16-entry table is two
// permutes (weights 0-7 and 8-15) and a blend on the field's top bit, moved to the sign bit by a left shift; at
// 2 bits the 4 weights repeated twice make one permute enough. One accumulator per token, up to 4 tokens at once.
__attribute__((target("avx2,fma"))) static inline __attribute__((always_inline))
void tw_decode_tokens_avx2(int tokens, int bits, const float *q, const uint8_t *p0, size_t stride, size_t chunks,
                           size_t full, __m256i tail0, __m256i tail1, __m256 wlo, __m256 whi, float base, float *out) {
    const int fields = 32 / bits;
    __m256 acc[4];
    for (int i = 0; i < tokens; i++) acc[i] = _mm256_setzero_ps();
    for (size_t c = 0; c < chunks; c++) {
        const float *qc = q + c * 16 * (size_t)fields;
        for (int h = 0; h < 2; h++) {
            __m256i x[4];
            for (int i = 0; i < tokens; i++) {
                const int *p = (const int *)(p0 + (size_t)i * stride + 64 * c + 32 * h);
                x[i] = c < full ? _mm256_loadu_si256((const __m256i *)p) : _mm256_maskload_epi32(p, h ? tail1 : tail0);
            }
            for (int f = 0; f < fields; f++) {
                __m256 qv = _mm256_loadu_ps(qc + 16 * f + 8 * h);
                for (int i = 0; i < tokens; i++) {
                    __m256i idx = _mm256_srli_epi32(x[i], bits * f);
                    __m256 v = _mm256_permutevar8x32_ps(wlo, idx);
                    if (bits == 4) {
                        __m256 sel = _mm256_castsi256_ps(_mm256_slli_epi32(x[i], 28 - 4 * f));
                        v = _mm256_blendv_ps(v, _mm256_permutevar8x32_ps(whi, idx), sel);
                    }
                    acc[i] = _mm256_fmadd_ps(qv, v, acc[i]);
                }
            }
        }
    }
    for (int i = 0; i < tokens; i++) {
        __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1));
        s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        s4 = _mm_add_ss(s4, _mm_movehdup_ps(s4));
        out[i] = base + _mm_cvtss_f32(s4);
    }
}

__attribute__((target("avx2,fma")))
static void tw_score_codes_avx2(const float *q, size_t padded_dim, int bits, const float *weights,
                                const uint8_t *codes, size_t count, float base, float *out) {
    size_t groups = padded_dim / tw_group_dims(bits), stride = groups * 16;
    size_t chunks = (groups + 3) / 4, full = groups / 4;
    int valid = (int)(4 * (groups % 4));   // dword lanes of the last, partial chunk
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i tail0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lane);
    __m256i tail1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid - 8), lane);
    size_t t = 0;
    if (bits == 4) {
        __m256 wlo = _mm256_loadu_ps(weights), whi = _mm256_loadu_ps(weights + 8);
        for (; t + 4 <= count; t += 4) tw_decode_tokens_avx2(4, 4, q, codes + t * stride, stride, chunks, full, tail0, tail1, wlo, whi, base, out + t);
        for (; t < count; t++) tw_decode_tokens_avx2(1, 4, q, codes + t * stride, stride, chunks, full, tail0, tail1, wlo, whi, base, out + t);
    } else {
        __m128 w4 = _mm_loadu_ps(weights);
        __m256 w = _mm256_set_m128(w4, w4);
        for (; t + 4 <= count; t += 4) tw_decode_tokens_avx2(4, 2, q, codes + t * stride, stride, chunks, full, tail0, tail1, w, w, base, out + t);
        for (; t < count; t++) tw_decode_tokens_avx2(1, 2, q, codes + t * stride, stride, chunks, full, tail0, tail1, w, w, base, out + t);
    }
}

static int tw_has_avx512bw(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v && tk_kernel_level() >= 2;
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx512bw") ? 1 : 0;
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v && tk_kernel_level() >= 2;
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>
// NEON: the same 16 dword lanes per 64-byte chunk, read as four q registers (lane L = 4·r + l, so the prepared query
// is the same). A field's code is masked out of each lane and turned into the byte offsets of its weight
// (4·code + 0..3), and one table lookup over the 64-byte weight table (16 weights at 4 bits, 4 at 2 bits) gathers
// four weights at once.
static inline __attribute__((always_inline))
void tw_decode_tokens_neon(int tokens, int bits, const float *q, const uint8_t *p0, size_t stride, size_t chunks,
                           size_t groups, uint8x16x4_t table, float base, float *out) {
    const int fields = 32 / bits;
    const uint32x4_t mask = vdupq_n_u32((1u << bits) - 1), spread = vdupq_n_u32(0x04040404u), offsets = vdupq_n_u32(0x03020100u);
    float32x4_t acc[4];
    for (int i = 0; i < tokens; i++) acc[i] = vdupq_n_f32(0.0f);
    for (size_t c = 0; c < chunks; c++) {
        const float *qc = q + c * 16 * (size_t)fields;
        size_t live = groups - 4 * c < 4 ? groups - 4 * c : 4;   // 16-byte groups present in this chunk
        for (size_t r = 0; r < live; r++) {
            uint32x4_t x[4];
            for (int i = 0; i < tokens; i++) x[i] = vld1q_u32((const uint32_t *)(p0 + (size_t)i * stride + 64 * c + 16 * r));
            for (int f = 0; f < fields; f++) {
                float32x4_t qv = vld1q_f32(qc + 16 * f + 4 * r);
                int32x4_t shift = vdupq_n_s32(-bits * f);
                for (int i = 0; i < tokens; i++) {
                    uint32x4_t code = vandq_u32(vshlq_u32(x[i], shift), mask);
                    uint8x16_t idx = vreinterpretq_u8_u32(vmlaq_u32(offsets, code, spread));
                    float32x4_t w = vreinterpretq_f32_u8(vqtbl4q_u8(table, idx));
                    acc[i] = vfmaq_f32(acc[i], qv, w);
                }
            }
        }
    }
    for (int i = 0; i < tokens; i++) out[i] = base + vaddvq_f32(acc[i]);
}

static void tw_score_codes_neon(const float *q, size_t padded_dim, int bits, const float *weights,
                                const uint8_t *codes, size_t count, float base, float *out) {
    size_t groups = padded_dim / tw_group_dims(bits), stride = groups * 16, chunks = (groups + 3) / 4;
    float w[16] = {0};
    memcpy(w, weights, ((size_t)1 << bits) * sizeof(float));
    uint8x16x4_t table;
    table.val[0] = vld1q_u8((const uint8_t *)w);
    table.val[1] = vld1q_u8((const uint8_t *)(w + 4));
    table.val[2] = vld1q_u8((const uint8_t *)(w + 8));
    table.val[3] = vld1q_u8((const uint8_t *)(w + 12));
    size_t t = 0;
    if (bits == 4) {
        for (; t + 4 <= count; t += 4) tw_decode_tokens_neon(4, 4, q, codes + t * stride, stride, chunks, groups, table, base, out + t);
        for (; t < count; t++) tw_decode_tokens_neon(1, 4, q, codes + t * stride, stride, chunks, groups, table, base, out + t);
    } else {
        for (; t + 4 <= count; t += 4) tw_decode_tokens_neon(4, 2, q, codes + t * stride, stride, chunks, groups, table, base, out + t);
        for (; t < count; t++) tw_decode_tokens_neon(1, 2, q, codes + t * stride, stride, chunks, groups, table, base, out + t);
    }
}
#endif

// 2: AVX-512BW decoding, 1: AVX2 or NEON, 0: portable. Every vector variant reads the prepared (lane-ordered) query.
static int tw_decode_level(void) {
#if defined(__x86_64__)
    if (tw_has_avx512bw()) return 2;
#endif
    return tk_kernel_level() >= 1 ? 1 : 0;
}

size_t tw_prepared_query_count(size_t padded_dim, int bits) {
    size_t g = tw_group_dims(bits), groups = padded_dim / g;
    return (groups + 3) / 4 * 4 * g;
}

void tw_prepare_query(const float *q, size_t padded_dim, int bits, float *out) {
    size_t count = tw_prepared_query_count(padded_dim, bits);
    if (tw_decode_level() > 0) {
        size_t groups = padded_dim / tw_group_dims(bits), fields = 32 / (size_t)bits;
        for (size_t c = 0; c * 4 < groups; c++)
            for (size_t f = 0; f < fields; f++)
                for (size_t L = 0; L < 16; L++) {
                    long d = tw_prepared_dimension(groups, bits, c, f, L);
                    out[c * fields * 16 + f * 16 + L] = d >= 0 ? q[d] : 0.0f;
                }
        return;
    }
    memcpy(out, q, padded_dim * sizeof(float));
    for (size_t i = padded_dim; i < count; i++) out[i] = 0.0f;
}

void tw_score_codes(const float *q, size_t padded_dim, int bits, const float *weights,
                    const uint8_t *codes, size_t count, float base, float *out) {
#if defined(__x86_64__)
    switch (tw_decode_level()) {
    case 2: tw_score_codes_avx512(q, padded_dim, bits, weights, codes, count, base, out); return;
    case 1: tw_score_codes_avx2(q, padded_dim, bits, weights, codes, count, base, out); return;
    default: break;
    }
#elif defined(__aarch64__)
    if (tw_decode_level() == 1) { tw_score_codes_neon(q, padded_dim, bits, weights, codes, count, base, out); return; }
#endif
    tw_score_codes_generic(q, padded_dim, bits, weights, codes, count, base, out);
}
