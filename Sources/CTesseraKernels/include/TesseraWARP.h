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

/// Implicit decompression of one cluster for one query token: for each of `count` tokens with packed codes
/// (`stride` bytes apart), out[t] = base + Σ_dims q[dim] · weights[code(dim)], where `q` holds
/// groups·G floats (the query token, zero-padded) and `weights` the 2^bits bucket weights.
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
