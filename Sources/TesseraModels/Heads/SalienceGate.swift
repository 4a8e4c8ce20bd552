import Foundation

/// AligneR's salience gates (PAPERS.md §3): λ solves the entropy-regularised linear program
/// `max_λ r·λ + ε H(λ)` subject to `Σ λ = k, 0 ≤ λ ≤ 1`, a differentiable top-k of the unary scores r, by a fixed number
/// of iterations (a, b start at 0): `a = ε ln k − ε ln Σᵢ exp((rᵢ + bᵢ)/ε)`, `bᵢ = min(−rᵢ − a, 0)`; then
/// `λᵢ = exp((rᵢ + bᵢ + a)/ε)`. ``backward(_:)`` differentiates through every iteration (what autograd of the same loop
/// computes).
public struct SalienceGate: Sendable, Equatable {
    /// The entropy weight ε.
    public var epsilon: Double
    /// Iterations of the (a, b) updates.
    public var iterations: Int

    /// Makes a gate.
    public init(epsilon: Double = 0.002, iterations: Int = 20) {
        self.epsilon = epsilon
        self.iterations = iterations
    }

    /// The forward pass of one sequence: the gates and what the backward pass needs.
    public struct Solution: Sendable {
        /// λ, one per token.
        public var gates: [Double]
        /// The budget k.
        public var k: Double
        var a: [Double] = []            // a after each iteration
        var softmax: [[Double]] = []    // softmax((r + b_prev)/ε) of each iteration
        var clamped: [[Bool]] = []      // whether bᵢ = −rᵢ − a (not 0) after each iteration
        var finalB: [Double] = []
    }

    /// λ for scores `r` with budget `k` (clamped to [1, r.count]).
    public func solve(_ r: [Double], k budget: Double) -> Solution {
        let n = r.count
        let k = min(max(budget, 1), Double(max(n, 1)))
        var solution = Solution(gates: [], k: k)
        guard n > 0 else { return solution }
        var b = [Double](repeating: 0, count: n)
        let e = epsilon
        for _ in 0..<max(iterations, 1) {
            let z = (0..<n).map { (r[$0] + b[$0]) / e }
            let top = z.max() ?? 0
            let exps = z.map { Foundation.exp($0 - top) }
            let sum = exps.reduce(0, +)
            let a = e * Foundation.log(k) - e * (top + Foundation.log(sum))
            var mask = [Bool](repeating: false, count: n)
            for i in 0..<n {
                let candidate = -r[i] - a
                mask[i] = candidate < 0
                b[i] = min(candidate, 0)
            }
            solution.a.append(a)
            solution.softmax.append(exps.map { $0 / sum })
            solution.clamped.append(mask)
        }
        let a = solution.a[solution.a.count - 1]
        solution.finalB = b
        solution.gates = (0..<n).map { Foundation.exp((r[$0] + b[$0] + a) / e) }
        return solution
    }

    /// The gradient with respect to `r` of a loss whose gradient with respect to the gates is `dGates`.
    public func backward(_ solution: Solution, gradient dGates: [Double]) -> [Double] {
        backward(solution, logGradient: (0..<solution.gates.count).map { dGates[$0] * solution.gates[$0] })
    }

    /// The gradient with respect to `r` of a loss whose gradient with respect to `ln λ` is `dLogGates` (`λᵢ · ∂L/∂λᵢ`).
    /// A caller that has this product directly passes it here: a gate far below the budget's threshold underflows to 0 or a
    /// subnormal, where `∂L/∂λ` alone can overflow although the product is small.
    public func backward(_ solution: Solution, logGradient dLogGates: [Double]) -> [Double] {
        let n = solution.gates.count
        var dr = [Double](repeating: 0, count: n)
        guard n > 0 else { return dr }
        let e = epsilon
        // λᵢ = exp(zᵢ), zᵢ = (rᵢ + bᵢ + a)/ε.
        var db = [Double](repeating: 0, count: n)
        var da = 0.0
        for i in 0..<n {
            let g = dLogGates[i] / e
            dr[i] += g
            db[i] += g
            da += g
        }
        for t in stride(from: solution.a.count - 1, through: 0, by: -1) {
            // bᵢ = min(−rᵢ − a, 0).
            for i in 0..<n where solution.clamped[t][i] {
                dr[i] -= db[i]
                da -= db[i]
            }
            // a = ε ln k − ε ln Σ exp((r + b_prev)/ε): ∂a/∂(rᵢ + b_prevᵢ) = −softmaxᵢ.
            var previous = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let g = -da * solution.softmax[t][i]
                dr[i] += g
                previous[i] = g
            }
            db = previous  // b before the first iteration is the constant 0: its gradient is dropped
            da = 0
        }
        return dr
    }
}
