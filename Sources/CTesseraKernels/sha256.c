// SHA-256 block compression (FIPS 180-4) for index checksums and model files: the x86 SHA extensions
// (sha256rnds2 / sha256msg1 / sha256msg2) where the CPU has them, a portable loop otherwise.
#include "TesseraKernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t tk_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t tk_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void tk_sha256_portable(uint32_t h[8], const uint8_t *data, size_t blocks) {
    for (size_t b = 0; b < blocks; b++, data += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 | (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = tk_rotr(w[i - 15], 7) ^ tk_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = tk_rotr(w[i - 2], 17) ^ tk_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = hh + (tk_rotr(e, 6) ^ tk_rotr(e, 11) ^ tk_rotr(e, 25)) + ((e & f) ^ (~e & g)) + tk_sha256_k[i] + w[i];
            uint32_t t2 = (tk_rotr(a, 2) ^ tk_rotr(a, 13) ^ tk_rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
        }
        h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
}

#if defined(__x86_64__)
// The SHA extensions keep the state as two vectors, {a, b, e, f} and {c, d, g, h} (highest lane first); each
// sha256rnds2 does two rounds with the two message+constant words in the low lanes of its third operand.
__attribute__((target("sha,sse4.1,ssse3")))
static void tk_sha256_shani(uint32_t h[8], const uint8_t *data, size_t blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);  // big-endian words
    __m128i dcba = _mm_loadu_si128((const __m128i *)h);         // lanes 0..3: a b c d
    __m128i hgfe = _mm_loadu_si128((const __m128i *)(h + 4));   // lanes 0..3: e f g h
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);               // b a d c
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);               // h g f e
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);              // f e b a
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);           // h g d c
    for (size_t b = 0; b < blocks; b++, data += 64) {
        __m128i save0 = abef, save1 = cdgh;
        __m128i w[16];
        for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), swap);
        for (int i = 4; i < 16; i++) {
            __m128i t = _mm_sha256msg1_epu32(w[i - 4], w[i - 3]);                // W[t−16] + σ0(W[t−15])
            t = _mm_add_epi32(t, _mm_alignr_epi8(w[i - 1], w[i - 2], 4));        // + W[t−7]
            w[i] = _mm_sha256msg2_epu32(t, w[i - 1]);                            // + σ1(W[t−2])
        }
        for (int i = 0; i < 16; i++) {
            __m128i m = _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)(tk_sha256_k + 4 * i)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0E));
        }
        abef = _mm_add_epi32(abef, save0);
        cdgh = _mm_add_epi32(cdgh, save1);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);               // a b e f (lanes 0..3)
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);               // g h c d
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));        // a b c d
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));     // e f g h
}

static int tk_has_sha(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v >= 0) return v;
    unsigned a, b, c, d;
    v = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && ((b >> 29) & 1)) {         // SHA
        if (__get_cpuid(1, &a, &b, &c, &d)) v = ((c >> 19) & 1) && ((c >> 9) & 1);  // SSE4.1, SSSE3
    }
    __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    return v;
}
#endif

void tk_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, int portable) {
#if defined(__x86_64__)
    if (!portable && tk_has_sha()) { tk_sha256_shani(state, data, blocks); return; }
#endif
    (void)portable;
    tk_sha256_portable(state, data, blocks);
}
