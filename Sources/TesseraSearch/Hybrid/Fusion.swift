import TesseraKernels

/// Fusion of two (or more) ranked lists into one (hybrid retrieval).
public enum Fusion: Sendable, Equatable {
    /// Reciprocal rank fusion: Σ 1 / (k + rank), rank starting at 1 (k = 60 is customary).
    case reciprocalRank(k: Double)
    /// Min-max normalised score fusion: Σ wₛ · (s − minₛ) / (maxₛ − minₛ), per list over its own results;
    /// a document missing from a list contributes 0 there.
    case normalizedScore(weights: [Double])

    /// Fuses ranked lists (best first) and keeps the `topK` best.
    public func fuse(_ lists: [[ScoredDocument]], topK: Int) -> [ScoredDocument] {
        var fused: [Int32: Double] = [:]
        switch self {
        case .reciprocalRank(let k):
            for list in lists {
                for (rank, item) in list.enumerated() { fused[item.document, default: 0] += 1 / (k + Double(rank + 1)) }
            }
        case .normalizedScore(let weights):
            for (index, list) in lists.enumerated() {
                guard let first = list.first else { continue }
                let weight = index < weights.count ? weights[index] : 1
                var lo = first.score, hi = first.score
                for item in list { lo = min(lo, item.score); hi = max(hi, item.score) }
                let span = Double(hi - lo)
                for item in list {
                    let normalized = span > 0 ? Double(item.score - lo) / span : 1
                    fused[item.document, default: 0] += weight * normalized
                }
            }
        }
        var heap = TopK(k: topK)
        for (doc, score) in fused { heap.insert(doc, Float(score)) }
        return heap.sorted()
    }
}
