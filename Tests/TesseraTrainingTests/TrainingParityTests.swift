import Foundation
import Testing
import TesseraKernels
import TesseraModels
import TesseraTestSupport
import TesseraTraining

/// Loss, gradients and three AdamW steps against PyTorch + sentence-transformers (Fixtures/cases.json).
@Suite struct TrainingParityTests {
    static let tinyCases = ["tiny_mnrl", "tiny_mnrl_two_negatives", "tiny_gecko", "tiny_mrl", "tiny_cached_mnrl", "tiny_gecko_mrl",
                            "tiny_dense_mnrl"]
    static let miniLMCases = ["minilm_mnrl", "minilm_gecko_mrl"]
    static let tinyMultiVectorCases = ["tiny_colbert", "tiny_xtr", "tiny_xtr_two_negatives", "tiny_aligner", "tiny_aligner_top2"]
    static let miniLMMultiVectorCases = ["minilm_xtr", "minilm_colbert"]

    /// ‖a − b‖ / ‖b‖ over the rows stored for `name` (all of them when the case stores the full tensor), with
    /// `values` the full Swift tensor of `cols` columns.
    func relativeError(_ values: UnsafePointer<Float>, cols: Int, reference: [Float], rows: [Int]?) -> (Double, Double) {
        var diff = 0.0, norm = 0.0
        let picked = rows ?? Array(0..<(reference.count / max(cols, 1)))
        for (k, r) in picked.enumerated() {
            for c in 0..<cols {
                let a = Double(values[r * cols + c]), b = Double(reference[k * cols + c])
                diff += (a - b) * (a - b)
                norm += b * b
            }
        }
        return (diff.squareRoot(), norm.squareRoot())
    }

    /// The update error of ``relativeError(_:cols:reference:rows:)`` over the entries whose reference gradient (first
    /// step) is zero (unused rows: weight decay only, deterministic) or at least 1e-4 of the tensor's root-mean-square
    /// gradient; the others (`undetermined`) only have to move less than `bound`.
    func updateError(_ values: UnsafePointer<Float>, cols: Int, reference: [Float], gradient: [Float], rows: [Int]?, bound: Double)
        -> (diff: Double, norm: Double, undetermined: (count: Int, withinBound: Bool)) {
        var diff = 0.0, norm = 0.0, count = 0, within = true
        let rms = (gradient.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(gradient.count, 1))).squareRoot()
        let picked = rows ?? Array(0..<(reference.count / max(cols, 1)))
        for (k, r) in picked.enumerated() {
            for c in 0..<cols {
                let a = Double(values[r * cols + c]), b = Double(reference[k * cols + c])
                let g = Double(abs(gradient[k * cols + c]))
                if g > 0 && g < 1e-4 * rms {
                    count += 1
                    within = within && abs(a) <= bound
                    continue
                }
                diff += (a - b) * (a - b)
                norm += b * b
            }
        }
        return (diff.squareRoot(), norm.squareRoot(), (count, within))
    }

    /// Attention key biases get an exactly zero gradient (softmax ignores a constant shift); PyTorch reports noise.
    func isKeyBias(_ name: String) -> Bool { name.hasSuffix("attention.self.key.bias") }

    func checkGradients(_ c: TrainingCase, _ model: TrainableBert) throws {
        for p in model.parameters {
            let reference = try c.gradients.floats(p.name).values
            let cols = p.shape.count == 2 ? p.shape[1] : p.count
            let (diff, norm) = relativeError(p.gradients, cols: p.shape.count == 2 ? cols : p.count, reference: reference,
                                             rows: p.shape.count == 2 ? c.rows[p.name] : nil)
            if isKeyBias(p.name) {
                #expect(diff < 1e-6, "\(c.name) \(p.name): |Δ| \(diff)")
                continue
            }
            if p.name.hasPrefix("2_Salience/") && p.name.hasSuffix(".bias") {
                // Σ over tokens of ds: the gates keep Σ λ = k whatever a common shift of the scores, so the sum nearly
                // cancels (gradient ~1e-3 against weights' ~1; at ε = 0.002 its float32 noise is ~1e-3 relative).
                #expect(diff < 1e-5, "\(c.name) \(p.name): |Δ| \(diff) (norm \(norm))")
                continue
            }
            #expect(diff <= 1e-4 * norm, "\(c.name) \(p.name): relative gradient error \(diff / norm)")
            ParityReport.note(c.name, "gradient", p.name, diff / norm)
            if let full = c.gradientNorms[p.name], full > 0 {
                var own = 0.0
                for i in 0..<p.count { own += Double(p.gradients[i]) * Double(p.gradients[i]) }
                #expect(abs(own.squareRoot() - full) <= 1e-4 * full, "\(c.name) \(p.name): gradient norm \(own.squareRoot()) vs \(full)")
            }
        }
    }

    func run(_ name: String) throws {
        let c = try TrainingCase.named(name)
        let model = try c.trainable()
        let settings = c.settings()
        model.zeroGradients()
        let report = try model.accumulateGradients(c.batch, settings: settings, seed: 1)
        #expect(abs(report.loss - c.lossValue) <= 1e-5 * abs(c.lossValue), "\(name): loss \(report.loss) vs \(c.lossValue)")
        try checkGradients(c, model)

        // Three AdamW steps on the same batch, as the HF Trainer runs them.
        let before = model.parameters.map { Matrix(shape: $0.shape, copying: $0.values) }
        let optimizer = AdamW(parameters: model.parameters, settings: c.optimizer)
        let schedule = LinearSchedule(peak: c.optimizer.learningRate, warmup: c.warmup, total: c.totalSteps)
        for step in 0..<c.steps {
            model.zeroGradients()
            let r = try model.accumulateGradients(c.batch, settings: settings, seed: 1)
            #expect(abs(r.loss - c.stepLosses[step]) <= 1e-4 * abs(c.stepLosses[step]), "\(name) step \(step): loss \(r.loss) vs \(c.stepLosses[step])")
            GradientClipping.clip(model.parameters, maxNorm: c.maxGradNorm)
            let lr = schedule.learningRate(after: step)
            #expect(abs(lr - c.stepLearningRates[step]) <= 1e-12 + 1e-9 * lr)
            optimizer.update(learningRate: lr)
        }
        for (p, start) in zip(model.parameters, before) {
            let delta = Matrix(shape: p.shape)
            for i in 0..<p.count { delta.pointer[i] = p.values[i] - start.pointer[i] }
            let reference = try c.updates.floats(p.name).values
            let cols = p.shape.count == 2 ? p.shape[1] : p.count
            let gradient = try c.gradients.floats(p.name).values
            let (diff, norm, undetermined) = updateError(delta.pointer, cols: cols, reference: reference, gradient: gradient,
                                                         rows: p.shape.count == 2 ? c.rows[p.name] : nil, bound: 1.5 * Double(c.steps) * c.optimizer.learningRate)
            if isKeyBias(p.name) {
                // No reproducible reference for a zero gradient's Adam step: only bounded by the learning rate.
                let (whole, _) = relativeError(delta.pointer, cols: cols, reference: reference, rows: p.shape.count == 2 ? c.rows[p.name] : nil)
                #expect(whole <= 3 * c.optimizer.learningRate * Double(p.count).squareRoot(), "\(name) \(p.name): |Δ| \(whole)")
                continue
            }
            // Entries whose gradient is below what the gradient check resolves take an Adam step of either sign in any
            // implementation: they are held to Adam's step bound only, and must stay rare.
            #expect(undetermined.count * 50 <= reference.count, "\(name) \(p.name): \(undetermined.count) of \(reference.count) entries with a vanishing gradient")
            #expect(undetermined.withinBound, "\(name) \(p.name): an entry with a vanishing gradient moved more than Adam's step bound")
            // The issue's limit. Worst seen (2026-12-03, every kernel level, and OpenBLAS's Haswell kernels as on Zen 3):
            // 3.8e-4, on tiny_gecko_mrl; torch's own cached vs uncached runs differ by up to 4e-4.
            #expect(diff <= 1e-3 * norm, "\(name) \(p.name): relative update error \(diff / norm)")
            ParityReport.note(name, "update", p.name, diff / norm)
        }
        ParityReport.print(name)
    }

    @Test(arguments: tinyCases) func tinyModelMatchesPyTorch(_ name: String) throws { try run(name) }

    @Test(arguments: miniLMCases) func miniLMMatchesPyTorch(_ name: String) throws { try run(name) }

    @Test(arguments: tinyMultiVectorCases) func tinyMultiVectorLossMatchesPyTorch(_ name: String) throws { try run(name) }

    @Test(arguments: miniLMMultiVectorCases) func miniLMMultiVectorLossMatchesPyTorch(_ name: String) throws { try run(name) }

    /// GradCache: the same loss and gradients whatever the mini-batch, with and without dropout, for `name`'s loss.
    func expectCachedEqualsUncached(_ name: String, miniBatches: [Int?], seed: UInt64) throws {
        let c = try TrainingCase.named(name)
        var results: [[Float]] = []
        var losses: [Double] = []
        for miniBatch in miniBatches {
            for dropout: Float in [0, 0.1] {
                let model = try c.trainable()
                model.zeroGradients()
                let r = try model.accumulateGradients(c.batch, settings: c.settings(miniBatchSize: miniBatch, dropout: dropout), seed: seed)
                losses.append(r.loss)
                results.append(model.parameters.flatMap { Array(UnsafeBufferPointer(start: $0.gradients, count: $0.count)) })
            }
        }
        for k in stride(from: 2, to: results.count, by: 2) {
            for (a, b) in [(0, k), (1, k + 1)] {
                #expect(abs(losses[a] - losses[b]) <= 1e-6 * abs(losses[a]))
                var diff = 0.0, norm = 0.0
                for (x, y) in zip(results[a], results[b]) { diff += Double(x - y) * Double(x - y); norm += Double(x) * Double(x) }
                #expect(diff.squareRoot() <= 1e-5 * norm.squareRoot(), "\(name) mini-batch run \(k / 2): \(diff.squareRoot() / norm.squareRoot())")
            }
        }
        // Dropout changes the loss (the masks are really applied).
        #expect(losses[0] != losses[1])
    }

    @Test(arguments: ["tiny_xtr_two_negatives", "tiny_colbert", "tiny_aligner_top2"]) func cachedTokenLossEqualsUncached(_ name: String) throws {
        try expectCachedEqualsUncached(name, miniBatches: [nil, 1, 4], seed: 5)
    }

    @Test func cachedLossEqualsUncachedLoss() throws {
        try expectCachedEqualsUncached("tiny_mnrl_two_negatives", miniBatches: [nil, 1, 2, 5], seed: 7)
    }

    /// A frozen encoder gets no gradient; every head gets the gradient of the unfrozen step, bit for bit (its backward comes
    /// before the encoder's), with or without GradCache mini-batches.
    @Test(arguments: ["tiny_dense_mnrl", "tiny_xtr_two_negatives", "tiny_aligner_top2"]) func aFrozenEncoderLeavesTheHeadsGradientsAsTheyAre(_ name: String) throws {
        let c = try TrainingCase.named(name)
        var reference: [[Float]] = []
        var loss = 0.0
        for (freeze, miniBatch) in [(false, nil), (true, nil), (false, 2), (true, 2)] as [(Bool, Int?)] {
            let model = try c.trainable()
            let heads = Set(model.modules.flatMap(\.parameters).map(\.name))
            #expect(!heads.isEmpty)
            model.zeroGradients()
            var settings = c.settings(miniBatchSize: miniBatch, dropout: 0.1)
            settings.freezeEncoder = freeze
            let report = try model.accumulateGradients(c.batch, settings: settings, seed: 11)
            let gradients = model.parameters.map { Array(UnsafeBufferPointer(start: $0.gradients, count: $0.count)) }
            if !freeze {
                reference = gradients
                loss = report.loss
                #expect(zip(model.parameters, gradients).contains { !heads.contains($0.0.name) && $0.1.contains { $0 != 0 } })
                continue
            }
            #expect(report.loss == loss, "\(name): the frozen step's loss differs")
            for (i, p) in model.parameters.enumerated() {
                if heads.contains(p.name) {
                    #expect(gradients[i] == reference[i], "\(name) \(p.name): head gradient differs (mini-batch \(miniBatch ?? 0))")
                } else {
                    #expect(gradients[i].allSatisfy { $0 == 0 }, "\(name) \(p.name): a frozen encoder parameter got a gradient")
                }
            }
        }
    }

    /// `frozenLayers`: the backward pass stops above the frozen layers. The embeddings and those layers get no gradient;
    /// every parameter above them gets the full step's gradient bit for bit (the layers above run the same backward
    /// first), with and without recomputation and mini-batches.
    @Test(arguments: ["tiny_mnrl_two_negatives", "tiny_xtr_two_negatives"]) func frozenLowerLayersLeaveTheUpperGradientsAsTheyAre(_ name: String) throws {
        let c = try TrainingCase.named(name)
        for (recompute, miniBatch) in [(false, nil), (true, 2)] as [(Bool, Int?)] {
            var full: [[Float]] = []
            var loss = 0.0
            for frozen in [0, 1] {
                let model = try c.trainable()
                #expect(model.config.numLayers == 2)
                model.zeroGradients()
                var settings = c.settings(miniBatchSize: miniBatch, dropout: 0.1)
                settings.recompute = recompute
                settings.frozenLayers = frozen
                let report = try model.accumulateGradients(c.batch, settings: settings, seed: 13)
                let gradients = model.parameters.map { Array(UnsafeBufferPointer(start: $0.gradients, count: $0.count)) }
                if frozen == 0 {
                    full = gradients
                    loss = report.loss
                    continue
                }
                #expect(report.loss == loss)
                var upper = 0
                for (i, p) in model.parameters.enumerated() {
                    if p.name.hasPrefix("embeddings.") || p.name.hasPrefix("encoder.layer.0.") {
                        #expect(gradients[i].allSatisfy { $0 == 0 }, "\(name) \(p.name): a frozen parameter got a gradient")
                        #expect(full[i].contains { $0 != 0 }, "\(name) \(p.name): no gradient in the full step to compare with")
                    } else {
                        #expect(gradients[i] == full[i], "\(name) \(p.name): gradient differs from the full step's")
                        if p.name.hasPrefix("encoder.layer.1.") { upper += 1 }
                    }
                }
                #expect(upper == 16, "layer 1's 16 parameters compared")
            }
        }
    }

    @Test func recomputationGivesIdenticalGradientsWithLessMemory() throws {
        let c = try TrainingCase.named("tiny_mnrl_two_negatives")
        for miniBatch in [nil, 2] as [Int?] {
            var gradients: [[Float]] = []
            var reports: [GradientReport] = []
            for recompute in [false, true] {
                let model = try c.trainable()
                model.zeroGradients()
                let settings = GradientSettings(loss: c.loss, miniBatchSize: miniBatch, dropout: 0.1, recompute: recompute, threads: 2)
                reports.append(try model.accumulateGradients(c.batch, settings: settings, seed: 3))
                gradients.append(model.parameters.flatMap { Array(UnsafeBufferPointer(start: $0.gradients, count: $0.count)) })
            }
            #expect(reports[0].loss == reports[1].loss)
            #expect(gradients[0] == gradients[1], "recomputed layers must give bit-identical gradients (mini-batch \(miniBatch ?? 0))")
            #expect(gradients[0].contains { $0 != 0 })
            #expect(reports[1].peakActivationBytes < reports[0].peakActivationBytes,
                    "\(reports[1].peakActivationBytes) vs \(reports[0].peakActivationBytes) bytes")
        }
    }
}

/// With `TESSERA_PARITY_REPORT=1`, each case prints its worst relative gradient and update errors and the tensors they
/// are on (the figures of BENCHMARKS.md §7 and §8).
enum ParityReport {
    private static let enabled = ProcessInfo.processInfo.environment["TESSERA_PARITY_REPORT"] == "1"
    private static let worst = LockedValue([String: (error: Double, tensor: String)]())

    static func note(_ name: String, _ what: String, _ tensor: String, _ error: Double) {
        guard enabled else { return }
        worst.update { w in
            let key = name + " " + what
            if error > (w[key]?.error ?? -1) { w[key] = (error, tensor) }
        }
    }

    static func print(_ name: String) {
        guard enabled else { return }
        let w = worst.value
        let parts = ["gradient", "update"].compactMap { what in
            w[name + " " + what].map { "\(what) \(String(format: "%.2e", $0.error)) (\($0.tensor))" }
        }
        Swift.print("parity \(name): worst " + parts.joined(separator: ", worst "))
    }
}
