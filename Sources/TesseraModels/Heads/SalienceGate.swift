import Foundation

/// AligneR's salience gates (PAPERS.md §3): λ solves the entropy-regularised linear program
/// `max_λ r·λ + ε H(λ)` subject to `Σ λ = k, 0 ≤ λ ≤ 1`, a differentiable top-k of the unary scores r, by a fixed number
/// of iterations (a, b start at 0): `a = ε ln k − ε ln Σᵢ exp((rᵢ + bᵢ)/ε)`, `bᵢ = min(−rᵢ − a, 0)`; then
/// `λᵢ = exp((rᵢ + bᵢ + a)/ε)`. ``backward(_:)`` differentiates through every iteration (what autograd of the same loop
/// computes).
///
/// The iterations converge slowly when the scores spread far more than ε: at ε = 0.002, scores that differ by more than
/// about 0.1 leave 20 iterations with Σ λ far below k (for scores spread over a few units, a single token gets λ ≈ 1).
/// `iterations == 0` asks for the exact solution instead, the fixed point those iterations approach:
/// `λᵢ = min(1, exp((rᵢ + a)/ε))` with `a` such that `Σ λ = k`, found by sorting (``solveExactly(_:k:)``), and
/// differentiated implicitly.
public struct SalienceGate: Sendable, Equatable {
    /// The entropy weight ε.
    public var epsilon: Double
    /// Iterations of the (a, b) updates; 0: the exact solution.
    public var iterations: Int

    /// Whether the gate is the exact solution of the program rather than the paper's iterations.
    public var isExact: Bool { iterations == 0 }

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
        if isExact { return solveExactly(r, k: k) }
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

    /// The exact gates for budget `k` (already clamped to [1, r.count]): the top `m` scores get λ = 1 and the others
    /// `exp((rᵢ + a)/ε)` with `a = ε ln(k − m) − ε ln Σ_{rest} exp(rᵢ/ε)`, for the smallest `m` that keeps every such
    /// λ ≤ 1 and every clamped score at or above the threshold −a.
    func solveExactly(_ r: [Double], k: Double) -> Solution {
        let n = r.count
        var solution = Solution(gates: [Double](repeating: 1, count: n), k: k)
        guard n > 0, k < Double(n) else { solution.a = [.infinity]; return solution }
        let e = epsilon
        let order = (0..<n).sorted { r[$0] != r[$1] ? r[$0] > r[$1] : $0 < $1 }
        // Suffix log-sum-exp of r/ε over the sorted scores: rest[m] = ln Σ_{t ≥ m} exp(r_(t)/ε).
        var rest = [Double](repeating: -.infinity, count: n + 1)
        for t in stride(from: n - 1, through: 0, by: -1) {
            let z = r[order[t]] / e, other = rest[t + 1]
            let top = max(z, other)
            rest[t] = top + Foundation.log(Foundation.exp(z - top) + (other == -.infinity ? 0 : Foundation.exp(other - top)))
        }
        var a = 0.0
        var m = 0
        while true {
            a = e * Foundation.log(k - Double(m)) - e * rest[m]
            if r[order[m]] + a <= 0 { break }
            // The largest free score would exceed 1: clamp it too (m stays below k, where the free tokens carry k − m > 0).
            if m + 1 >= n || Double(m + 1) >= k { break }
            m += 1
        }
        for t in m..<n { solution.gates[order[t]] = min(1, Foundation.exp((r[order[t]] + a) / e)) }
        solution.a = [a]
        solution.clamped = [(0..<n).map { _ in false }]
        for t in 0..<m { solution.clamped[0][order[t]] = true }
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
        if isExact {
            // Free gates λᵢ = exp((rᵢ + a)/ε) with Σ_free λ = k − m: ∂a/∂rⱼ = −λⱼ / Σ_free λ for a free j, 0 for a clamped
            // one; clamped gates are 1 whatever r.
            guard let clamped = solution.clamped.first, solution.a.first?.isFinite == true else { return dr }
            var mass = 0.0, weighted = 0.0
            for i in 0..<n where !clamped[i] {
                mass += solution.gates[i]
                weighted += dLogGates[i]
            }
            guard mass > 0 else { return dr }
            for j in 0..<n where !clamped[j] {
                dr[j] = (dLogGates[j] - solution.gates[j] / mass * weighted) / e
            }
            return dr
        }
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
