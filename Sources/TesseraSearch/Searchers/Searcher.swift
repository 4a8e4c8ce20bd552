import TesseraIndex
import TesseraIO
import TesseraKernels

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

/// Settings of a search run.
public struct SearchOptions: Sendable {
    /// Documents returned per query.
    public var topK = 100
    /// XTR: tokens retrieved per query token.
    public var kPrime = 1000
    /// AligneR: alignment.
    public var alignment: Alignment = .topK(1)
    /// AligneR: fraction of document tokens kept by salience.
    public var beta = 1.0
    /// Query token budget for multi-vector modes (nil: 64, or the model's positions if fewer).
    public var queryMaxLength: Int?
    /// Query token budget for dense mode (nil: the model's default).
    public var denseQueryMaxLength: Int?
    /// Matryoshka dimension for dense search (nil: the index's).
    public var dimension: Int?
    /// Threads one query may use.
    public var threads = 1
    /// BM25 parameters (nil: the index's).
    public var bm25: BM25Parameters?
    /// Hybrid fusion.
    public var fusion: Fusion = .reciprocalRank(k: 60)
    /// WARP: centroids probed per query token (nil: the engine's default).
    public var nProbe: Int?
    /// WARP: cumulative cluster-size threshold t' for m_i (nil: the engine's default).
    public var tPrime: Int?
    /// HNSW: candidate list size (nil: the index's default).
    public var efSearch: Int?

    /// Defaults.
    public init() {}
}

/// A query after encoding (the part of a search that runs the model).
public enum PreparedQuery: Sendable {
    /// A pooled vector.
    case vector([Float])
    /// Token vectors.
    case tokens(QueryTokens)
    /// Raw text (BM25).
    case text(String)
    /// Both parts of a hybrid.
    case pair(Box, Box)

    /// A reference wrapper so the enum can nest.
    public final class Box: Sendable {
        /// The wrapped query.
        public let query: PreparedQuery
        init(_ query: PreparedQuery) { self.query = query }
    }
}

/// Something that answers queries over one index (or a fusion of two).
public protocol Searcher: Sendable {
    /// External ids of the documents, in index order.
    var documentIDs: StringTable { get }
    /// Checksum of the id table (hybrids require both parts to index the same documents in the same order).
    var documentIDsChecksum: String { get }
    /// Encodes a query (runs the model where the mode needs one).
    func prepare(_ text: String) throws -> PreparedQuery
    /// Ranks documents for a prepared query.
    func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument]
}

extension Searcher {
    /// Encodes and searches.
    public func search(_ text: String, topK: Int) throws -> [ScoredDocument] {
        try search(try prepare(text), topK: topK)
    }
}

/// A searcher got a query prepared for another kind.
struct MismatchedQuery: Error, CustomStringConvertible {
    var description: String { "internal error: query prepared for another search mode" }
}

extension IndexFolder {
    /// sha256 of the stored document id bytes (from the manifest).
    var documentIDsChecksum: String {
        manifest.array(named: IndexFolderWriter.documentIDsName + ".bytes")?.sha256 ?? ""
    }
}
