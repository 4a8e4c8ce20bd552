import CTesseraKernels

/// Vectorised float loops (C with AVX-512 / AVX2 variants chosen at run time).
public enum VectorKernels {
    /// `x[r][c] = gelu(x[r][c] + bias[c])` with the exact erf GELU.
    @inlinable public static func biasGELU(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        tk_bias_gelu(x, bias, rows, cols)
    }
    /// `x[r][c] += bias[c]`.
    @inlinable public static func addBias(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        tk_add_bias(x, bias, rows, cols)
    }
    /// `x[r] = LayerNorm(x[r] + y[r] + bias) · gamma + beta`; `y` and `bias` may be nil.
    @inlinable public static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>, adding y: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, rows: Int, cols: Int, epsilon: Float
    ) {
        tk_add_layernorm(x, y, bias, gamma, beta, rows, cols, epsilon)
    }
    /// Row-wise softmax of `scale · s` over the first `cols` entries of each row (row stride `ld`).
    @inlinable public static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int, scale: Float) {
        tk_softmax_rows(s, rows, cols, ld, scale)
    }
    /// Scales `n` floats to unit L2 norm; returns the norm before scaling (0 leaves them unchanged).
    @discardableResult
    @inlinable public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count n: Int) -> Float {
        tk_l2_normalize(x, n)
    }
    /// Dot product of two vectors of `n` floats.
    @inlinable public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        tk_dot(a, b, n)
    }
    /// `out[i] = ⟨q, base[ids[i]]⟩` for rows of `dimension` floats, with the next rows prefetched.
    @inlinable public static func dotGather(_ q: UnsafePointer<Float>, base: UnsafePointer<Float>, dimension: Int,
                                            ids: UnsafePointer<Int32>, count: Int, into out: UnsafeMutablePointer<Float>) {
        tk_dot_gather(q, base, dimension, ids, count, out)
    }
    /// Column means of a `rows × cols` matrix into `out`.
    @inlinable public static func meanRows(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        tk_mean_rows(x, rows, cols, out)
    }
    /// Floats of scratch one `attentionHead` call needs for a sequence of `length` tokens.
    public static func attentionScratchSize(length: Int, headSize: Int) -> Int {
        tk_attention_scratch_size(length, headSize)
    }

    /// `out = softmax(scale · Q Kᵀ) V` for one head of one sequence (rows of q, k, v with stride `ld`,
    /// of out with stride `ldo`). Returns false, doing nothing, where no fast kernel exists (a portable CPU, or a
    /// head size that is not a multiple of 32 on AVX-512 / 16 on AVX2): the caller then uses BLAS.
    @inlinable public static func attentionHead(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int, length: Int, headSize: Int,
        scale: Float, out: UnsafeMutablePointer<Float>, ldo: Int, scratch: UnsafeMutablePointer<Float>
    ) -> Bool {
        tk_attention_head(q, k, v, ld, length, headSize, scale, out, ldo, scratch) != 0
    }

    /// GELU of one value through the vectorised erf (for tests and reference).
    public static func gelu(_ x: Float) -> Float { tk_gelu_scalar(x) }
    /// The instruction set the kernels use on this CPU: "avx512", "avx2" or "portable".
    public static var instructionSet: String {
        switch tk_kernel_level() {
        case 2: return "avx512"
        case 1: return "avx2"
        default: return "portable"
        }
    }
    /// Converts IEEE half-precision values to float.
    public static func halfToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        tk_f16_to_f32(src, dst, count)
    }
    /// Converts bfloat16 values to float.
    public static func bfloat16ToFloat(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        tk_bf16_to_f32(src, dst, count)
    }
}
