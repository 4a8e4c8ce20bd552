import TesseraIndex
import TesseraKernels

/// BM25 search over a `bm25` index folder.
public final class BM25Searcher: Searcher {
    /// The loaded index.
    public let index: BM25Index
    let checksum: String

    /// Opens `path`; `parameters` override the index's k1 and b.
    public init(path: String, parameters: BM25Parameters?, verifyChecksums: Bool = true) throws {
        let folder = try IndexFolder(path: path, kind: .bm25, verifyChecksums: verifyChecksums)
        let loaded = try BM25Index(folder: folder)
        index = parameters.map { loaded.withParameters($0) } ?? loaded
        checksum = folder.documentIDsChecksum
    }

    public var documentIDs: StringTable { index.documentIDs }
    public var documentIDsChecksum: String { checksum }

    public func prepare(_ text: String) throws -> PreparedQuery { .text(text) }

    public func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument] {
        guard case .text(let text) = query else { throw MismatchedQuery() }
        return index.search(text, topK: topK)
    }
}

/// Fusion of two searchers over the same documents (same ids in the same order).
public final class HybridSearcher: Searcher {
    /// The fused parts.
    public let parts: (any Searcher, any Searcher)
    /// How scores are fused.
    public let fusion: Fusion
    /// How deep each part is searched before fusing.
    public let depth: Int

    /// Fuses `first` and `second`; refuses parts that index different documents.
    public init(_ first: any Searcher, _ second: any Searcher, fusion: Fusion, depth: Int = 1000) throws {
        guard first.documentIDsChecksum == second.documentIDsChecksum, first.documentIDs.count == second.documentIDs.count else {
            throw IndexError(.invalidArgument, "hybrid parts index different documents (document ids differ): build both from the same corpus")
        }
        parts = (first, second)
        self.fusion = fusion
        self.depth = depth
    }

    public var documentIDs: StringTable { parts.0.documentIDs }
    public var documentIDsChecksum: String { parts.0.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        .pair(.init(try parts.0.prepare(text)), .init(try parts.1.prepare(text)))
    }

    public func search(_ query: PreparedQuery, topK: Int) throws -> [ScoredDocument] {
        guard case .pair(let a, let b) = query else { throw MismatchedQuery() }
        let k = max(depth, topK)
        return fusion.fuse([try parts.0.search(a.query, topK: k), try parts.1.search(b.query, topK: k)], topK: topK)
    }
}
