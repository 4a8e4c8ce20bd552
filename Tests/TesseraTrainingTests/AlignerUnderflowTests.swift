import Foundation
import Testing
import TesseraModels
import TesseraTraining

/// AligneR's loss where the salience gates underflow: at ε = 0.002 a token 1.48 below its budget's threshold gets λ ≈ e⁻⁷⁴⁰,
/// a subnormal, and a document whose only aligned pair has such a weight has a subnormal Σ A. The loss and every gradient
/// stay finite (an IDF-scale start of the salience heads met this on its first step).
@Suite struct AlignerUnderflowTests {
    /// Unit vectors in 2 dimensions at angle `t`.
    static func unit(_ t: Double) -> [Float] { [Float(cos(t)), Float(sin(t))] }

    @Test func subnormalAlignmentWeightsGiveFiniteGradients() throws {
        // Rows: the query (2 tokens), its positive (2 tokens), one negative (2 tokens).
        // Query token 0 is most similar to the positive's token 1, whose salience is far below the positive's top-1 budget.
        let vectors: [Float] = Self.unit(0) + Self.unit(1.2)          // query
            + Self.unit(1.5) + Self.unit(0.05)                         // positive: token 1 is the query's token 0's match
            + Self.unit(0.1) + Self.unit(2.0)                          // negative: nearly as close, so the softmax gradient is not small
        let offsets = [0, 2, 4, 6]
        let saliences: [Float] = [8, -1, 8, 6.52, 3, 2]
        let loss = MultiVectorLoss(score: .aligner(k: 1, alphaQuery: 0.5, alphaDocument: 0.4, gate: SalienceGate(epsilon: 0.002, iterations: 20)),
                                   temperature: 0.05)
        let result = try vectors.withUnsafeBufferPointer {
            try loss.evaluate($0.baseAddress!, offsets: offsets, width: 2, queries: 1, negatives: 1, saliences: saliences)
        }
        #expect(result.loss.isFinite, "\(result.loss)")
        #expect(result.gradient.allSatisfy { $0.isFinite }, "\(result.gradient)")
        #expect(result.salienceGradient.allSatisfy { $0.isFinite }, "\(result.salienceGradient)")
        // The regime is the one described: the pair's weight is subnormal, yet not zero.
        let gate = SalienceGate(epsilon: 0.002, iterations: 20)
        let document = gate.solve([8, Double(Float(6.52))], k: 1)
        let weight = 8 * document.gates[1] * Double(Float(6.52))
        #expect(weight > 0 && weight < Double.leastNormalMagnitude, "\(weight)")
    }
}
