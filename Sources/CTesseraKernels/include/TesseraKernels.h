#ifndef TESSERA_KERNELS_H
#define TESSERA_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Hot float loops of the encoder and of search. Each public function picks, once per process, the best
/// variant the CPU supports (AVX-512, AVX2+FMA, or portable C), so one binary runs everywhere at full speed.

/// x[r][c] = gelu(x[r][c] + bias[c]) with the exact (erf) GELU; rows × cols, row stride `cols`.
void tk_bias_gelu(float *x, const float *bias, size_t rows, size_t cols);
/// x[r][c] += bias[c].
void tk_add_bias(float *x, const float *bias, size_t rows, size_t cols);
/// x[r] = LayerNorm(x[r] + y[r] + bias) * gamma + beta, per row of `cols` values (y or bias may be NULL).
void tk_add_layernorm(float *x, const float *y, const float *bias, const float *gamma, const float *beta,
                      size_t rows, size_t cols, float eps);
/// Row-wise softmax of s[r][0..<cols] * scale, rows with stride `ld`.
void tk_softmax_rows(float *s, size_t rows, size_t cols, size_t ld, float scale);
/// Scales x to unit L2 norm (left unchanged when the norm is 0). Returns the norm before scaling.
float tk_l2_normalize(float *x, size_t n);
/// Dot product of two float vectors.
float tk_dot(const float *a, const float *b, size_t n);
/// out[i] = dot(q, base + ids[i] * dim) for i < n, prefetching rows two ahead (graph search).
void tk_dot_gather(const float *q, const float *base, size_t dim, const int32_t *ids, size_t n, float *out);
/// out[c] = mean over rows of x[r][c] (rows ≥ 1).
void tk_mean_rows(const float *x, size_t rows, size_t cols, float *out);
/// Training forward of GELU: g[i] = u[i] * Phi(u[i]), recording phi[i] = Phi(u[i]) (the same Phi as tk_bias_gelu).
void tk_gelu_record(const float *u, float *g, float *phi, size_t n);
/// Training backward of GELU: du[i] = dg[i] * (phi[i] + u[i] * N(u[i]; 0, 1)), phi[i] = Phi(u[i]); du may alias dg.
void tk_gelu_backward(const float *dg, const float *u, const float *phi, float *du, size_t n);
/// The GELU of one value through the same vectorised erf (for tests).
float tk_gelu_scalar(float x);
/// Which variant runs: 2 = AVX-512, 1 = AVX2+FMA (x86) or NEON (AArch64), 0 = portable. The best the CPU
/// supports, capped by the environment variable TESSERA_CPU (`portable`, `avx2`, `avx512`; `portable`, `neon` on
/// ARM; read once per process), so every path can be tested on a machine that supports it.
int tk_kernel_level(void);
/// Sets the level for the rest of the process (capped by what the CPU supports) and returns it. For single-threaded
/// test programs that compare the variants with each other; libraries and apps use TESSERA_CPU.
int tk_set_kernel_level(int level);
/// CPU feature bits of tk_cpu_features().
#define TK_FEATURE_SSE42 0x1u
#define TK_FEATURE_AVX 0x2u
#define TK_FEATURE_AVX2 0x4u
#define TK_FEATURE_FMA 0x8u
#define TK_FEATURE_F16C 0x10u
#define TK_FEATURE_AVX512F 0x20u
#define TK_FEATURE_AVX512BW 0x40u
#define TK_FEATURE_AVX512DQ 0x80u
#define TK_FEATURE_AVX512VL 0x100u
#define TK_FEATURE_AVX512BF16 0x200u
#define TK_FEATURE_AVX512VNNI 0x400u
#define TK_FEATURE_AVXVNNI 0x800u
#define TK_FEATURE_SHA 0x1000u
#define TK_FEATURE_NEON 0x2000u
/// The instruction-set extensions this CPU reports (TK_FEATURE_* bits), whatever TESSERA_CPU says.
unsigned tk_cpu_features(void);
/// The best variant this CPU supports, ignoring TESSERA_CPU.
int tk_detected_kernel_level(void);
/// The cap TESSERA_CPU asks for: −1 when unset, 0/1/2 for portable/avx2 (neon)/avx512, −2 for a value this
/// architecture does not know.
int tk_requested_kernel_level(void);
/// Converts IEEE half-precision values to float.
void tk_f16_to_f32(const uint16_t *src, float *dst, size_t n);
/// Converts bfloat16 values to float.
void tk_bf16_to_f32(const uint16_t *src, float *dst, size_t n);

#endif

#ifndef TESSERA_GEMM_H
#define TESSERA_GEMM_H
/// Whether tk_gemm_packed runs here: AVX-512 or AVX2 + FMA on x86, NEON on AArch64 Linux (on Apple platforms
/// Accelerate's BLAS, which uses the matrix units, is faster and is used instead).
int tk_gemm_packed_available(void);
/// Whether tk_attention_head has a fused kernel here (AVX-512, AVX2); elsewhere it returns 0 and callers use BLAS.
int tk_attention_available(size_t dh);
/// Floats needed to pack a PyTorch Linear weight W [n × k] for tk_gemm_packed (the layout depends on the level,
/// so pack after any tk_set_kernel_level call).
size_t tk_packed_weights_size(size_t n, size_t k);
/// Packs W [n × k] (row-major) into panels for tk_gemm_packed.
void tk_pack_weights(const float *w, size_t n, size_t k, float *packed);
/// Floats of scratch space one tk_gemm_packed call needs.
size_t tk_gemm_workspace_size(void);
/// C[m × n] = A[m × k] · Wᵀ (+ bias[n] if not NULL), W packed by tk_pack_weights; `work` holds
/// tk_gemm_workspace_size() floats (64-byte aligned). Returns 0 (and does nothing) where no packed kernel runs
/// (tk_gemm_packed_available() is 0): callers then use BLAS.
int tk_gemm_packed(const float *a, size_t lda, const float *packed, const float *bias,
                   size_t m, size_t n, size_t k, float *c, size_t ldc, float *work);
#endif

#ifndef TESSERA_ATTENTION_H
#define TESSERA_ATTENTION_H
/// Floats of scratch (64-byte aligned) one tk_attention_head call needs.
size_t tk_attention_scratch_size(size_t len, size_t dh);
/// out[len × dh] = softmax(scale · Q Kᵀ) V for one head; q, k, v rows have stride `ld`, out rows `ldo`.
/// Returns 0 (doing nothing) when this CPU or head size has no fast path: callers then use BLAS.
int tk_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t len, size_t dh,
                      float scale, float *out, size_t ldo, float *scratch);
/// SHA-256 compression of `blocks` 64-byte blocks into `state` (8 words, FIPS 180-4 order): the x86 SHA
/// extensions where present (unless `portable` is non-zero), a portable loop otherwise.
void tk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, int portable);
#endif
