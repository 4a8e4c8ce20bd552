// Speed of each C kernel at every dispatch level this CPU runs (tk_set_kernel_level), best of 7 timed runs, one
// thread. Shapes are those of all-MiniLM-L6-v2 and of the SciFact WARP index (384 dims, 16,384 centroids, ~76
// tokens per cluster, 23-token queries). Prints one JSON line per kernel and level. Run: Benchmarks/kernel_bench.sh
#include "TesseraKernels.h"
#include "TesseraWARP.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__aarch64__)
#include <cblas.h>
#define HAVE_BLAS 1
#endif

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static float *randoms(size_t n) {
    float *x = aligned_alloc(64, (n * 4 + 63) / 64 * 64 + 64);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    return x;
}
#define BEST(reps, body) ({ double best = 1e30; for (int t_ = 0; t_ < 7; t_++) { double t0_ = now(); \
    for (int r_ = 0; r_ < (reps); r_++) { body; } double e_ = (now() - t0_) / (reps); if (e_ < best) best = e_; } best; })

static void gemm(int level, size_t m, size_t n, size_t k) {
    float *a = randoms(m * k), *w = randoms(n * k), *c = randoms(m * n);
    int reps = (int)(2e9 / (2.0 * m * n * k)) + 1;
    if (tk_gemm_packed_available()) {
        float *p = aligned_alloc(64, tk_packed_weights_size(n, k) * 4), *work = aligned_alloc(64, tk_gemm_workspace_size() * 4 + 64);
        tk_pack_weights(w, n, k, p);
        double s = BEST(reps, tk_gemm_packed(a, k, p, NULL, m, n, k, c, n, work));
        printf("{\"kernel\":\"gemm packed\",\"level\":%d,\"shape\":\"%zux%zux%zu\",\"gflops\":%.1f}\n", level, m, n, k, 2.0 * m * n * k / s / 1e9);
        free(p); free(work);
    }
#ifdef HAVE_BLAS
    if (level == 0) {
        openblas_set_num_threads(1);
        double s = BEST(reps, cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1, a, (int)k, w, (int)k, 0, c, (int)n));
        printf("{\"kernel\":\"gemm openblas\",\"level\":%d,\"shape\":\"%zux%zux%zu\",\"gflops\":%.1f}\n", level, m, n, k, 2.0 * m * n * k / s / 1e9);
    }
#endif
    free(a); free(w); free(c);
}

int main(void) {
    int detected = tk_detected_kernel_level();
    size_t d = 384, k = 16384, n = 23;
    for (int level = 0; level <= detected; level++) {
        tk_set_kernel_level(level);
        gemm(level, 7680, 1536, 384);
        gemm(level, 7680, 384, 1536);
        gemm(level, 23, 1536, 384);
        // attention, one head of a 240-token sequence
        if (tk_attention_available(32)) {
            size_t len = 240, ld = 1152;
            float *qkv = randoms(len * ld), *out = randoms(len * 384), *scratch = aligned_alloc(64, tk_attention_scratch_size(len, 32) * 4 + 64);
            double s = BEST(200, tk_attention_head(qkv, qkv + 384, qkv + 768, ld, len, 32, 0.17f, out, 384, scratch));
            printf("{\"kernel\":\"attention head\",\"level\":%d,\"length\":240,\"us\":%.1f,\"gflops\":%.1f}\n", level, s * 1e6, 4.0 * len * len * 32 / s / 1e9);
            free(qkv); free(out); free(scratch);
        }
        // GELU and LayerNorm over 240 x 1536 / 240 x 384
        float *x = randoms(240 * 1536), *b = randoms(1536), *g = randoms(1536);
        double s = BEST(50, tk_bias_gelu(x, b, 240, 1536));
        printf("{\"kernel\":\"bias gelu\",\"level\":%d,\"ns_per_value\":%.2f}\n", level, s / (240 * 1536) * 1e9);
        s = BEST(200, tk_add_layernorm(x, x + 240 * 384, b, g, b, 240, 384, 1e-12f));
        printf("{\"kernel\":\"add layernorm\",\"level\":%d,\"ns_per_row\":%.1f}\n", level, s / 240 * 1e9);
        // WARP decoding, 76 tokens (a cluster)
        for (int bits = 4; bits >= 2; bits -= 2) {
            size_t bytes = tw_code_bytes(d, bits), count = 76;
            uint8_t *codes = malloc(count * bytes);
            for (size_t i = 0; i < count * bytes; i++) codes[i] = (uint8_t)rand();
            float *q = randoms(d), w[16], *prep = malloc(tw_prepared_query_count(d, bits) * 4), outs[76];
            for (int i = 0; i < 16; i++) w[i] = 0.01f * (float)i - 0.08f;
            tw_prepare_query(q, d, bits, prep);
            s = BEST(20000, tw_score_codes(prep, d, bits, w, codes, count, 0, outs));
            printf("{\"kernel\":\"warp decoding\",\"level\":%d,\"bits\":%d,\"ns_per_token\":%.2f}\n", level, bits, s / count * 1e9);
            free(codes); free(q); free(prep);
        }
        // top-128 of 16,384 centroid scores
        float *scores = randoms(k);
        int32_t idx[128]; float val[128];
        s = BEST(2000, tw_select_top(scores, k, 128, idx, val));
        printf("{\"kernel\":\"warp top-128 of 16384\",\"level\":%d,\"us\":%.2f}\n", level, s * 1e6);
        // stage 1: 23 query tokens x 16,384 centroids
        float *cent = randoms(k * d), *qq = randoms(n * d), *out = malloc(n * k * 4), *inv = malloc(k * 4), *qinv = malloc(n * 4);
        int16_t *p16 = malloc(tw_packed_centroids_count(k, d) * 2);
        uint32_t *pairs = malloc(n * 192 * 4);
        tw_pack_centroids_i16(cent, k, d, p16, inv);
        tw_query_to_i16_pairs(qq, n, d, pairs, qinv);
        s = BEST(5, tw_centroid_scores_i16(pairs, qinv, n, d, p16, inv, k, out, k, 0, k / 32));
        printf("{\"kernel\":\"warp stage 1 int16\",\"level\":%d,\"ms_per_query\":%.2f,\"gmacs\":%.1f}\n", level, s * 1e3, (double)n * k * d / s / 1e9);
        if (tk_gemm_packed_available()) {
            float *pw = aligned_alloc(64, tk_packed_weights_size(k, d) * 4), *work = aligned_alloc(64, tk_gemm_workspace_size() * 4 + 64);
            tk_pack_weights(cent, k, d, pw);
            s = BEST(5, tk_gemm_packed(qq, d, pw, NULL, n, k, d, out, k, work));
            printf("{\"kernel\":\"warp stage 1 fp32 gemm\",\"level\":%d,\"ms_per_query\":%.2f,\"gmacs\":%.1f}\n", level, s * 1e3, (double)n * k * d / s / 1e9);
            free(pw); free(work);
        }
        free(x); free(b); free(g); free(scores); free(cent); free(qq); free(out); free(inv); free(qinv); free(p16); free(pairs);
    }
    return 0;
}
