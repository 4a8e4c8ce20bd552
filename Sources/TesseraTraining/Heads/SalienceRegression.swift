import Foundation

/// A linear salience head fitted to given targets by ridge regression: the `w`, `b` that minimise
/// `Σ_r (w · x_r + b − y_r)² + μ ‖w‖²` over rows `x_r` (the bias is not penalised). `--salience-init idf` starts AligneR's
/// heads this way, with `y` the inverse document frequency of each token, so that step 0 ranks tokens as the IDF proxy
/// of the index does (PAPERS.md §3) and training starts from there instead of from every token equally salient.
public struct SalienceRegression: Sendable {
    /// The fitted weights (one per input).
    public let weight: [Float]
    /// The fitted bias.
    public let bias: Float
    /// Share of the targets' variance the fit explains on the rows it was fitted to (R², at most 1).
    public let explained: Double

    /// Fits `rows` (`count × width`, row-major) to `targets` (one per row) with the ridge weight `ridge` relative to
    /// the mean squared input (μ = ridge · trace(XᵀX) / width, so it does not depend on the states' scale).
    public init(rows: UnsafeBufferPointer<Float>, width: Int, targets: [Double], ridge: Double = 1e-3) throws(TrainingError) {
        guard width >= 1, rows.count == targets.count * width, targets.count > width else {
            throw TrainingError(.invalidArgument, "salience regression needs more rows than inputs (\(targets.count) rows of \(width))")
        }
        guard ridge >= 0, ridge.isFinite else { throw TrainingError(.invalidArgument, "salience regression: the ridge weight must be ≥ 0") }
        // Normal equations on centred data: the bias then separates (b = ȳ − w · x̄).
        let n = targets.count
        var mean = [Double](repeating: 0, count: width)
        for r in 0..<n { for c in 0..<width { mean[c] += Double(rows[r * width + c]) } }
        for c in 0..<width { mean[c] /= Double(n) }
        let meanTarget = targets.reduce(0, +) / Double(n)
        var gram = [Double](repeating: 0, count: width * width)
        var right = [Double](repeating: 0, count: width)
        var x = [Double](repeating: 0, count: width)
        for r in 0..<n {
            for c in 0..<width { x[c] = Double(rows[r * width + c]) - mean[c] }
            let y = targets[r] - meanTarget
            guard y.isFinite else { throw TrainingError(.invalidArgument, "salience regression: target \(r) is not finite") }
            for i in 0..<width {
                let xi = x[i]
                guard xi != 0 else { continue }
                right[i] += xi * y
                for j in i..<width { gram[i * width + j] += xi * x[j] }
            }
        }
        var trace = 0.0
        for i in 0..<width { trace += gram[i * width + i] }
        guard trace.isFinite else { throw TrainingError(.invalidArgument, "salience regression: the rows hold a non-finite value") }
        let mu = max(ridge * trace / Double(width), 1e-12)
        for i in 0..<width {
            gram[i * width + i] += mu
            for j in (i + 1)..<width { gram[j * width + i] = gram[i * width + j] }
        }
        let w = try Self.solveSymmetricPositive(gram, right, width: width)
        var b = meanTarget
        for c in 0..<width { b -= w[c] * mean[c] }
        var residual = 0.0, total = 0.0
        for r in 0..<n {
            var s = b
            for c in 0..<width { s += w[c] * Double(rows[r * width + c]) }
            residual += (s - targets[r]) * (s - targets[r])
            total += (targets[r] - meanTarget) * (targets[r] - meanTarget)
        }
        weight = w.map { Float($0) }
        bias = Float(b)
        explained = total > 0 ? 1 - residual / total : 1
    }

    /// Solves `A z = y` for a symmetric positive definite `A` (`width × width`) by Cholesky factorisation.
    static func solveSymmetricPositive(_ a: [Double], _ y: [Double], width n: Int) throws(TrainingError) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { throw TrainingError(.invalidArgument, "salience regression: the system is not positive definite") }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        var z = y
        for i in 0..<n {
            var s = z[i]
            for k in 0..<i { s -= l[i * n + k] * z[k] }
            z[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = z[i]
            for k in (i + 1)..<n { s -= l[k * n + i] * z[k] }
            z[i] = s / l[i * n + i]
        }
        return z
    }
}
