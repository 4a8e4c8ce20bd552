/// Every kept token of every document, in document order: its float32 vector, its vocabulary id, document offsets
/// and (for a model with AligneR salience heads) its learned salience. Memory-mapped from a `tokens` index folder.
public struct TokenVectorTable: @unchecked Sendable {
    /// Documents.
    public let documents: Int
    /// Tokens over all documents.
    public let tokens: Int
    /// Width of each vector.
    public let dimension: Int
    /// `tokens × dimension` values (L2-normalised rows as the builders write them).
    public let vectors: IndexArray<Float>
    /// Vocabulary id of each token.
    public let tokenIDs: IndexArray<Int32>
    /// `documents + 1` offsets: document `i` owns tokens `offsets[i] ..< offsets[i + 1]`.
    public let documentOffsets: [Int]
    /// Learned salience of each token, when stored.
    public let saliences: IndexArray<Float>?
    /// The first value of token 0's vector; valid as long as `vectors` is alive.
    public let baseAddress: UnsafePointer<Float>

    /// Wraps the arrays after checking their sizes and that the offsets partition the tokens (start at 0, never
    /// decrease, end at the token count); an index needs at least one token.
    public init(vectors: IndexArray<Float>, tokenIDs: IndexArray<Int32>, documentOffsets: IndexArray<Int64>, saliences: IndexArray<Float>?,
                dimension: Int, name: String) throws(IndexError) {
        let tokens = tokenIDs.count
        guard dimension > 0, vectors.count == tokens * dimension else {
            throw IndexError(.invalidArray, "\(name): \(vectors.count) vector values for \(tokens) tokens of width \(dimension)")
        }
        if let saliences, saliences.count != tokens {
            throw IndexError(.invalidArray, "\(name): \(saliences.count) saliences for \(tokens) tokens")
        }
        let offsets = documentOffsets.map(Int.init)
        guard offsets.first == 0, offsets.last == tokens, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw IndexError(.invalidArray, "\(name)/\(ArrayName.documentOffsets).bin: offsets are not a valid partition of \(tokens) tokens")
        }
        guard tokens > 0, let base = vectors.buffer.baseAddress else { throw IndexError(.invalidArray, "\(name): index has no tokens") }
        self.vectors = vectors
        self.tokenIDs = tokenIDs
        self.documentOffsets = offsets
        self.saliences = saliences
        self.dimension = dimension
        self.tokens = tokens
        documents = offsets.count - 1
        baseAddress = base
    }

    /// The token rows of document `document`.
    public func tokenRange(of document: Int) -> Range<Int> { documentOffsets[document]..<documentOffsets[document + 1] }
}
