// Loop bodies shared by every CPU variant. Included several times by kernels.c with a different
// SUFFIX and target attribute; written as plain loops that clang vectorises for that target.
#define TK_CAT2(a, b) a##_##b
#define TK_CAT(a, b) TK_CAT2(a, b)
#define TK_NAME(name) TK_CAT(name, SUFFIX)

TK_TARGET static inline float TK_NAME(exp_split)(float hi, float lo) {
    // exp(hi + lo) for |lo| << |hi| without rounding hi + lo first (hi with at most 15 significant bits, so
    // hi - n·ln2_hi is exact). Cephes-style: range reduction by ln 2, degree-6 polynomial; about 1 ulp. No clamping:
    // callers keep hi + lo in [-87.3, 88.3].
    float n = __builtin_rintf((hi + lo) * 1.44269504088896341f);
    float r = (hi - n * 0.693359375f) + (lo + n * 2.12194440e-4f);
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    union { int32_t i; float f; } s;
    s.i = ((int32_t)n + 127) << 23;
    return y * s.f;
}

TK_TARGET static inline float TK_NAME(expf_approx)(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    return TK_NAME(exp_split)(x, 0.0f);
}

TK_TARGET static inline float TK_NAME(normal_cdf)(float x) {
    // Phi(x) = 0.5 (1 + erf(z)), z = x / sqrt 2, from two minimax fits made by Scripts/fit_erf.py:
    //   |z| < 0.7:  erf(|z|) = |z| P(z^2), relative error 6.3e-10;
    //   |z| >= 0.7: erfc(|z|) = exp(-z^2 + Q(|z| - 2.325)), error 6.9e-9 in the exponent, Q's argument clamped at
    //             |z| = 3.95 (past it Phi(-|x|) < 1.2e-8 and the clamp leaves an absolute error below 2e-10).
    // Within 4 ulp of Phi everywhere else (tested); 0.5 (1 + erff(z)) through libm is up to 19 ulp off.
    // -z^2 = -x^2/2 is split as -s^2/2 (exact: s is x cut to 12 significant bits) plus a small rest, so the
    // negative tail keeps its relative accuracy. Both branches are computed and one is selected, so the loop
    // vectorises; the negative tail has no cancellation. |x| is capped at 13 (Phi(-13) < 1e-38).
    x = x < -13.0f ? -13.0f : (x > 13.0f ? 13.0f : x);
    float z = x * 0.70710678118654752f;
    float az = z < 0 ? -z : z;
    float v = x * x;
    float p = -7.686417564e-06f;
    p = p * v + 1.135586934e-04f;
    p = p * v - 1.186386212e-03f;
    p = p * v + 9.973341068e-03f;
    p = p * v - 6.649036184e-02f;
    p = p * v + 3.989422800e-01f;
    float half_erf_small = x * p;   // 0.5 erf(z), from x directly (no rounding of z)
    float t = (az < 3.95f ? az : 3.95f) - 2.325f;
    float q = -1.027916822e-07f;
    q = q * t + 8.604871128e-08f;
    q = q * t + 2.192502043e-06f;
    q = q * t - 1.595321953e-05f;
    q = q * t + 9.391972001e-05f;
    q = q * t - 5.098959077e-04f;
    q = q * t + 2.571917144e-03f;
    q = q * t - 1.251183206e-02f;
    q = q * t + 6.222829019e-02f;
    q = q * t - 3.733639614e-01f;
    q = q * t;   // Q - Q(0); exp(Q(0)) is the constant factor below
    union { float f; uint32_t i; } cut = { .f = x };
    cut.i &= 0xFFFFF000u;
    float s = cut.f;
    float half_erfc_large = 1.123131003e-01f * TK_NAME(exp_split)(-0.5f * s * s, q - 0.5f * (x - s) * (x + s));
    float small = 0.5f + half_erf_small;   // signed: both sides of 0
    return az < 0.7f ? small : (z >= 0 ? 1.0f - half_erfc_large : half_erfc_large);
}

TK_TARGET static inline float TK_NAME(gelu)(float x) {
    // gelu(x) = x * Phi(x).
    return x * TK_NAME(normal_cdf)(x);
}

TK_TARGET static void TK_NAME(gelu_record)(const float *u, float *g, float *phi, size_t n) {
    for (size_t i = 0; i < n; i++) { float p = TK_NAME(normal_cdf)(u[i]); phi[i] = p; g[i] = u[i] * p; }
}

TK_TARGET static void TK_NAME(gelu_backward)(const float *dg, const float *u, const float *phi, float *du, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = u[i];
        du[i] = dg[i] * (phi[i] + x * 0.39894228040143268f * TK_NAME(expf_approx)(-0.5f * x * x));
    }
}

TK_TARGET static void TK_NAME(bias_gelu)(float *x, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] = TK_NAME(gelu)(row[c] + bias[c]);
    }
}

TK_TARGET static void TK_NAME(add_bias)(float *x, const float *bias, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] += bias[c];
    }
}

TK_TARGET static void TK_NAME(add_layernorm)(float *x, const float *y, const float *bias, const float *gamma,
                                             const float *beta, size_t rows, size_t cols, float eps) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        if (y) { const float *yr = y + r * cols; for (size_t c = 0; c < cols; c++) row[c] += yr[c]; }
        if (bias) { for (size_t c = 0; c < cols; c++) row[c] += bias[c]; }
        float sum = 0;
        for (size_t c = 0; c < cols; c++) sum += row[c];
        float mean = sum / (float)cols;
        float sq = 0;
        for (size_t c = 0; c < cols; c++) { float d = row[c] - mean; sq += d * d; }
        float inv = 1.0f / __builtin_sqrtf(sq / (float)cols + eps);
        for (size_t c = 0; c < cols; c++) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
}

TK_TARGET static void TK_NAME(softmax_rows)(float *s, size_t rows, size_t cols, size_t ld, float scale) {
    for (size_t r = 0; r < rows; r++) {
        float *row = s + r * ld;
        float mx = -3.0e38f;
        for (size_t c = 0; c < cols; c++) { float v = row[c] * scale; mx = v > mx ? v : mx; }
        float sum = 0;
        for (size_t c = 0; c < cols; c++) { float e = TK_NAME(expf_approx)(row[c] * scale - mx); row[c] = e; sum += e; }
        float inv = 1.0f / sum;
        for (size_t c = 0; c < cols; c++) row[c] *= inv;
    }
}

TK_TARGET static float TK_NAME(dot)(const float *a, const float *b, size_t n) {
    float acc = 0;
    for (size_t i = 0; i < n; i++) acc += a[i] * b[i];
    return acc;
}

TK_TARGET static void TK_NAME(dot_gather)(const float *q, const float *base, size_t dim, const int32_t *ids, size_t n, float *out) {
    // Rows are prefetched two ahead so their loads overlap the current product (graph search touches
    // rows in random order; hardware prefetchers cannot guess them).
    for (size_t i = 0; i < n && i < 2; i++) {
        const char *row = (const char *)(base + (size_t)ids[i] * dim);
        for (size_t b = 0; b < dim * sizeof(float); b += 64) __builtin_prefetch(row + b, 0, 3);
    }
    for (size_t i = 0; i < n; i++) {
        if (i + 2 < n) {
            const char *row = (const char *)(base + (size_t)ids[i + 2] * dim);
            for (size_t b = 0; b < dim * sizeof(float); b += 64) __builtin_prefetch(row + b, 0, 3);
        }
        out[i] = TK_NAME(dot)(q, base + (size_t)ids[i] * dim, dim);
    }
}

#undef TK_NAME
#undef TK_CAT
#undef TK_CAT2
