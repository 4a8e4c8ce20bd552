import TesseraIndex
import TesseraIO
import TesseraKernels

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
    /// The parameters of a search that gives none: those the searcher was opened with.
    var defaultParameters: SearchParameters { get }
    /// Encodes a query (runs the model where the mode needs one).
    func prepare(_ text: String) throws -> PreparedQuery
    /// Ranks documents for a prepared query with this call's `parameters`.
    func search(_ query: PreparedQuery, topK: Int, parameters: SearchParameters) throws -> [ScoredDocument]
}

extension Searcher {
    /// Ranks documents for a prepared query with the default parameters.
    public func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument] {
        try search(query, topK: topK, parameters: defaultParameters)
    }

    /// Encodes and searches (with the default parameters unless `parameters` are given).
    public func search(_ text: String, topK: Int, parameters: SearchParameters? = nil) throws -> [ScoredDocument] {
        try search(try prepare(text), topK: topK, parameters: parameters ?? defaultParameters)
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
