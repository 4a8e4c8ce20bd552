import TesseraKernels

/// How each query token is aligned to document tokens (AligneR's pairwise alignment Ã).
public enum Alignment: Sendable, Equatable, CustomStringConvertible {
    /// The k most similar document tokens (k = 1 is ColBERT's MaxSim).
    case topK(Int)
    /// max(⌊p · m⌋, 1) most similar document tokens, m = the document's length; p as a fraction (0.015 = 1.5%).
    case topP(Double)

    /// How many document tokens a query token aligns to in a document of `length` tokens.
    public func count(documentLength length: Int) -> Int {
        switch self {
        case .topK(let k): return max(k, 1)
        case .topP(let p): return max(Int((p * Double(length)).rounded(.down)), 1)
        }
    }

    /// `top-k=4`, `top-p=1.5%`.
    public var description: String {
        switch self {
        case .topK(let k): return "top-k=\(k)"
        case .topP(let p): return "top-p=\(p * 100)%"
        }
    }

    /// Parses `k4`, `top-k=4`, `p1.5`, `top-p=1.5%` (p in percent).
    public init?(_ text: String) {
        let t = text.lowercased().replacingOccurrences(of: "top-", with: "").replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "%", with: "")
        if t.hasPrefix("k"), let k = Int(t.dropFirst()), k >= 1 { self = .topK(k); return }
        if t.hasPrefix("p"), let p = Double(t.dropFirst()), p > 0 { self = .topP(p / 100); return }
        return nil
    }

    /// The grid of few-shot adaptation (PAPERS.md §3): k ∈ {1, 2, 4, 6, 8}, p ∈ {0.5, 1, 1.5, 2}%.
    public static let adaptationGrid: [Alignment] = [.topK(1), .topK(2), .topK(4), .topK(6), .topK(8),
                                                     .topP(0.005), .topP(0.01), .topP(0.015), .topP(0.02)]
}

/// AligneR (PAPERS.md §3), exact version: sim(Q, D) = Σᵢⱼ Sᵢⱼ Aᵢⱼ / Σᵢⱼ Aᵢⱼ with A = Ã ⊙ (uᵠ ⊗ uᵈ): each query
/// token aligned to its top-k / top-p document tokens (among the tokens kept by pruning), weighted by the
/// product of the two tokens' saliences. Documents are pruned to their top β fraction of tokens by salience.
public struct AlignerRetriever: Sendable {
    /// The indexed token vectors.
    public let corpus: TokenCorpus
    /// Salience of every corpus token row.
    public let documentSaliences: [Float]
    /// Whether each token row survives pruning.
    public let kept: [Bool]
    /// Fraction of each document's tokens kept.
    public let beta: Double
    /// The salience model (also used for queries); nil when the saliences are learned (AligneR's heads): then each
    /// query brings its own (``QueryTokens/saliences``).
    public let salience: (any TokenSalience)?

    /// Computes saliences of every token and prunes each document to its top `beta` fraction (at least one token).
    public init(corpus: TokenCorpus, salience: any TokenSalience, beta: Double = 1) {
        var saliences = [Float](repeating: 1, count: corpus.tokenCount)
        if let ids = corpus.tokenIds {
            saliences = salience.saliences(tokenIds: UnsafeBufferPointer(start: ids, count: corpus.tokenCount),
                                           vectors: corpus.vectors, dimension: corpus.dimension, isQuery: false)
        }
        self.init(corpus: corpus, documentSaliences: saliences, salience: salience, beta: beta)
    }

    /// Learned saliences: `documentSaliences` has one value per corpus token row (AligneR's document head); queries
    /// bring theirs. Each document is pruned to its top `beta` fraction.
    public init(corpus: TokenCorpus, learnedSaliences: [Float], beta: Double = 1) {
        precondition(learnedSaliences.count == corpus.tokenCount, "AlignerRetriever: one salience per token row")
        self.init(corpus: corpus, documentSaliences: learnedSaliences, salience: nil, beta: beta)
    }

    private init(corpus: TokenCorpus, documentSaliences saliences: [Float], salience: (any TokenSalience)?, beta: Double) {
        self.corpus = corpus
        self.salience = salience
        self.beta = beta
        var kept = [Bool](repeating: beta >= 1, count: corpus.tokenCount)
        if beta < 1 {
            for d in 0..<corpus.documentCount {
                let rows = Array(corpus.documentOffsets[d]..<corpus.documentOffsets[d + 1])
                let keep = max(1, Int((beta * Double(rows.count)).rounded(.up)))
                let ranked = rows.sorted { saliences[$0] != saliences[$1] ? saliences[$0] > saliences[$1] : $0 < $1 }
                for r in ranked.prefix(keep) { kept[r] = true }
            }
        }
        self.documentSaliences = saliences
        self.kept = kept
    }

    /// Fraction of token rows kept after pruning.
    public var keptFraction: Double {
        corpus.tokenCount == 0 ? 0 : Double(kept.lazy.filter { $0 }.count) / Double(corpus.tokenCount)
    }

    /// Query saliences: from the salience model, or the query's learned ones (1 each if it has none).
    public func querySaliences(_ query: QueryTokens) -> [Float] {
        guard let salience else { return query.saliences ?? [Float](repeating: 1, count: query.count) }
        return query.tokenIds.withUnsafeBufferPointer { ids in
            query.vectors.withUnsafeBufferPointer { v in
                salience.saliences(tokenIds: ids, vectors: v.baseAddress!, dimension: query.dimension, isQuery: true)
            }
        }
    }

    /// The `topK` best documents for `query` under `alignment`, scoring every document.
    public func search(_ query: QueryTokens, topK: Int, alignment: Alignment, threads: Int = 1) -> [ScoredDocument] {
        let n = query.count
        let uq = querySaliences(query)
        let workers = max(1, threads)
        let heaps = Locked((0..<workers).map { _ in TopK(k: topK) })
        let offsets = corpus.documentOffsets, tokenDocuments = corpus.tokenDocuments
        let kept = self.kept, ud = documentSaliences
        corpus.scan(query: query, threads: workers) { worker, chunk, scores in
            var local = TopK(k: topK)
            // Per query token, the c best kept tokens so far (scores descending) and their saliences; rows
            // are visited in order and query tokens inner, so the score matrix is read contiguously.
            var bestScores: [Float] = []
            var bestWeights: [Float] = []
            var filled = [Int](repeating: 0, count: n)
            var d = Int(tokenDocuments[chunk.lowerBound])
            while d < offsets.count - 1 && offsets[d] < chunk.upperBound {
                let rows = offsets[d]..<offsets[d + 1]
                let c = alignment.count(documentLength: rows.count)
                if bestScores.count < n * c {
                    bestScores = [Float](repeating: 0, count: n * c)
                    bestWeights = [Float](repeating: 0, count: n * c)
                }
                for i in 0..<n { filled[i] = 0 }
                for r in rows where kept[r] {
                    let row = scores + (r - chunk.lowerBound) * n
                    let w = ud[r]
                    for i in 0..<n {
                        let s = row[i]
                        let base = i * c
                        var count = filled[i]
                        if count == c && s <= bestScores[base + c - 1] { continue }
                        if count < c { count += 1; filled[i] = count }
                        var pos = count - 1
                        while pos > 0 && bestScores[base + pos - 1] < s {
                            bestScores[base + pos] = bestScores[base + pos - 1]
                            bestWeights[base + pos] = bestWeights[base + pos - 1]
                            pos -= 1
                        }
                        bestScores[base + pos] = s
                        bestWeights[base + pos] = w
                    }
                }
                var numerator: Float = 0, denominator: Float = 0
                for i in 0..<n where uq[i] > 0 {
                    for j in 0..<filled[i] {
                        numerator += uq[i] * bestWeights[i * c + j] * bestScores[i * c + j]
                        denominator += uq[i] * bestWeights[i * c + j]
                    }
                }
                if !rows.isEmpty { local.insert(Int32(d), denominator > 0 ? numerator / denominator : 0) }
                d += 1
            }
            heaps.mutate { all in for item in local.sorted() { all[worker].insert(item) } }
        }
        var merged = TopK(k: topK)
        for heap in heaps.value { for item in heap.sorted() { merged.insert(item) } }
        return merged.sorted()
    }
}
