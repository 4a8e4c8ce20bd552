import TesseraKernels
import TesseraModels

/// Which ranked candidates become a query's hard negatives: the rules of sentence-transformers'
/// `mine_hard_negatives` that matter.
public struct NegativeSelection: Sendable, Equatable {
    /// How candidates that pass the filters are chosen.
    public enum Sampling: String, Sendable, CaseIterable {
        /// The best-ranked ones.
        case top
        /// A seeded random choice.
        case random
    }

    /// Negatives wanted per query.
    public var count: Int
    /// Ranks (0 = best) that are candidates; the best-ranked documents before `ranks.lowerBound` are skipped as likely
    /// unlabelled positives.
    public var ranks: Range<Int>
    /// Absolute margin: a negative must score at most positive − margin.
    public var margin: Double?
    /// Relative margin: a negative must score at most positive × (1 − margin).
    public var relativeMargin: Double?
    /// How the kept negatives are chosen among the candidates.
    public var sampling: Sampling
    /// Seed of ``Sampling/random``.
    public var seed: UInt64

    /// Makes selection rules.
    public init(count: Int = 1, ranks: Range<Int> = 0..<50, margin: Double? = nil, relativeMargin: Double? = nil,
                sampling: Sampling = .top, seed: UInt64 = 42) {
        self.count = count
        self.ranks = ranks
        self.margin = margin
        self.relativeMargin = relativeMargin
        self.sampling = sampling
        self.seed = seed
    }

    /// The chosen negatives (document indices) among `ranked` (best first). A document in `excluded` (a known positive)
    /// or for which `isPositive` holds is never a candidate, and is not counted against ``ranks``' width; scores are
    /// compared with `positiveScore` by the margins. `random` draws from `generator`, which carries on across queries.
    public func choose(ranked: [ScoredDocument], positiveScore: Double, excluded: Set<Int>, isPositive: (Int) -> Bool,
                       generator: inout SplitMix64) -> [Int] {
        var candidates: [Int] = []
        for (rank, hit) in ranked.enumerated() where rank >= ranks.lowerBound && candidates.count < ranks.count {
            let doc = Int(hit.document)
            if excluded.contains(doc) || isPositive(doc) { continue }
            let score = Double(hit.score)
            if let margin, score > positiveScore - margin { continue }
            if let relativeMargin, score > positiveScore * (1 - relativeMargin) { continue }
            candidates.append(doc)
        }
        if sampling == .random {
            for k in stride(from: candidates.count - 1, to: 0, by: -1) {
                candidates.swapAt(k, Int(generator.next() % UInt64(k + 1)))
            }
        }
        return Array(candidates.prefix(count))
    }
}

/// Hard negatives by dense retrieval over a corpus: every document and query is embedded with the model, the corpus
/// ranked by cosine to each query, and ``NegativeSelection`` picks the negatives, the query's positive scored the same
/// way for the margins. `tessera mine` is a shell over it.
public struct HardNegativeMiner {
    /// The model that ranks the corpus.
    public let model: EmbeddingModel
    /// The corpus texts (as the model reads a document: title and text joined).
    public let documents: [String]
    /// Document token budget and threads.
    public let options: EmbedOptions
    private let vectors: [Float]

    /// Embeds `documents` once.
    public init(model: EmbeddingModel, documents: [String], options: EmbedOptions = EmbedOptions()) throws {
        self.model = model
        self.documents = documents
        self.options = options
        vectors = try model.embed(documents, options: options)
    }

    /// The negatives (indices into ``documents``) of each query: `positives[i]` is query i's positive text (never chosen,
    /// nor is any document whose text equals it), `excluded[i]` the corpus indices of every known positive of the query.
    public func mine(queries: [String], positives: [String], excluded: [Set<Int>], selection: NegativeSelection) throws -> [[Int]] {
        precondition(queries.count == positives.count && queries.count == excluded.count, "one positive and one exclusion set per query")
        guard !queries.isEmpty, !documents.isEmpty else { return Array(repeating: [], count: queries.count) }
        let queryVectors = try model.embed(queries, options: EmbedOptions(threads: options.threads))
        let positiveVectors = try model.embed(positives, options: options)
        let d = model.dimension
        let depth = min(documents.count, selection.ranks.upperBound + (excluded.map(\.count).max() ?? 0))
        let hits = vectors.withUnsafeBufferPointer { buffer in
            DenseRetriever(vectors: buffer.baseAddress!, count: documents.count, storedDimension: d, owner: nil)
                .search(queries: queryVectors, queryDimension: d, topK: depth)
        }
        var generator = SplitMix64(seed: selection.seed)
        return queries.indices.map { i in
            let positiveScore = queryVectors.withUnsafeBufferPointer { q in
                positiveVectors.withUnsafeBufferPointer { p in
                    Double(VectorKernels.dot(q.baseAddress! + i * d, p.baseAddress! + i * d, count: d))
                }
            }
            return selection.choose(ranked: hits[i], positiveScore: positiveScore, excluded: excluded[i],
                                    isPositive: { documents[$0] == positives[i] }, generator: &generator)
        }
    }
}
