import Foundation

/// Principal directions of a set of vectors: the eigenvectors of their second-moment matrix `Σ x xᵀ` (not centred:
/// a token head followed by L2 normalisation keeps dot products, and the uncentred moment is what they depend on),
/// largest eigenvalue first. Used to start a new token head from the encoder's own geometry (`--head-init pca`).
public struct PrincipalComponents: Sendable {
    /// Eigenvalues of the second-moment matrix divided by the number of vectors, descending.
    public let eigenvalues: [Double]
    /// Unit eigenvectors, row `i` (of `width` values) for `eigenvalues[i]`; each signed so that its largest-magnitude
    /// entry is positive (a deterministic choice).
    public let vectors: [Double]
    /// Width of the vectors.
    public let width: Int

    /// The components of `count` row-major vectors of `width` values.
    public init(rows: UnsafeBufferPointer<Float>, width: Int) throws(TrainingError) {
        guard width >= 1, rows.count >= width, rows.count % width == 0 else {
            throw TrainingError(.invalidArgument, "principal components need at least \(max(width, 1)) values in rows of \(width)")
        }
        let count = rows.count / width
        var moment = [Double](repeating: 0, count: width * width)
        var row = [Double](repeating: 0, count: width)
        for r in 0..<count {
            for j in 0..<width { row[j] = Double(rows[r * width + j]) }
            for i in 0..<width {
                let xi = row[i]
                guard xi != 0 else { continue }
                for j in i..<width { moment[i * width + j] += xi * row[j] }
            }
        }
        for i in 0..<width {
            for j in i..<width {
                moment[i * width + j] /= Double(count)
                moment[j * width + i] = moment[i * width + j]
            }
        }
        let (values, vectors) = try Self.symmetricEigen(moment, width: width)
        self.eigenvalues = values
        self.vectors = vectors
        self.width = width
    }

    /// The first `count` components as a row-major `[count × width]` projection (rows orthonormal).
    public func projection(_ count: Int) -> [Float] {
        vectors.prefix(count * width).map { Float($0) }
    }

    /// Share of the total second moment the first `count` components carry.
    public func explained(_ count: Int) -> Double {
        let total = eigenvalues.reduce(0, +)
        return total > 0 ? eigenvalues.prefix(count).reduce(0, +) / total : 0
    }

    /// Eigen-decomposition of a symmetric `[width × width]` matrix by cyclic Jacobi rotations: eigenvalues descending
    /// and their unit eigenvectors as rows.
    static func symmetricEigen(_ matrix: [Double], width n: Int) throws(TrainingError) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)  // columns are eigenvectors
        for i in 0..<n { v[i * n + i] = 1 }
        var scale = 0.0
        for x in a { scale += x * x }
        guard scale.isFinite else { throw TrainingError(.invalidArgument, "principal components: the vectors hold a non-finite value") }
        var converged = scale == 0
        var sweep = 0
        while !converged && sweep < 60 {
            sweep += 1
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off <= 1e-30 * scale { converged = true; break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    guard abs(apq) > 1e-300 else { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    // A ← Jᵀ A J on rows and columns p, q.
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        guard converged else { throw TrainingError(.invalidArgument, "principal components: Jacobi rotations did not converge") }
        let order = (0..<n).sorted { a[$0 * n + $0] != a[$1 * n + $1] ? a[$0 * n + $0] > a[$1 * n + $1] : $0 < $1 }
        var rows = [Double](repeating: 0, count: n * n)
        for (r, column) in order.enumerated() {
            var largest = 0.0
            for k in 0..<n where abs(v[k * n + column]) > abs(largest) { largest = v[k * n + column] }
            let sign: Double = largest < 0 ? -1 : 1
            for k in 0..<n { rows[r * n + k] = sign * v[k * n + column] }
        }
        return (order.map { a[$0 * n + $0] }, rows)
    }
}
