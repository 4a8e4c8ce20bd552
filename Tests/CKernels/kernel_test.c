// Cross-level test of the C kernels: every vector variant this CPU runs (AVX-512, AVX2 or NEON) against the portable
// one (level 0) on the same inputs, in one process (tk_set_kernel_level). Built and run by Scripts/test-c-kernels.sh
// natively and, for AArch64, cross-compiled and run under qemu-aarch64, so the NEON paths are tested on x86 machines.
// Prints one line per check; exits 1 if any check fails.
#include "TesseraKernels.h"
#include "TesseraWARP.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0, checks = 0;
static void check(int ok, const char *what, int level, double detail) {
    checks++;
    if (!ok) { failures++; printf("FAIL level %d: %s (%g)\n", level, what, detail); }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static float uniform(void) {  // SplitMix64 → [-0.5, 0.5)
    rng_state += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) / (float)(1 << 24) - 0.5f;
}
static float *randoms(size_t n, float scale) {
    float *x = malloc(n * sizeof(float) + 64);
    for (size_t i = 0; i < n; i++) x[i] = uniform() * scale;
    return x;
}
static void *aligned(size_t bytes) { return aligned_alloc(64, (bytes + 63) / 64 * 64 + 64); }

// The packed GEMM equals the scalar replay of its accumulation order bit for bit (bias, one FMA per k within a
// 256-wide k block, later blocks' partial sums added), at every level where it runs.
static void test_gemm(int level) {
    if (!tk_gemm_packed_available()) return;
    size_t shapes[][3] = {{1, 5, 3}, {7, 33, 300}, {25, 64, 513}, {97, 40, 256}, {13, 16, 17}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = randoms(m * k, 1), *w = randoms(n * k, 1), *bias = randoms(n, 1), *c = malloc(m * n * 4);
        float *packed = aligned(tk_packed_weights_size(n, k) * 4), *work = aligned(tk_gemm_workspace_size() * 4);
        tk_pack_weights(w, n, k, packed);
        int ran = tk_gemm_packed(a, k, packed, bias, m, n, k, c, n, work);
        size_t bad = 0;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                float out = 0;
                for (size_t k0 = 0; k0 < k; k0 += 256) {
                    float acc = k0 == 0 ? bias[j] : 0;
                    for (size_t p = k0; p < k && p < k0 + 256; p++) acc = fmaf(a[i * k + p], w[j * k + p], acc);
                    out = k0 == 0 ? acc : out + acc;
                }
                if (memcmp(&out, &c[i * n + j], 4) != 0) bad++;
            }
        check(ran && bad == 0, "packed gemm equals the scalar replay bit for bit", level, (double)bad);
        free(a); free(w); free(bias); free(c); free(packed); free(work);
    }
}

// Elementwise kernels: each variant within float rounding of the portable one.
static void test_elementwise(int level) {
    size_t rows = 7, cols = 389;
    float *x0 = randoms(rows * cols, 8), *bias = randoms(cols, 1), *gamma = randoms(cols, 2), *beta = randoms(cols, 1);
    float *y = randoms(rows * cols, 1);
    float *ref = malloc(rows * cols * 4), *got = malloc(rows * cols * 4);
    double worst;
    // GELU
    memcpy(ref, x0, rows * cols * 4); tk_set_kernel_level(0); tk_bias_gelu(ref, bias, rows, cols);
    memcpy(got, x0, rows * cols * 4); tk_set_kernel_level(level); tk_bias_gelu(got, bias, rows, cols);
    worst = 0; for (size_t i = 0; i < rows * cols; i++) worst = fmax(worst, fabs(ref[i] - got[i]));
    check(worst < 1e-5, "bias + gelu agrees with portable", level, worst);
    // Training GELU backward (Phi from libm, as the training forward records it): against the portable variant and
    // the finite difference of the exact GELU.
    {
        size_t n = rows * cols;
        float *p0 = malloc(n * 4), *d0 = malloc(n * 4), *d1 = malloc(n * 4);
        for (size_t i = 0; i < n; i++) p0[i] = (float)(0.5 * erfc(-x0[i] / sqrt(2.0)));
        tk_set_kernel_level(0); tk_gelu_backward(y, x0, p0, d0, n);
        tk_set_kernel_level(level); tk_gelu_backward(y, x0, p0, d1, n);
        worst = 0;
        for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs(d0[i] - d1[i]));
        check(worst < 1e-5, "training gelu backward agrees with portable", level, worst);
        double fd = 0;
        for (size_t i = 0; i < n; i += 37) {
            double u = x0[i], h = 1e-3, cdf_hi = 0.5 * erfc(-(u + h) / sqrt(2.0)), cdf_lo = 0.5 * erfc(-(u - h) / sqrt(2.0));
            double slope = ((u + h) * cdf_hi - (u - h) * cdf_lo) / (2 * h);
            fd = fmax(fd, fabs(slope * y[i] - d1[i]));
        }
        check(fd < 1e-4, "training gelu backward equals the finite difference of the exact GELU", level, fd);
        free(p0); free(d0); free(d1);
    }
    // Training GELU forward: the recorded Phi against Phi in double over [-12, 12] (every 1/4096), within 4 ulp
    // (2e-10 absolute past x = -5.5, where Phi < 2e-8; libm's 0.5 (1 + erff(x / sqrt 2)), the formula of PyTorch's scalar path, is 19 ulp off in the
    // negative tail), and each level against the portable one.
    {
        size_t n = 24 * 4096 + 1;
        float *u = malloc(n * 4), *g = malloc(n * 4), *phi = malloc(n * 4), *g0 = malloc(n * 4), *phi0 = malloc(n * 4);
        for (size_t i = 0; i < n; i++) u[i] = -12.0f + (float)i / 4096.0f;
        tk_set_kernel_level(0); tk_gelu_record(u, g0, phi0, n);
        tk_set_kernel_level(level); tk_gelu_record(u, g, phi, n);
        double ulps = 0, spread = 0;
        for (size_t i = 0; i < n; i++) {
            double exact = 0.5 * erfc(-(double)u[i] / sqrt(2.0));
            double ulp = u[i] < -5.5f ? 5e-11 : nextafterf((float)exact, INFINITY) - (float)exact;
            ulps = fmax(ulps, fabs(phi[i] - exact) / ulp);
            double scale = fmax(1.0, fabs(g0[i]));
            spread = fmax(spread, fmax(fabs(phi[i] - phi0[i]), fmax(fabs(g[i] - g0[i]), fabs(g[i] - u[i] * phi[i]))) / scale);
        }
        check(ulps <= 4.0, "training gelu forward: Phi within 4 ulp of Phi in double", level, ulps);
        check(spread < 5e-7, "training gelu forward agrees with portable and records Phi", level, spread);
        free(u); free(g); free(phi); free(g0); free(phi0);
    }
    // LayerNorm with residual and bias
    memcpy(ref, x0, rows * cols * 4); tk_set_kernel_level(0); tk_add_layernorm(ref, y, bias, gamma, beta, rows, cols, 1e-12f);
    memcpy(got, x0, rows * cols * 4); tk_set_kernel_level(level); tk_add_layernorm(got, y, bias, gamma, beta, rows, cols, 1e-12f);
    worst = 0; for (size_t i = 0; i < rows * cols; i++) worst = fmax(worst, fabs(ref[i] - got[i]));
    check(worst < 1e-4, "add + layernorm agrees with portable", level, worst);
    // softmax rows with stride
    memcpy(ref, x0, rows * cols * 4); tk_set_kernel_level(0); tk_softmax_rows(ref, rows, cols - 5, cols, 0.17f);
    memcpy(got, x0, rows * cols * 4); tk_set_kernel_level(level); tk_softmax_rows(got, rows, cols - 5, cols, 0.17f);
    worst = 0; for (size_t i = 0; i < rows * cols; i++) worst = fmax(worst, fabs(ref[i] - got[i]));
    check(worst < 1e-6, "softmax agrees with portable", level, worst);
    // dot and gather-dot
    int32_t ids[9] = {3, 0, 6, 6, 1, 2, 5, 4, 0};
    float r[9], g[9];
    tk_set_kernel_level(0); tk_dot_gather(y, x0, cols, ids, 9, r); float d0 = tk_dot(x0, y, rows * cols);
    tk_set_kernel_level(level); tk_dot_gather(y, x0, cols, ids, 9, g); float d1 = tk_dot(x0, y, rows * cols);
    worst = 0; for (int i = 0; i < 9; i++) worst = fmax(worst, fabs(r[i] - g[i]));
    check(worst < 1e-3 && fabs(d0 - d1) < 1e-2, "dot / gather-dot agree with portable", level, worst);
    free(x0); free(bias); free(gamma); free(beta); free(y); free(ref); free(got);
}

// Attention (where a fused kernel runs) against softmax(scale QKᵀ)V computed in double.
static void test_attention(int level) {
    size_t dh = 32, ld = 3 * 64;
    size_t lengths[] = {1, 7, 8, 9, 33, 130};
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        size_t len = lengths[li];
        if (!tk_attention_available(dh)) return;
        float *qkv = randoms(len * ld, 4), *out = calloc(len * 64, 4);
        float *scratch = aligned(tk_attention_scratch_size(len, dh) * 4);
        float scale = 1.0f / sqrtf((float)dh);
        int ran = tk_attention_head(qkv, qkv + 64, qkv + 128, ld, len, dh, scale, out, 64, scratch);
        double worst = 0, *p = malloc(len * sizeof(double));
        for (size_t i = 0; i < len; i++) {
            double mx = -1e300, total = 0;
            for (size_t j = 0; j < len; j++) {
                double s = 0;
                for (size_t d = 0; d < dh; d++) s += (double)qkv[i * ld + d] * qkv[j * ld + 64 + d];
                p[j] = s * scale; mx = fmax(mx, p[j]);
            }
            for (size_t j = 0; j < len; j++) { p[j] = exp(p[j] - mx); total += p[j]; }
            for (size_t d = 0; d < dh; d++) {
                double e = 0;
                for (size_t j = 0; j < len; j++) e += p[j] / total * qkv[j * ld + 128 + d];
                worst = fmax(worst, fabs(e - out[i * 64 + d]));
            }
        }
        check(ran && worst < 1e-4, "fused attention equals the reference", level, worst);
        free(qkv); free(out); free(scratch); free(p);
    }
}

// WARP decoding: every variant scores the same packed codes as the portable loop, for both bit widths, dimensions
// that leave partial chunks, and token counts that use every block size.
static void test_decoding(int level) {
    int bitses[] = {2, 4};
    size_t dims[] = {40, 64, 100, 384, 416};
    for (int bi = 0; bi < 2; bi++)
        for (size_t di = 0; di < sizeof dims / sizeof dims[0]; di++) {
            int bits = bitses[bi];
            size_t d = dims[di], g = (size_t)16 * (size_t)(8 / bits), pd = (d + g - 1) / g * g, count = 37;
            size_t bytes = tw_code_bytes(pd, bits);
            uint8_t *codes = malloc(count * bytes);
            for (size_t i = 0; i < count * bytes; i++) codes[i] = (uint8_t)(uniform() * 256 + 128);
            float *q = randoms(pd, 2), w[16];
            for (size_t j = d; j < pd; j++) q[j] = 0;
            for (int j = 0; j < 16; j++) w[j] = -0.1f + 0.013f * (float)j + 0.001f * (float)(j * j);
            size_t pc = tw_prepared_query_count(pd, bits);
            float *prepared = malloc(pc * 4), *ref = malloc(count * 4), *got = malloc(count * 4);
            tk_set_kernel_level(0);
            tw_prepare_query(q, pd, bits, prepared);
            tw_score_codes(prepared, pd, bits, w, codes, count, 0.25f, ref);
            tk_set_kernel_level(level);
            tw_prepare_query(q, pd, bits, prepared);
            double worst = 0;
            size_t counts[] = {1, 2, 3, 4, 5, 37};
            for (size_t ci = 0; ci < 6; ci++) {
                for (size_t t = 0; t < count; t++) got[t] = NAN;
                tw_score_codes(prepared, pd, bits, w, codes, counts[ci], 0.25f, got);
                for (size_t t = 0; t < counts[ci]; t++) worst = fmax(worst, fabs(ref[t] - got[t]));
                if (counts[ci] < count) check(isnan(got[counts[ci]]), "decoding writes nothing past count", level, 0);
            }
            check(worst < 1e-4, "residual decoding agrees with portable", level, worst);
            free(codes); free(q); free(prepared); free(ref); free(got);
        }
}

// Top-n selection and argmax give exactly the portable results (including ties and the prefilter's retries).
static void test_selection(int level) {
    size_t ns[] = {100, 4096, 16384};
    for (size_t ni = 0; ni < 3; ni++) {
        size_t n = ns[ni], keep = 128 < n ? 128 : n / 2;
        float *s = randoms(n, 1);
        for (size_t i = 0; i < n; i += 7) s[i] = 0.25f;                  // ties
        if (ni == 2) for (size_t i = 0; i < 40; i++) s[i * 97] = 5.0f;   // outliers
        int32_t ri[512], gi[512], ra, ga;
        float rv[512], gv[512], rav, gav;
        tk_set_kernel_level(0); tw_select_top(s, n, keep, ri, rv); tw_argmax_rows(s, 1, n, n, &ra, &rav);
        tk_set_kernel_level(level); tw_select_top(s, n, keep, gi, gv); tw_argmax_rows(s, 1, n, n, &ga, &gav);
        check(memcmp(ri, gi, keep * 4) == 0 && memcmp(rv, gv, keep * 4) == 0, "top-n selection equals portable", level, (double)n);
        check(ra == ga && rav == gav, "argmax equals portable", level, (double)n);
        free(s);
    }
}

// Stage-1 centroid scoring: the level's path (bfloat16, int16 or fp32) within its error bound of fp32.
static void test_centroids(int level) {
    size_t n = 13, k = 100, d = 48;
    float *c = randoms(k * d, 2), *q = randoms(n * d, 2), *s = malloc(n * k * 4), *inv = malloc(k * 4), *qinv = malloc(n * 4);
    uint16_t *bf = malloc(k * d * 2), *packed = malloc(tw_packed_centroids_count(k, d) * 2);
    for (size_t i = 0; i < k * d; i++) { bf[i] = tw_float_to_bf16(c[i]); c[i] = tw_bf16_to_float(bf[i]); }
    uint32_t *pairs = malloc(n * ((d + 1) / 2) * 4);
    double worst = 0;
    // int16
    int16_t *p16 = malloc(tw_packed_centroids_count(k, d) * 2);
    tw_pack_centroids_i16(c, k, d, p16, inv);
    tw_query_to_i16_pairs(q, n, d, pairs, qinv);
    tw_centroid_scores_i16(pairs, qinv, n, d, p16, inv, k, s, k, 0, (k + 31) / 32);
    float eps = tw_int16_error_bound(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double e = 0, qn = 0, cn = 0;
            for (size_t t = 0; t < d; t++) { e += (double)q[i * d + t] * c[j * d + t]; qn += q[i * d + t] * q[i * d + t]; cn += c[j * d + t] * c[j * d + t]; }
            worst = fmax(worst, fabs(s[i * k + j] - e) / (eps * sqrt(qn * cn) + 1e-7));
        }
    check(worst <= 1, "int16 centroid scores within their bound", level, worst);
    // bfloat16 packed (fp32 products without AVX512-BF16)
    tw_pack_centroids(bf, k, d, packed);
    tw_query_to_bf16_pairs(q, n, d, pairs);
    tw_centroid_scores(q, pairs, n, d, packed, k, s, k, 0, (k + 31) / 32);
    worst = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double e = 0, qn = 0, cn = 0;
            for (size_t t = 0; t < d; t++) { e += (double)q[i * d + t] * c[j * d + t]; qn += q[i * d + t] * q[i * d + t]; cn += c[j * d + t] * c[j * d + t]; }
            worst = fmax(worst, fabs(s[i * k + j] - e) / (sqrt(qn * cn) / 256 + 1e-5));
        }
    check(worst <= 1, "bfloat16-stored centroid scores within their bound", level, worst);
    // screened assignment = exact argmax
    int32_t a16[13], ex[13];
    float best[13];
    uint32_t *apairs = malloc((n * ((d + 1) / 2) + n) * 4);
    tw_assign_screened_i16(q, n, d, apairs, (float *)(apairs + n * ((d + 1) / 2)), p16, inv, c, 10.0f, k, s, a16, best);
    tk_set_kernel_level(0);
    tw_assign_screened_i16(q, n, d, apairs, (float *)(apairs + n * ((d + 1) / 2)), p16, inv, c, 10.0f, k, s, ex, NULL);
    tk_set_kernel_level(level);
    check(memcmp(a16, ex, sizeof a16) == 0, "int16-screened assignment equals the exact argmax", level, 0);
    free(c); free(q); free(s); free(inv); free(qinv); free(bf); free(packed); free(pairs); free(p16); free(apairs);
}

int main(void) {
    int detected = tk_detected_kernel_level();
    for (int level = 0; level <= detected; level++) {
        tk_set_kernel_level(level);
        test_gemm(level);
        test_elementwise(level);
        test_attention(level);
        test_decoding(level);
        test_selection(level);
        test_centroids(level);
        tk_set_kernel_level(level);
        printf("level %d: %s\n", level, level == 0 ? "portable" : "vector");
    }
    printf("%d checks, %d failures (levels 0..%d)\n", checks, failures, detected);
    return failures ? 1 : 0;
}
