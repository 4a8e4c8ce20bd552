import TesseraKernels
import TesseraModels

extension TrainableBert {
    /// Sites of dropout masks inside one example: 0 the embeddings, then per layer one per attention head, one
    /// for the attention projection and one for the feed-forward output.
    func dropoutSite(layer: Int, _ offset: Int) -> Int { 1 + layer * (config.numHeads + 2) + offset }

    /// The training forward pass over `inputs` (packed, no padding), recording what ``backward(_:outputGradient:threads:)``
    /// needs. `examples[i]` keys the dropout masks of sequence i, so that a recomputed pass draws the same masks.
    /// `recompute` keeps only each layer's input (the backward pass runs each layer's forward again).
    public func forward(_ inputs: [EncoderInput], examples: [Int], dropout: Float, seed: UInt64, recompute: Bool = false,
                        threads: Int) -> EncoderTape {
        let masks = DropoutMasks(probability: dropout, seed: seed)
        let tape = EncoderTape(inputs: inputs, examples: examples, config: config, dropout: masks, recompute: recompute, pool: pool)
        let h = config.hiddenSize, t = tape.total, eps = config.layerNormEps
        let x = Matrix(shape: [t, h], pool: pool)
        let scratch = Matrix(shape: [t, h], pool: pool)
        // Embeddings.
        let word = self.word.value.pointer, position = self.position.value.pointer, type = self.type.value.pointer
        for (s, input) in inputs.enumerated() {
            for i in 0..<input.ids.count {
                let row = scratch.pointer + (tape.starts[s] + i) * h
                let w = word + Int(input.ids[i]) * h, p = position + i * h, ty = type + Int(input.typeIds[i]) * h
                for c in 0..<h { row[c] = w[c] + p[c] + ty[c] }
            }
        }
        TrainingOps.layerNorm(scratch.pointer, rows: t, cols: h, gamma: embeddingNormGamma.value.pointer,
                              beta: embeddingNormBeta.value.pointer, epsilon: eps, into: x.pointer,
                              normalized: tape.embeddingNormalized.pointer, inverseDeviation: tape.embeddingInverseDeviation.pointer)
        if let mask = tape.embeddingMask {
            fillMasks(mask, tape: tape, width: h, site: 0)
            multiply(x.pointer, by: mask.pointer, count: t * h)
        }
        for l in layers.indices {
            tape.layerInputs[l].copy(from: x)
            layerForward(l, tape: tape, x: x, scratch: scratch, threads: threads)
        }
        tape.output.copy(from: x)
        return tape
    }

    /// Layer `l` of the training forward pass: `x` holds its input and receives its output; `tape.record(l)` receives
    /// what its backward pass needs. Run again by the backward pass when the tape recomputes.
    func layerForward(_ l: Int, tape: EncoderTape, x: Matrix, scratch: Matrix, threads: Int) {
        let layer = layers[l], rec = tape.record(l)
        let h = config.hiddenSize, t = tape.total, eps = config.layerNormEps
        TrainingOps.linear(x.pointer, rows: t, weight: layer.qkv.value, bias: layer.qkvBias.value, into: rec.qkv.pointer, threads: threads)
        attentionForward(tape: tape, layer: l, threads: threads)
        TrainingOps.linear(rec.context.pointer, rows: t, weight: layer.attentionOutput.value, bias: layer.attentionOutputBias.value,
                           into: scratch.pointer, threads: threads)
        if let mask = rec.attentionMask {
            fillMasks(mask, tape: tape, width: h, site: dropoutSite(layer: l, config.numHeads))
            multiply(scratch.pointer, by: mask.pointer, count: t * h)
        }
        add(x.pointer, into: scratch.pointer, count: t * h)
        TrainingOps.layerNorm(scratch.pointer, rows: t, cols: h, gamma: layer.attentionNormGamma.value.pointer,
                              beta: layer.attentionNormBeta.value.pointer, epsilon: eps, into: rec.hidden.pointer,
                              normalized: rec.attentionNormalized.pointer, inverseDeviation: rec.attentionInverseDeviation.pointer)
        TrainingOps.linear(rec.hidden.pointer, rows: t, weight: layer.intermediate.value, bias: layer.intermediateBias.value,
                           into: rec.preActivation.pointer, threads: threads)
        TrainingOps.gelu(rec.preActivation.pointer, count: rec.preActivation.count, into: rec.activation.pointer, phi: rec.phi.pointer)
        TrainingOps.linear(rec.activation.pointer, rows: t, weight: layer.output.value, bias: layer.outputBias.value,
                           into: scratch.pointer, threads: threads)
        if let mask = rec.outputMask {
            fillMasks(mask, tape: tape, width: h, site: dropoutSite(layer: l, config.numHeads + 1))
            multiply(scratch.pointer, by: mask.pointer, count: t * h)
        }
        add(rec.hidden.pointer, into: scratch.pointer, count: t * h)
        TrainingOps.layerNorm(scratch.pointer, rows: t, cols: h, gamma: layer.outputNormGamma.value.pointer,
                              beta: layer.outputNormBeta.value.pointer, epsilon: eps, into: x.pointer,
                              normalized: rec.outputNormalized.pointer, inverseDeviation: rec.outputInverseDeviation.pointer)
    }

    /// Multi-head attention of every sequence of the tape at layer `l`: `context = dropout(softmax(scale · Q Kᵀ)) V`.
    private func attentionForward(tape: EncoderTape, layer l: Int, threads: Int) {
        let rec = tape.record(l)
        let heads = config.numHeads
        let items = tape.inputs.count * heads
        let longest = tape.inputs.map(\.ids.count).max() ?? 0
        let workers = max(1, min(threads, items))
        let scratch = (0..<workers).map { _ in Matrix(shape: [2, max(1, longest * longest)], pool: pool) }
        let qkv = UnsafeSendablePointer(rec.qkv.pointer), context = UnsafeSendablePointer(rec.context.pointer)
        Parallel.forEach(count: items, threads: workers) { worker, item in
            let s = item / heads, head = item % heads
            let length = tape.inputs[s].ids.count
            let probabilities = scratch[worker].pointer, mask = probabilities + longest * longest
            self.attentionProbabilities(qkv: qkv.pointer + tape.starts[s] * 3 * self.config.hiddenSize, length: length, head: head,
                                        into: probabilities)
            if tape.dropout.isActive {
                tape.dropout.fill(mask, count: length * length, example: tape.examples[s], site: self.dropoutSite(layer: l, head))
                for i in 0..<(length * length) { probabilities[i] *= mask[i] }
            }
            let h = self.config.hiddenSize, dh = self.config.headSize
            let v = qkv.pointer + tape.starts[s] * 3 * h + 2 * h + head * dh
            BLAS.sgemm(m: length, n: dh, k: length, a: probabilities, lda: length, b: v, ldb: 3 * h,
                       c: context.pointer + tape.starts[s] * h + head * dh, ldc: h)
        }
    }

    /// `P = softmax(scale · Q Kᵀ)` for one head of one sequence whose `[q | k | v]` rows start at `qkv`.
    func attentionProbabilities(qkv: UnsafePointer<Float>, length: Int, head: Int, into p: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize, dh = config.headSize
        let q = qkv + head * dh, k = qkv + h + head * dh
        BLAS.sgemm(transB: true, m: length, n: length, k: dh, a: q, lda: 3 * h, b: k, ldb: 3 * h, c: p, ldc: length)
        VectorKernels.softmaxRows(p, rows: length, cols: length, ld: length, scale: 1 / Float(dh).squareRoot())
    }

    /// Fills the `width`-wide dropout mask rows of every sequence of the tape for `site`.
    func fillMasks(_ mask: Matrix, tape: EncoderTape, width: Int, site: Int) {
        for (s, input) in tape.inputs.enumerated() {
            tape.dropout.fill(mask.pointer + tape.starts[s] * width, count: input.ids.count * width, example: tape.examples[s], site: site)
        }
    }

    func multiply(_ x: UnsafeMutablePointer<Float>, by m: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= m[i] }
    }

    /// `y += x`.
    func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }
}
