import TesseraKernels
import TesseraModels

extension TrainableBert {
    /// The multi-vector step: every token state through the token head and L2 normalisation, `loss` on all token vectors of
    /// the batch, then back. With a GradCache mini-batch the first pass keeps only the token vectors and each mini-batch is
    /// encoded again to backpropagate (same loss and gradients).
    func accumulateTokenGradients(_ batch: ContrastiveBatch, loss: MultiVectorLoss, settings: GradientSettings,
                                  seed: UInt64) throws -> GradientReport {
        let rows = batch.rows
        let d = tokenWidth
        var offsets = [0]
        for row in rows { offsets.append(offsets[offsets.count - 1] + row.ids.count) }
        let b = batch.queries.count
        guard !loss.needsSaliences || salience != nil else {
            throw TrainingError(.invalidModel, "the aligner loss needs salience heads")
        }
        let h = config.hiddenSize
        var unit = [Float](repeating: 0, count: offsets[rows.count] * d)
        var saliences = [Float](repeating: 0, count: loss.needsSaliences ? offsets[rows.count] : 0)
        var gradient: [Float] = [], salienceGradient: [Float] = []
        return try gradCache(rows, settings: settings, seed: seed, embed: { range, tape in
            let stages = projectTokens(tape, threads: settings.threads)
            unit.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                Self.normalizeRows(stages[stages.count - 1], rows: tape.total, width: d, into: base + offsets[range.lowerBound] * d)
            }
            if let salience, loss.needsSaliences {
                saliences.withUnsafeMutableBufferPointer { out in
                    for (s, input) in tape.inputs.enumerated() {
                        let row = range.lowerBound + s
                        salience.forward(tape.output.pointer + tape.starts[s] * h, rows: input.ids.count, query: row < b,
                                         into: out.baseAddress! + offsets[row])
                    }
                }
            }
        }, loss: {
            let (value, g, gs) = try unit.withUnsafeBufferPointer { u throws(TrainingError) in
                try loss.evaluate(u.baseAddress!, offsets: offsets, width: d, queries: b, negatives: batch.negativesPerQuery,
                                  saliences: saliences, threads: settings.threads)
            }
            gradient = g
            salienceGradient = gs
            return value
        }, backpropagate: { range, tape in
            // The token head is cheap next to the encoder: run again here rather than kept from the first pass.
            let stages = projectTokens(tape, threads: settings.threads)
            var dy = Array(gradient[(offsets[range.lowerBound] * d)..<(offsets[range.upperBound] * d)])
            Self.normalizeBackward(&dy, output: stages[stages.count - 1], rows: tape.total, width: d)
            for (i, head) in tokenHeads.enumerated().reversed() {
                var dx = [Float](repeating: 0, count: tape.total * head.inputs)
                dy.withUnsafeMutableBufferPointer { g in
                    dx.withUnsafeMutableBufferPointer { out in
                        head.backward(g.baseAddress!, input: stages[i].pointer, output: stages[i + 1].pointer, rows: tape.total,
                                      into: out.baseAddress!, threads: settings.threads)
                    }
                }
                dy = dx
            }
            if let salience, loss.needsSaliences {
                dy.withUnsafeMutableBufferPointer { dx in
                    salienceGradient.withUnsafeBufferPointer { ds in
                        for (s, input) in tape.inputs.enumerated() {
                            let row = range.lowerBound + s
                            salience.backward(ds.baseAddress! + offsets[row], input: tape.output.pointer + tape.starts[s] * h,
                                              rows: input.ids.count, query: row < b, addingTo: dx.baseAddress! + tape.starts[s] * h)
                        }
                    }
                }
            }
            if settings.freezeEncoder { return }
            dy.withUnsafeBufferPointer {
                backward(tape, outputGradient: $0.baseAddress!, threads: settings.threads, frozenLayers: settings.frozenLayers)
            }
        })
    }

    /// The token head's stages on the tape's output: `stages[0]` is the encoder's output, `stages[i + 1]` head i's.
    private func projectTokens(_ tape: EncoderTape, threads: Int) -> [Matrix] {
        var stages = [tape.output]
        for head in tokenHeads {
            let out = Matrix(shape: [tape.total, head.outputs], pool: pool)
            head.forward(stages[stages.count - 1].pointer, rows: tape.total, into: out.pointer, threads: threads)
            stages.append(out)
        }
        return stages
    }

    /// Each `width`-wide row of `x` divided by its L2 norm, into `out`.
    static func normalizeRows(_ x: Matrix, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let v = x.pointer + r * width, o = out + r * width
            var s = 0.0
            for c in 0..<width { s += Double(v[c]) * Double(v[c]) }
            let inverse = 1 / max(s.squareRoot(), 1e-12)
            for c in 0..<width { o[c] = Float(Double(v[c]) * inverse) }
        }
    }

    /// Back through ``normalizeRows(_:rows:width:into:)``: `g` (the gradient of the unit rows) becomes that of `y`,
    /// `(g − u ⟨g, u⟩) / ‖y‖`.
    static func normalizeBackward(_ g: inout [Float], output y: Matrix, rows: Int, width: Int) {
        for r in 0..<rows {
            let v = y.pointer + r * width
            var s = 0.0
            for c in 0..<width { s += Double(v[c]) * Double(v[c]) }
            let norm = max(s.squareRoot(), 1e-12)
            var dot = 0.0
            for c in 0..<width { dot += Double(g[r * width + c]) * Double(v[c]) / norm }
            for c in 0..<width { g[r * width + c] = Float((Double(g[r * width + c]) - Double(v[c]) / norm * dot) / norm) }
        }
    }
}
