import TesseraIndex
import TesseraKernels

/// BM25 search over a `bm25` index folder.
public final class BM25Searcher: Searcher {
    /// The loaded index.
    public let index: BM25Index
    let checksum: String
    /// The parameters a search without its own uses (BM25 reads none of them; a hybrid passes them on).
    public let defaultParameters: SearchParameters

    /// Opens `path`; `parameters` override the index's k1 and b.
    public init(path: String, parameters: BM25Parameters?, defaults: SearchParameters = SearchParameters(), verifyChecksums: Bool = true) throws {
        defaultParameters = defaults
        let folder = try IndexFolder(path: path, kind: .bm25, verifyChecksums: verifyChecksums)
        let loaded = try BM25Index(folder: folder)
        index = parameters.map { loaded.withParameters($0) } ?? loaded
        checksum = folder.documentIDsChecksum
    }

    public var documentIDs: StringTable { index.documentIDs }
    public var documentIDsChecksum: String { checksum }

    public func prepare(_ text: String) throws -> PreparedQuery { .text(text) }

    public func search(_ query: PreparedQuery, topK: Int, parameters: SearchParameters) throws -> [ScoredDocument] {
        guard case .text(let text) = query else { throw MismatchedQuery() }
        return index.search(text, topK: topK)
    }
}

/// Fusion of two searchers over the same documents (same ids in the same order).
public final class HybridSearcher: Searcher {
    /// The fused parts.
    public let parts: (any Searcher, any Searcher)
    /// How deep each part is searched before fusing.
    public let depth: Int
    /// The first part's default parameters with this hybrid's fusion; a call's parameters go to both parts.
    public let defaultParameters: SearchParameters

    /// Fuses `first` and `second` (by default with `fusion`); refuses parts that index different documents.
    public init(_ first: any Searcher, _ second: any Searcher, fusion: Fusion, depth: Int = 1000) throws {
        guard first.documentIDsChecksum == second.documentIDsChecksum, first.documentIDs.count == second.documentIDs.count else {
            throw IndexError(.invalidArgument, "hybrid parts index different documents (document ids differ): build both from the same corpus")
        }
        parts = (first, second)
        self.depth = depth
        var defaults = first.defaultParameters
        defaults.fusion = fusion
        defaultParameters = defaults
    }

    public var documentIDs: StringTable { parts.0.documentIDs }
    public var documentIDsChecksum: String { parts.0.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        .pair(.init(try parts.0.prepare(text)), .init(try parts.1.prepare(text)))
    }

    /// How scores are fused by default.
    public var fusion: Fusion { defaultParameters.fusion }

    public func search(_ query: PreparedQuery, topK: Int, parameters: SearchParameters) throws -> [ScoredDocument] {
        guard case .pair(let a, let b) = query else { throw MismatchedQuery() }
        let k = max(depth, topK)
        return parameters.fusion.fuse([try parts.0.search(a.query, topK: k, parameters: parameters),
                                       try parts.1.search(b.query, topK: k, parameters: parameters)], topK: topK)
    }
}
