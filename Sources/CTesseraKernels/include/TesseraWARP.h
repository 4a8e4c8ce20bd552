#ifndef TESSERA_WARP_H
#define TESSERA_WARP_H
#include <stddef.h>
#include <stdint.h>

/// WARP residual codes (Tessera layout). A token's residual is quantised to `bits` ∈ {2, 4} per dimension and
/// stored in groups of G = 16·(8/bits) dimensions, 16 bytes per group: bits [bits·j, bits·(j+1)) of byte k of
/// group g hold the code of dimension g·G + 16·j + k. Dimensions are padded with zeros (code 0) to a whole
/// number of groups, so a token takes tw_code_bytes(dim, bits) bytes.

/// Bytes of one token's codes.
size_t tw_code_bytes(size_t dim, int bits);

/// Packs per-dimension codes (one byte per dimension, values < 2^bits) into the grouped layout.
void tw_pack_codes(const uint8_t *codes, size_t dim, int bits, uint8_t *out);

/// Unpacks the grouped layout into one byte per dimension.
void tw_unpack_codes(const uint8_t *packed, size_t dim, int bits, uint8_t *codes);

/// Quantises `count` residual rows (`dim` floats each) with the sorted cut-offs (2^bits − 1 of them) and packs
/// them: a value's code is the number of cut-offs ≤ it.
void tw_quantize(const float *residuals, size_t count, size_t dim, int bits, const float *cutoffs, uint8_t *out);

/// Floats of a query token prepared for tw_score_codes (padded_dim rounded up to whole 64-byte code chunks).
size_t tw_prepared_query_count(size_t padded_dim, int bits);
/// Lays out a zero-padded query token (padded_dim floats) in the order the decoding kernel reads codes.
void tw_prepare_query(const float *q, size_t padded_dim, int bits, float *out);

/// Implicit decompression of one cluster for one query token: for each of `count` tokens with packed codes
/// (`stride` bytes apart), out[t] = base + Σ_dims q[dim] · weights[code(dim)], where `q` is the query token
/// prepared by tw_prepare_query and `weights` the 2^bits bucket weights.
void tw_score_codes(const float *q, size_t padded_dim, int bits, const float *weights,
                    const uint8_t *codes, size_t count, float base, float *out);
#endif

#ifndef TESSERA_WARP_ARGMAX_H
#define TESSERA_WARP_ARGMAX_H
/// For each of `rows` rows (stride `ld`) of `cols` floats: the index of the largest value (first on ties)
/// into idx[r] and the value into val[r] (val may be NULL).
void tw_argmax_rows(const float *s, size_t rows, size_t cols, size_t ld, int32_t *idx, float *val);
#endif

#ifndef TESSERA_WARP_SELECT_H
#define TESSERA_WARP_SELECT_H
/// The `keep` largest of `n` scores, best first (ties: lower index first), into idx / val (keep ≤ n).
void tw_select_top(const float *scores, size_t n, size_t keep, int32_t *idx, float *val);
#endif

#ifndef TESSERA_WARP_CENTROIDS_H
#define TESSERA_WARP_CENTROIDS_H
/// bfloat16 (round to nearest even) of a float, and back.
uint16_t tw_float_to_bf16(float x);
float tw_bf16_to_float(uint16_t h);

/// Whether the CPU multiplies bfloat16 pairs natively (AVX512-BF16); otherwise a portable fp32 loop is used.
int tw_has_bf16_dot(void);

/// Elements (uint16) of K × dim bfloat16 centroids packed for tw_centroid_scores (panels of 32 centroids,
/// dimensions in pairs).
size_t tw_packed_centroids_count(size_t k, size_t dim);
/// Packs row-major K × dim bfloat16 centroids.
void tw_pack_centroids(const uint16_t *centroids, size_t k, size_t dim, uint16_t *packed);
/// n query rows (dim floats each) as bfloat16 pairs, ceil(dim/2) uint32 per row (low half: even dimension).
void tw_query_to_bf16_pairs(const float *q, size_t n, size_t dim, uint32_t *out);
/// scores[i·ldc + c] = ⟨q_i, centroid c⟩ for every centroid c of panels [panel_begin, panel_end) (32 centroids
/// each) and every query row i < n. With AVX512-BF16 the query is rounded to bfloat16 (`q_pairs`, from
/// tw_query_to_bf16_pairs) and products summed in fp32: |error| ≲ 2⁻⁸·‖q‖‖c‖. Otherwise exact fp32 from `q`.
void tw_centroid_scores(const float *q, const uint32_t *q_pairs, size_t n, size_t dim, const uint16_t *packed, size_t k,
                        float *scores, size_t ldc, size_t panel_begin, size_t panel_end);
/// ⟨q, row⟩ in fp32 for a row-major bfloat16 row.
float tw_dot_bf16_row(const float *q, const uint16_t *row, size_t dim);
#endif

#ifndef TESSERA_WARP_ASSIGN_H
#define TESSERA_WARP_ASSIGN_H
/// Nearest centroid (largest fp32 inner product, lowest index on ties) of each of n points (dim floats each):
/// screened with bfloat16 scores (`packed` from tw_pack_centroids of the bfloat16-rounded centroids; `pairs` has room
/// for n·ceil(dim/2) words, `scores` for n·k floats), then the exact fp32 inner product with `centroids` (k × dim
/// floats) of every centroid whose screened score is within the bfloat16 error bound of the best (`max_norm`: the
/// largest centroid norm). Only for CPUs with AVX512-BF16 (tw_has_bf16_dot); elsewhere a plain loop.
void tw_assign_screened(const float *x, size_t n, size_t dim, uint32_t *pairs, const uint16_t *packed, const float *centroids,
                        float max_norm, size_t k, float *scores, int32_t *out, float *best_scores);
#endif

#ifndef TESSERA_WARP_INT16_H
#define TESSERA_WARP_INT16_H
/// Whether stage 1 and the build's assignment screen use int16 products (AVX2 CPUs without AVX512-BF16; see
/// centroid_scores_i16.c). Capped by TESSERA_CPU like every kernel.
int tw_has_int16_scoring(void);
/// The relative error bound ε of an int16 score: |score − ⟨q, c⟩| ≤ ε·‖q‖·‖c‖.
float tw_int16_error_bound(size_t dim);
/// Packs K × dim float centroids as int16 (tw_packed_centroids_count(k, dim) elements, panels of 32, dimensions in
/// pairs), each centroid scaled to norm 32,000; inverse_scales[c] (K floats) undoes the scale (0 for a zero centroid).
void tw_pack_centroids_i16(const float *centroids, size_t k, size_t dim, int16_t *packed, float *inverse_scales);
/// n query rows as int16 pairs (ceil(dim/2) words per row, low half: even dimension) and their inverse scales.
void tw_query_to_i16_pairs(const float *q, size_t n, size_t dim, uint32_t *out, float *inverse_scales);
/// scores[i·ldc + c] ≈ ⟨q_i, centroid c⟩ (within tw_int16_error_bound) for the centroids of panels
/// [panel_begin, panel_end) and every query row i < n.
void tw_centroid_scores_i16(const uint32_t *q_pairs, const float *q_inverse_scales, size_t n, size_t dim,
                            const int16_t *packed, const float *inverse_scales, size_t k, float *scores, size_t ldc,
                            size_t panel_begin, size_t panel_end);
/// tw_assign_screened with int16 screening: `pairs` has room for n·ceil(dim/2) words and `inverse_scales` for n floats.
void tw_assign_screened_i16(const float *x, size_t n, size_t dim, uint32_t *pairs, float *inverse_scales,
                            const int16_t *packed, const float *centroid_inverse_scales, const float *centroids,
                            float max_norm, size_t k, float *scores, int32_t *out, float *best_scores);
#endif
