import TesseraIndex

/// Settings a searcher is opened with: what shapes the opened view of the index (Matryoshka width, exact
/// AligneR pruning, query token budgets, BM25 weights) and the defaults of the per-query ``SearchParameters``.
public struct SearchOptions: Sendable {
    /// Documents returned per query.
    public var topK = 100
    /// AligneR (exact): fraction of document tokens kept by salience.
    public var beta = 1.0
    /// Query token budget for multi-vector modes (nil: 64, or the model's positions if fewer).
    public var queryMaxLength: Int?
    /// Query token budget for dense mode (nil: the model's default).
    public var denseQueryMaxLength: Int?
    /// Matryoshka dimension for dense search (nil: the index's).
    public var dimension: Int?
    /// BM25 parameters (nil: the index's).
    public var bm25: BM25Parameters?
    /// Hybrid: the two modes fused (their indexes given in the same order).
    public var hybrid: (first: SearchMode, second: SearchMode) = (.xtr, .bm25)
    /// Hybrid: how deep each part is searched before fusing (at least `topK`).
    public var hybridDepth = 1000
    /// What a search uses unless the call gives its own.
    public var parameters = SearchParameters()

    /// Defaults.
    public init() {}
}

/// Settings one search may change, as FAISS's per-call `SearchParameters`: every ``Searcher`` takes them with
/// each query, and uses its ``Searcher/defaultParameters`` (those it was opened with) when a call gives none. Each
/// mode reads only its own fields.
public struct SearchParameters: Sendable {
    /// XTR (exact): tokens retrieved per query token (k').
    public var kPrime = 1000
    /// AligneR: alignment of each query token to document tokens.
    public var alignment: Alignment = .topK(1)
    /// Threads one query may use.
    public var threads = 1
    /// HNSW: candidate list size (nil: the index's default).
    public var efSearch: Int?
    /// WARP: centroids probed per query token (nil: the engine's default for the index).
    public var nProbe: Int?
    /// WARP: cumulative cluster-size threshold t' for m_i (nil: chosen from the index size).
    public var tPrime: Int?
    /// WARP AligneR: fraction β_q of the query's tokens kept, the most salient first (1 keeps all).
    public var queryPrune = 1.0
    /// Hybrid: how the parts' rankings are fused.
    public var fusion: Fusion = .reciprocalRank(k: 60)

    /// Defaults.
    public init() {}
}
