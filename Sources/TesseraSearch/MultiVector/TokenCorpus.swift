import TesseraKernels

/// Every token vector of a corpus, documents stored contiguously: document d owns rows
/// `documentOffsets[d] ..< documentOffsets[d + 1]` of `vectors` (`tokenCount × dimension`, L2-normalised).
///
/// The memory may be a memory-mapped index file; `owner` keeps it alive.
public struct TokenCorpus: @unchecked Sendable {
    /// Row-major token vectors.
    public let vectors: UnsafePointer<Float>
    /// Width of each vector.
    public let dimension: Int
    /// Row offsets per document (`documentCount + 1` entries).
    public let documentOffsets: [Int]
    /// Vocabulary id of every token (for saliences and token filters), if stored.
    public let tokenIds: UnsafePointer<Int32>?
    /// The document owning each token row.
    public let tokenDocuments: [Int32]
    /// Row ranges of whole documents, about `chunkRows` rows each, for chunked scans.
    public let chunks: [Range<Int>]
    private let owner: AnyObject?

    /// Rows scanned per GEMM chunk.
    public static let chunkRows = 8192

    /// Wraps token vectors; `documentOffsets` must start at 0, be non-decreasing and end at the row count.
    public init(vectors: UnsafePointer<Float>, dimension: Int, documentOffsets: [Int], tokenIds: UnsafePointer<Int32>?, owner: AnyObject?) {
        self.vectors = vectors
        self.dimension = dimension
        self.documentOffsets = documentOffsets
        self.tokenIds = tokenIds
        self.owner = owner
        var owners = [Int32](repeating: 0, count: documentOffsets.last ?? 0)
        for d in 0..<(documentOffsets.count - 1) {
            for r in documentOffsets[d]..<documentOffsets[d + 1] { owners[r] = Int32(d) }
        }
        tokenDocuments = owners
        var chunks: [Range<Int>] = []
        var start = 0
        for d in 0..<(documentOffsets.count - 1) {
            let end = documentOffsets[d + 1]
            if end - start >= Self.chunkRows {
                chunks.append(start..<end)
                start = end
            }
        }
        if start < (documentOffsets.last ?? 0) { chunks.append(start..<(documentOffsets.last ?? 0)) }
        self.chunks = chunks
    }

    /// Number of documents.
    public var documentCount: Int { documentOffsets.count - 1 }
    /// Number of token vectors.
    public var tokenCount: Int { documentOffsets.last ?? 0 }

    /// Scores every chunk against the query tokens: `body(worker, chunk, scores)` receives
    /// `scores[(row - chunk.lowerBound) * n + i] = ⟨token row, query token i⟩`. Chunks run on `threads` workers.
    public func scan(query: QueryTokens, threads: Int,
                     _ body: @Sendable (_ worker: Int, _ chunk: Range<Int>, _ scores: UnsafePointer<Float>) -> Void) {
        let n = query.count
        let linear = query.linear
        let workers = max(1, min(threads, chunks.count))
        let buffers = (0..<workers).map { _ in (FloatBuffer(capacity: Self.chunkRows * 2 * n), FloatBuffer()) }
        let vectors = UnsafeSendablePointer(readOnly: self.vectors), dimension = self.dimension, chunks = self.chunks
        Parallel.forEach(count: chunks.count, threads: workers) { worker, c in
            let chunk = chunks[c]
            let (out, work) = buffers[worker]
            out.reserve(chunk.count * n)
            linear.apply(vectors.pointer + chunk.lowerBound * dimension, lda: dimension, rows: chunk.count, bias: nil,
                         into: out.pointer, ldc: n, workspace: work)
            body(worker, chunk, out.pointer)
        }
    }
}

/// A query's token vectors, packed once for scanning a token corpus.
public struct QueryTokens: @unchecked Sendable {
    /// Row-major query token vectors (`count × dimension`), L2-normalised.
    public let vectors: [Float]
    /// Vocabulary ids of the query tokens (for saliences).
    public let tokenIds: [Int32]
    /// Number of query tokens.
    public let count: Int
    /// Width of each vector.
    public let dimension: Int
    /// AligneR's learned salience of each query token, when the model has salience heads (nil: IDF stands in).
    public let saliences: [Float]?
    let linear: LinearWeights
    private let storage: FloatBuffer

    /// Packs `vectors` (`tokenIds.count × dimension`), with learned `saliences` (one per token) if any.
    public init(vectors: [Float], tokenIds: [Int32], dimension: Int, saliences: [Float]? = nil) {
        precondition(saliences == nil || saliences?.count == tokenIds.count, "QueryTokens: one salience per token")
        self.vectors = vectors
        self.tokenIds = tokenIds
        self.saliences = saliences
        self.count = tokenIds.count
        self.dimension = dimension
        let storage = FloatBuffer(capacity: max(vectors.count, 1))
        vectors.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer.update(from: base, count: vectors.count) }
        }
        self.storage = storage
        linear = LinearWeights(weight: storage.pointer, outputs: tokenIds.count, inputs: dimension, owner: storage)
    }
}
