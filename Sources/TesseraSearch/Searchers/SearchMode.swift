import TesseraIndex

/// Retrieval modes of `tessera search` / `tessera beir`.
public enum SearchMode: String, Sendable, CaseIterable {
    /// Pooled vectors: HNSW when the index has a graph, else the exact scan.
    case dense
    /// Pooled vectors, exact inner product over every document.
    case denseExact = "dense-exact"
    /// Exact MaxSim over every token vector.
    case colbert
    /// XTR on the compressed index with the WARP engine.
    case xtr
    /// AligneR on the compressed (pruned) index with the WARP engine.
    case aligner
    /// XTR, exact: top-k' over every float token vector, with imputation.
    case xtrExact = "xtr-exact"
    /// AligneR, exact: sparse alignment over every (pruned) float token vector of every document.
    case alignerExact = "aligner-exact"
    /// BM25 over analysed text.
    case bm25
    /// Fusion of two modes.
    case hybrid

    /// The index kind the mode reads.
    public var indexKind: IndexKind? {
        switch self {
        case .dense, .denseExact: return .dense
        case .colbert, .xtrExact, .alignerExact: return .tokens
        case .xtr, .aligner: return .tokensWARP
        case .bm25: return .bm25
        case .hybrid: return nil
        }
    }
}
