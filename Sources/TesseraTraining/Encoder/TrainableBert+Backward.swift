import TesseraKernels
import TesseraModels

extension TrainableBert {
    /// The backward pass of ``forward(_:examples:dropout:seed:threads:)``: adds to every parameter's gradient the
    /// gradient of a loss whose derivative with respect to the tape's output is `outputGradient` (`[T × h]`). With
    /// `frozenLayers` > 0 it stops above that layer: the first `frozenLayers` layers and the embeddings get nothing.
    public func backward(_ tape: EncoderTape, outputGradient: UnsafePointer<Float>, threads: Int, frozenLayers: Int = 0) {
        let h = config.hiddenSize, inter = config.intermediateSize, t = tape.total
        let dx = Matrix(shape: [t, h], pool: pool)  // gradient of the current layer's output, then of its input
        dx.pointer.update(from: outputGradient, count: t * h)
        let dHidden = Matrix(shape: [t, h], pool: pool), dTemp = Matrix(shape: [t, h], pool: pool)
        let dContext = Matrix(shape: [t, h], pool: pool)
        let dInter = Matrix(shape: [t, inter], pool: pool), dQKV = Matrix(shape: [t, 3 * h], pool: pool)
        let recomputed = tape.recomputes ? Matrix(shape: [t, h], pool: pool) : nil
        let lowest = min(max(frozenLayers, 0), layers.count)
        for l in stride(from: layers.count - 1, through: lowest, by: -1) {
            let layer = layers[l], rec = tape.record(l)
            if let x = recomputed {
                x.copy(from: tape.layerInputs[l])
                layerForward(l, tape: tape, x: x, scratch: dTemp, threads: threads)
            }
            // Output LayerNorm, residual, feed-forward.
            TrainingOps.layerNormBackward(dx.pointer, rows: t, cols: h, normalized: rec.outputNormalized.pointer,
                                          inverseDeviation: rec.outputInverseDeviation.pointer, gamma: layer.outputNormGamma,
                                          beta: layer.outputNormBeta, into: dHidden.pointer)
            dTemp.copy(from: dHidden)
            if let mask = rec.outputMask { multiply(dTemp.pointer, by: mask.pointer, count: t * h) }
            TrainingOps.linearBackward(dTemp.pointer, x: rec.activation.pointer, rows: t, weight: layer.output, bias: layer.outputBias,
                                       dx: dInter.pointer, accumulate: false, threads: threads)
            TrainingOps.geluBackward(dInter.pointer, u: rec.preActivation.pointer, phi: rec.phi.pointer, count: t * inter,
                                     into: dInter.pointer)
            TrainingOps.linearBackward(dInter.pointer, x: rec.hidden.pointer, rows: t, weight: layer.intermediate,
                                       bias: layer.intermediateBias, dx: dHidden.pointer, accumulate: true, threads: threads)
            // Attention LayerNorm, residual, projection.
            TrainingOps.layerNormBackward(dHidden.pointer, rows: t, cols: h, normalized: rec.attentionNormalized.pointer,
                                          inverseDeviation: rec.attentionInverseDeviation.pointer, gamma: layer.attentionNormGamma,
                                          beta: layer.attentionNormBeta, into: dx.pointer)
            dTemp.copy(from: dx)
            if let mask = rec.attentionMask { multiply(dTemp.pointer, by: mask.pointer, count: t * h) }
            TrainingOps.linearBackward(dTemp.pointer, x: rec.context.pointer, rows: t, weight: layer.attentionOutput,
                                       bias: layer.attentionOutputBias, dx: dContext.pointer, accumulate: false, threads: threads)
            attentionBackward(tape: tape, layer: l, contextGradient: dContext, into: dQKV, threads: threads)
            TrainingOps.linearBackward(dQKV.pointer, x: tape.layerInputs[l].pointer, rows: t, weight: layer.qkv, bias: layer.qkvBias,
                                       dx: dx.pointer, accumulate: true, threads: threads)
        }
        guard lowest == 0 else { return }
        // Embeddings: dropout, LayerNorm, then scatter-add into the three tables.
        if let mask = tape.embeddingMask { multiply(dx.pointer, by: mask.pointer, count: t * h) }
        TrainingOps.layerNormBackward(dx.pointer, rows: t, cols: h, normalized: tape.embeddingNormalized.pointer,
                                      inverseDeviation: tape.embeddingInverseDeviation.pointer, gamma: embeddingNormGamma,
                                      beta: embeddingNormBeta, into: dx.pointer)
        let dWord = word.gradient.pointer, dPosition = position.gradient.pointer, dType = type.gradient.pointer
        for (s, input) in tape.inputs.enumerated() {
            for i in 0..<input.ids.count {
                let row = dx.pointer + (tape.starts[s] + i) * h
                let w = dWord + Int(input.ids[i]) * h, p = dPosition + i * h, ty = dType + Int(input.typeIds[i]) * h
                for c in 0..<h {
                    w[c] += row[c]
                    p[c] += row[c]
                    ty[c] += row[c]
                }
            }
        }
    }

    /// Backward of the attention of layer `l`: from the context gradient to the `[dQ | dK | dV]` rows, recomputing
    /// the probabilities (and dropout masks) from the recorded Q, K, V.
    private func attentionBackward(tape: EncoderTape, layer l: Int, contextGradient: Matrix, into dQKV: Matrix, threads: Int) {
        let rec = tape.record(l)
        let heads = config.numHeads, h = config.hiddenSize, dh = config.headSize
        let scale = 1 / Float(dh).squareRoot()
        let items = tape.inputs.count * heads
        let longest = tape.inputs.map(\.ids.count).max() ?? 0
        let area = max(1, longest * longest)
        let workers = max(1, min(threads, items))
        let scratch = (0..<workers).map { _ in Matrix(shape: [4, area], pool: pool) }
        let qkv = UnsafeSendablePointer(rec.qkv.pointer), dOut = UnsafeSendablePointer(contextGradient.pointer)
        let grad = UnsafeSendablePointer(dQKV.pointer)
        Parallel.forEach(count: items, threads: workers) { worker, item in
            let s = item / heads, head = item % heads
            let n = tape.inputs[s].ids.count, start = tape.starts[s]
            let p = scratch[worker].pointer, dropped = p + area, mask = p + 2 * area, dp = p + 3 * area
            let rows = qkv.pointer + start * 3 * h
            self.attentionProbabilities(qkv: rows, length: n, head: head, into: p)
            var used = UnsafePointer(p)
            if tape.dropout.isActive {
                tape.dropout.fill(mask, count: n * n, example: tape.examples[s], site: self.dropoutSite(layer: l, head))
                for i in 0..<(n * n) { dropped[i] = p[i] * mask[i] }
                used = UnsafePointer(dropped)
            }
            let q = rows + head * dh, k = rows + h + head * dh, v = rows + 2 * h + head * dh
            let dO = dOut.pointer + start * h + head * dh
            let out = grad.pointer + start * 3 * h
            // dV = Pᵈᵀ dO, d(Pᵈ) = dO Vᵀ.
            BLAS.sgemm(transA: true, m: n, n: dh, k: n, a: used, lda: n, b: dO, ldb: h, c: out + 2 * h + head * dh, ldc: 3 * h)
            BLAS.sgemm(transB: true, m: n, n: n, k: dh, a: dO, lda: h, b: v, ldb: 3 * h, c: dp, ldc: n)
            if tape.dropout.isActive { for i in 0..<(n * n) { dp[i] *= mask[i] } }
            // Softmax backward, times the logit scale: dS = scale · P ⊙ (dP − rowsum(dP ⊙ P)).
            for r in 0..<n {
                let pr = p + r * n, dr = dp + r * n
                var dot: Float = 0
                for c in 0..<n { dot += pr[c] * dr[c] }
                for c in 0..<n { dr[c] = scale * pr[c] * (dr[c] - dot) }
            }
            // dQ = dS K, dK = dSᵀ Q.
            BLAS.sgemm(m: n, n: dh, k: n, a: dp, lda: n, b: k, ldb: 3 * h, c: out + head * dh, ldc: 3 * h)
            BLAS.sgemm(transA: true, m: n, n: dh, k: n, a: dp, lda: n, b: q, ldb: 3 * h, c: out + h + head * dh, ldc: 3 * h)
        }
    }
}
