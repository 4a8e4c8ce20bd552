import Foundation

/// The contrastive losses of the Gecko recipe, on one batch of embeddings laid out as rows: the B queries, then
/// the B positives, then each query's N hard negatives (query i's negatives at rows `2B + i·N ..< 2B + (i+1)·N`).
public enum ContrastiveLoss: Sendable, Equatable {
    /// sentence-transformers' MultipleNegativesRankingLoss: softmax cross-entropy of `scale · cos(q_i, c)` over every
    /// positive and every hard negative of the batch, the label being q_i's own positive.
    case multipleNegativesRanking(scale: Double)
    /// Gecko's loss (PAPERS.md §1): softmax of `cos / τ` over every positive of the batch, the other queries
    /// (same-tower negatives) and q_i's own hard negatives only.
    case gecko(temperature: Double)

    /// sentence-transformers' default scale for MNRL.
    public static let mnrl = ContrastiveLoss.multipleNegativesRanking(scale: 20)
}

/// A loss over one or more Matryoshka widths: the loss of the first `d` values of every embedding (renormalised),
/// weighted and summed over `dimensions`.
public struct MatryoshkaLoss: Sendable, Equatable {
    /// The loss applied at each width.
    public var loss: ContrastiveLoss
    /// The widths (each at most the embedding's width).
    public var dimensions: [Int]
    /// One weight per width.
    public var weights: [Double]

    /// A loss at `dimensions` with `weights` (default 1 each). A single full width is the plain loss.
    public init(loss: ContrastiveLoss, dimensions: [Int], weights: [Double]? = nil) {
        self.loss = loss
        self.dimensions = dimensions
        self.weights = weights ?? dimensions.map { _ in 1 }
    }

    /// The loss of the batch and its gradient with respect to every embedding row: `embeddings` is
    /// `[rows × width]`, `rows = 2B + B·negatives`.
    public func evaluate(_ embeddings: [Float], width: Int, queries b: Int, negatives: Int) throws(TrainingError) -> (loss: Double, gradient: [Float]) {
        let rows = 2 * b + b * negatives
        guard embeddings.count == rows * width, b >= 1 else {
            throw TrainingError(.invalidArgument, "loss got \(embeddings.count) values for \(rows) rows of \(width)")
        }
        guard dimensions.count == weights.count, !dimensions.isEmpty else {
            throw TrainingError(.invalidArgument, "\(dimensions.count) Matryoshka dimensions but \(weights.count) weights")
        }
        var total = 0.0
        var gradient = [Double](repeating: 0, count: rows * width)
        for (d, weight) in zip(dimensions, weights) {
            guard d >= 1 && d <= width else { throw TrainingError(.invalidArgument, "Matryoshka dimension \(d) outside 1...\(width)") }
            // Truncate and normalise.
            var unit = [Double](repeating: 0, count: rows * d)
            var norms = [Double](repeating: 0, count: rows)
            for r in 0..<rows {
                var s = 0.0
                for c in 0..<d { s += Double(embeddings[r * width + c]) * Double(embeddings[r * width + c]) }
                let n = max(s.squareRoot(), 1e-12)
                norms[r] = n
                for c in 0..<d { unit[r * d + c] = Double(embeddings[r * width + c]) / n }
            }
            let (value, dUnit) = Self.contrastive(loss, unit: unit, width: d, queries: b, negatives: negatives)
            total += weight * value
            // Back through the normalisation: dv = (du − u ⟨du, u⟩) / ‖v‖.
            for r in 0..<rows {
                var dot = 0.0
                for c in 0..<d { dot += dUnit[r * d + c] * unit[r * d + c] }
                for c in 0..<d {
                    gradient[r * width + c] += weight * (dUnit[r * d + c] - unit[r * d + c] * dot) / norms[r]
                }
            }
        }
        return (total, gradient.map(Float.init))
    }

    /// One contrastive loss on unit vectors, and its gradient with respect to them.
    static func contrastive(_ loss: ContrastiveLoss, unit u: [Double], width d: Int, queries b: Int, negatives nNeg: Int) -> (Double, [Double]) {
        let rows = 2 * b + b * nNeg
        var gradient = [Double](repeating: 0, count: rows * d)
        func dot(_ i: Int, _ j: Int) -> Double {
            var s = 0.0
            for c in 0..<d { s += u[i * d + c] * u[j * d + c] }
            return s
        }
        var total = 0.0
        for i in 0..<b {
            // Candidates of query i: (row, multiplier of the cosine); the label is candidate 0's row i's positive.
            var candidates: [Int] = []
            let factor: Double
            switch loss {
            case .multipleNegativesRanking(let scale):
                factor = scale
                candidates = Array(b..<rows)
            case .gecko(let temperature):
                factor = 1 / temperature
                candidates = Array(b..<(2 * b)) + (0..<b).filter { $0 != i } + (0..<nNeg).map { 2 * b + i * nNeg + $0 }
            }
            let label = b + i
            let logits = candidates.map { factor * dot(i, $0) }
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp($0 - top) }
            let sum = exps.reduce(0, +)
            let labelIndex = candidates.firstIndex(of: label) ?? 0
            total += -(logits[labelIndex] - top - Foundation.log(sum))
            // d(loss_i)/d(logit_j) = softmax_j − [j = label], averaged over the B queries.
            for (j, row) in candidates.enumerated() {
                let g = (exps[j] / sum - (j == labelIndex ? 1 : 0)) * factor / Double(b)
                for c in 0..<d {
                    gradient[i * d + c] += g * u[row * d + c]
                    gradient[row * d + c] += g * u[i * d + c]
                }
            }
        }
        return (total / Double(b), gradient)
    }
}
