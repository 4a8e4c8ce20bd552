#include "TesseraKernels.h"
#include <math.h>
#include <string.h>
#include <stdlib.h>

// Float reductions in these kernels are allowed to be reassociated so they vectorise.
#pragma clang fp reassociate(on)

#define SUFFIX generic
#define TK_TARGET
#include "kernels_body.h"
#undef SUFFIX
#undef TK_TARGET

#if defined(__x86_64__)
#define SUFFIX avx2
#define TK_TARGET __attribute__((target("avx2,fma")))
#include "kernels_body.h"
#undef SUFFIX
#undef TK_TARGET

#define SUFFIX avx512
#define TK_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#include "kernels_body.h"
#undef SUFFIX
#undef TK_TARGET
#endif

static int tk_level = -1;
static int tk_detected = -1;

int tk_detected_kernel_level(void) {
    int level = __atomic_load_n(&tk_detected, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) level = 2;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = 1;
#elif defined(__aarch64__)
    level = 1;  // Advanced SIMD (NEON) is part of every AArch64 CPU
#endif
    __atomic_store_n(&tk_detected, level, __ATOMIC_RELAXED);
    return level;
}

unsigned tk_cpu_features(void) {
    unsigned f = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) f |= TK_FEATURE_SSE42;
    if (__builtin_cpu_supports("avx")) f |= TK_FEATURE_AVX;
    if (__builtin_cpu_supports("avx2")) f |= TK_FEATURE_AVX2;
    if (__builtin_cpu_supports("fma")) f |= TK_FEATURE_FMA;
    if (__builtin_cpu_supports("f16c")) f |= TK_FEATURE_F16C;
    if (__builtin_cpu_supports("avx512f")) f |= TK_FEATURE_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= TK_FEATURE_AVX512BW;
    if (__builtin_cpu_supports("avx512dq")) f |= TK_FEATURE_AVX512DQ;
    if (__builtin_cpu_supports("avx512vl")) f |= TK_FEATURE_AVX512VL;
    if (__builtin_cpu_supports("avx512bf16")) f |= TK_FEATURE_AVX512BF16;
    if (__builtin_cpu_supports("avx512vnni")) f |= TK_FEATURE_AVX512VNNI;
    if (__builtin_cpu_supports("avxvnni")) f |= TK_FEATURE_AVXVNNI;
    if (__builtin_cpu_supports("sha")) f |= TK_FEATURE_SHA;
#elif defined(__aarch64__)
    f |= TK_FEATURE_NEON;
#endif
    return f;
}

int tk_requested_kernel_level(void) {
    const char *v = getenv("TESSERA_CPU");
    if (!v || !*v) return -1;
    if (strcmp(v, "portable") == 0) return 0;
#if defined(__aarch64__)
    if (strcmp(v, "neon") == 0) return 1;
#else
    if (strcmp(v, "avx2") == 0) return 1;
    if (strcmp(v, "avx512") == 0) return 2;
#endif
    return -2;
}

int tk_set_kernel_level(int level) {
    int detected = tk_detected_kernel_level();
    if (level < 0) level = 0;
    if (level > detected) level = detected;
    __atomic_store_n(&tk_level, level, __ATOMIC_RELAXED);
    return level;
}

int tk_kernel_level(void) {
    int level = __atomic_load_n(&tk_level, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = tk_detected_kernel_level();
    int cap = tk_requested_kernel_level();
    if (cap >= 0 && cap < level) level = cap;
    __atomic_store_n(&tk_level, level, __ATOMIC_RELAXED);
    return level;
}

#if defined(__x86_64__)
#define TK_DISPATCH(name, ...) do { switch (tk_kernel_level()) { \
    case 2: name##_avx512(__VA_ARGS__); return; \
    case 1: name##_avx2(__VA_ARGS__); return; \
    default: name##_generic(__VA_ARGS__); return; } } while (0)
#define TK_DISPATCH_RET(name, ...) do { switch (tk_kernel_level()) { \
    case 2: return name##_avx512(__VA_ARGS__); \
    case 1: return name##_avx2(__VA_ARGS__); \
    default: return name##_generic(__VA_ARGS__); } } while (0)
#else
#define TK_DISPATCH(name, ...) do { name##_generic(__VA_ARGS__); return; } while (0)
#define TK_DISPATCH_RET(name, ...) do { return name##_generic(__VA_ARGS__); } while (0)
#endif

void tk_bias_gelu(float *x, const float *bias, size_t rows, size_t cols) { TK_DISPATCH(bias_gelu, x, bias, rows, cols); }
void tk_add_bias(float *x, const float *bias, size_t rows, size_t cols) { TK_DISPATCH(add_bias, x, bias, rows, cols); }
void tk_add_layernorm(float *x, const float *y, const float *bias, const float *gamma, const float *beta,
                      size_t rows, size_t cols, float eps) {
    TK_DISPATCH(add_layernorm, x, y, bias, gamma, beta, rows, cols, eps);
}
void tk_softmax_rows(float *s, size_t rows, size_t cols, size_t ld, float scale) {
    TK_DISPATCH(softmax_rows, s, rows, cols, ld, scale);
}
float tk_dot(const float *a, const float *b, size_t n) { TK_DISPATCH_RET(dot, a, b, n); }
float tk_gelu_scalar(float x) { return gelu_generic(x); }
void tk_gelu_record(const float *u, float *g, float *phi, size_t n) { TK_DISPATCH(gelu_record, u, g, phi, n); }
void tk_gelu_backward(const float *dg, const float *u, const float *phi, float *du, size_t n) {
    TK_DISPATCH(gelu_backward, dg, u, phi, du, n);
}
void tk_dot_gather(const float *q, const float *base, size_t dim, const int32_t *ids, size_t n, float *out) {
    TK_DISPATCH(dot_gather, q, base, dim, ids, n, out);
}

float tk_l2_normalize(float *x, size_t n) {
    double sq = 0;
    for (size_t i = 0; i < n; i++) sq += (double)x[i] * (double)x[i];
    double norm = sqrt(sq);
    if (norm > 0) {
        float inv = (float)(1.0 / norm);
        for (size_t i = 0; i < n; i++) x[i] *= inv;
    }
    return (float)norm;
}

void tk_mean_rows(const float *x, size_t rows, size_t cols, float *out) {
    for (size_t c = 0; c < cols; c++) out[c] = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        for (size_t c = 0; c < cols; c++) out[c] += row[c];
    }
    float inv = 1.0f / (float)(rows > 0 ? rows : 1);
    for (size_t c = 0; c < cols; c++) out[c] *= inv;
}

void tk_f16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t h = src[i];
        uint32_t sign = (h & 0x8000u) << 16;
        uint32_t exp = (h >> 10) & 0x1fu;
        uint32_t mant = h & 0x3ffu;
        uint32_t bits;
        if (exp == 0) {
            if (mant == 0) { bits = sign; }
            else {  // subnormal half: normalise
                int e = -1;
                do { mant <<= 1; e++; } while ((mant & 0x400u) == 0);
                mant &= 0x3ffu;
                bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (mant << 13);
            }
        } else if (exp == 0x1f) {
            bits = sign | 0x7f800000u | (mant << 13);
        } else {
            bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
        }
        memcpy(&dst[i], &bits, 4);
    }
}

void tk_bf16_to_f32(const uint16_t *src, float *dst, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = (uint32_t)src[i] << 16;
        memcpy(&dst[i], &bits, 4);
    }
}
