import Foundation
import Testing
import TesseraKernels
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

    /// `iterations: 0`: the exact gate. It is the fixed point the paper's iterations approach (equal to 5,000 of them where
    /// those have converged), keeps Σ λ = k at any spread of the scores (where 20 iterations leave a single token salient),
    /// and its implicit gradient matches central finite differences.
    @Test func theExactGateIsTheIterationsFixedPointAtAnySpread() throws {
        var rng = SplitMix64(seed: 11)
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let exact = SalienceGate(epsilon: 0.05, iterations: 0), many = SalienceGate(epsilon: 0.05, iterations: 5000)
        for n in [1, 2, 7, 40] {
            let r = (0..<n).map { _ in uniform() }
            for k in Set([1.0, Double((n + 1) / 2), Double(n)]) {
                let a = exact.solve(r, k: k).gates, b = many.solve(r, k: k).gates
                for i in 0..<n { #expect(abs(a[i] - b[i]) < 1e-9, "n \(n) k \(k) token \(i): \(a[i]) vs \(b[i])") }
                #expect(abs(a.reduce(0, +) - k) < 1e-9 && a.allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
        // Scores spread over several units at ε 0.002 (an IDF-scale head): the exact gate keeps k tokens, 20 iterations do not.
        let wide = (0..<200).map { _ in 8 * uniform() }
        let sharp = SalienceGate(epsilon: 0.002, iterations: 0).solve(wide, k: 80).gates
        #expect(abs(sharp.reduce(0, +) - 80) < 1e-6 && sharp.filter { $0 > 0.5 }.count >= 79)
        let paper = SalienceGate(epsilon: 0.002, iterations: 20).solve(wide, k: 80).gates
        #expect(paper.reduce(0, +) < 10, "20 iterations are expected to be far from converged here: \(paper.reduce(0, +))")
        // Gradient of L = Σ cᵢ λᵢ against central differences.
        let r = (0..<12).map { _ in uniform() }, c = (0..<12).map { _ in uniform() - 0.5 }
        let gate = SalienceGate(epsilon: 0.1, iterations: 0)
        let solution = gate.solve(r, k: 5)
        let analytic = gate.backward(solution, gradient: c)
        for j in 0..<12 {
            var up = r, down = r
            up[j] += 1e-6
            down[j] -= 1e-6
            let lossUp = zip(gate.solve(up, k: 5).gates, c).reduce(0) { $0 + $1.0 * $1.1 }
            let lossDown = zip(gate.solve(down, k: 5).gates, c).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs((lossUp - lossDown) / 2e-6 - analytic[j]) < 1e-5, "token \(j)")
        }
    }
}
