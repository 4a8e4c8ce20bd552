import TesseraIndex
import TesseraKernels
import TesseraModels

/// Exact dense search over a `dense` index folder.
public final class DenseSearcher: Searcher {
    /// The index folder.
    public let folder: IndexFolder
    /// The query model (checked against the index's).
    public let model: EmbeddingModel
    /// External ids.
    public let documentIDs: StringTable
    let retriever: DenseRetriever
    let vectors: DenseVectorTable
    let queryMaxLength: Int?
    let graph: HNSWGraph?
    /// The parameters a search without its own uses.
    public let defaultParameters: SearchParameters

    /// Opens `path` for queries encoded by `model`; refuses an index built by another model. Uses the HNSW graph
    /// when the index has one, unless `exact` (or a Matryoshka `dimension`, which the graph was not built for).
    public init(path: String, model: EmbeddingModel, options: SearchOptions, exact: Bool = false, verifyChecksums: Bool = true) throws {
        folder = try IndexFolder(path: path, kind: .dense, verifyChecksums: verifyChecksums)
        let stored = folder.manifest.dimension ?? 0
        try folder.manifest.requireModel(try model.identity(), dimension: stored, folder: path)
        self.model = model
        documentIDs = try folder.documentIDs()
        vectors = try DenseVectorTable(folder: folder)
        if let dim = options.dimension, dim < 1 || dim > stored {
            throw IndexError(.invalidArgument, "--dim \(dim) must be between 1 and the index's \(stored)")
        }
        retriever = DenseRetriever(vectors: vectors.baseAddress, count: vectors.count,
                                   storedDimension: stored, dimension: options.dimension, owner: folder)
        queryMaxLength = options.denseQueryMaxLength
        graph = !exact && options.dimension == nil && HNSWGraph.isPresent(in: folder) ? try HNSWGraph(folder: folder) : nil
        defaultParameters = options.parameters
    }

    /// The same opened index searched exactly, without its graph: nothing is read or verified again.
    public var exactSearcher: DenseSearcher { graph == nil ? self : DenseSearcher(exactOf: self) }

    private init(exactOf other: DenseSearcher) {
        folder = other.folder
        model = other.model
        documentIDs = other.documentIDs
        retriever = other.retriever
        vectors = other.vectors
        queryMaxLength = other.queryMaxLength
        graph = nil
        defaultParameters = other.defaultParameters
    }

    /// Whether queries go through the HNSW graph.
    public var usesGraph: Bool { graph != nil }

    public var documentIDsChecksum: String { folder.documentIDsChecksum }

    public func prepare(_ text: String) throws -> PreparedQuery {
        // An index stored at a Matryoshka width gets queries truncated and renormalised the same way.
        let stored = retriever.storedDimension
        let options = EmbedOptions(dimension: stored < model.dimension ? stored : nil, threads: 1)
        return .vector(try model.embed(inputs: [try model.tokenize(text, maxLength: queryMaxLength)], options: options))
    }

    public func search(_ query: PreparedQuery, topK: Int, parameters: SearchParameters) throws -> [ScoredDocument] {
        guard case .vector(let v) = query else { throw MismatchedQuery() }
        if let graph {
            guard v.count == vectors.dimension else { throw MismatchedQuery() }
            return v.withUnsafeBufferPointer { q in
                graph.search(q.baseAddress.unsafelyUnwrapped, vectors: vectors.baseAddress, k: topK, efSearch: parameters.efSearch).map { ScoredDocument(document: $0.id, score: $0.score) }
            }
        }
        return retriever.search(queries: v, queryDimension: v.count, topK: topK)[0]
    }
}
