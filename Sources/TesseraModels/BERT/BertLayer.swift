import TesseraKernels

/// One post-LayerNorm transformer layer, with Q, K and V fused into one `[3h, h]` projection for inference:
/// self-attention, output projection + residual + LayerNorm, feed-forward (GELU) + residual + LayerNorm.
public struct BertLayer: Sendable {
    let qkv: LinearWeights          // [3h, h]
    let qkvBias: FloatTensor        // [3h]
    let attnOut: LinearWeights      // [h, h]
    let attnOutBias: FloatTensor
    let attnNormGamma: FloatTensor
    let attnNormBeta: FloatTensor
    let ffnIn: LinearWeights        // [i, h]
    let ffnInBias: FloatTensor
    let ffnOut: LinearWeights       // [h, i]
    let ffnOutBias: FloatTensor
    let ffnNormGamma: FloatTensor
    let ffnNormBeta: FloatTensor

    /// Runs the layer in place on `x` (`[total × h]`, the packed sequences of `lengths` starting at `starts`); the
    /// tokens of sequence s attend to its first `keys[s]` tokens.
    func forward(_ x: UnsafeMutablePointer<Float>, lengths: [Int], keys: [Int], starts: [Int], total: Int, config: BertConfig,
                 workspace ws: EncoderWorkspace) {
        let h = config.hiddenSize, inter = config.intermediateSize
        let qkv = ws.qkv.pointer
        self.qkv.apply(x, lda: h, rows: total, bias: qkvBias.pointer, into: qkv, ldc: 3 * h, workspace: ws.gemm)
        let ctx = ws.context.pointer
        for (s, length) in lengths.enumerated() {
            Self.attention(qkv + starts[s] * 3 * h, length: length, keys: keys[s], config: config, into: ctx + starts[s] * h,
                           scratch: ws.scores.pointer)
        }
        let proj = ws.projected.pointer
        attnOut.apply(ctx, lda: h, rows: total, bias: nil, into: proj, ldc: h, workspace: ws.gemm)
        VectorKernels.addLayerNorm(x, adding: proj, bias: attnOutBias.pointer, gamma: attnNormGamma.pointer,
                                   beta: attnNormBeta.pointer, rows: total, cols: h, epsilon: config.layerNormEps)
        let mid = ws.intermediate.pointer
        ffnIn.apply(x, lda: h, rows: total, bias: nil, into: mid, ldc: inter, workspace: ws.gemm)
        VectorKernels.biasGELU(mid, bias: ffnInBias.pointer, rows: total, cols: inter)
        ffnOut.apply(mid, lda: inter, rows: total, bias: nil, into: proj, ldc: h, workspace: ws.gemm)
        VectorKernels.addLayerNorm(x, adding: proj, bias: ffnOutBias.pointer, gamma: ffnNormGamma.pointer,
                                   beta: ffnNormBeta.pointer, rows: total, cols: h, epsilon: config.layerNormEps)
    }

    /// Multi-head scaled dot-product attention over one sequence: `qkv` holds its `length` rows of
    /// `[q | k | v]` (stride 3h), the context goes to `out` (stride h). Every token attends to the first `keys` tokens
    /// (nil: all; fewer mask the others out as keys, PyLate's query expansion). `scratch` holds at least
    /// `max(length², attentionScratchSize)` floats.
    public static func attention(_ qkv: UnsafePointer<Float>, length: Int, keys: Int? = nil, config: BertConfig,
                                 into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let keys = min(keys ?? length, length)
        let h = config.hiddenSize, dh = config.headSize
        let scale = 1 / Float(dh).squareRoot()
        for head in 0..<config.numHeads {
            let q = qkv + head * dh
            let k = qkv + h + head * dh
            let v = qkv + 2 * h + head * dh
            let o = out + head * dh
            // The fused kernel attends to every token; masked keys (short query batches only) take the BLAS path.
            if keys == length, VectorKernels.attentionHead(q: q, k: k, v: v, ld: 3 * h, length: length, headSize: dh, scale: scale,
                                                           out: o, ldo: h, scratch: scratch) {
                continue
            }
            BLAS.sgemm(transB: true, m: length, n: keys, k: dh, a: q, lda: 3 * h, b: k, ldb: 3 * h, c: scratch, ldc: keys)
            VectorKernels.softmaxRows(scratch, rows: length, cols: keys, ld: keys, scale: scale)
            BLAS.sgemm(m: length, n: dh, k: keys, a: scratch, lda: keys, b: v, ldb: 3 * h, c: o, ldc: h)
        }
    }
}
