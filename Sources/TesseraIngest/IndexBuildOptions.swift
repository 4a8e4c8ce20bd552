import TesseraIndex
import TesseraKernels

/// Settings of an index build.
public struct IndexBuildOptions: Sendable {
    /// Document token budget (nil: the model's default, 256 for MiniLM).
    public var maxLength: Int?
    /// Texts per encoder batch.
    public var batchSize: Int = 32
    /// Encoder threads.
    public var threads: Int = Parallel.availableCores
    /// Matryoshka dimension stored by a dense index (nil: full).
    public var dimension: Int?
    /// Token filter of a token index: drop `[CLS]`/`[SEP]`.
    public var skipSpecial = false
    /// Token filter of a token index: drop punctuation pieces.
    public var skipPunctuation = false
    /// BM25 parameters stored as defaults in a BM25 index.
    public var bm25 = BM25Parameters()
    /// HNSW graph built into a dense index (nil: flat vectors only).
    public var hnsw: HNSWParameters? = HNSWParameters()
    /// Compressed token index settings (bits, centroids, pruning β).
    public var warp = WARPBuildParameters()
    /// Called after each chunk with (documents done, tokens encoded).
    public var progress: (@Sendable (Int, Int) -> Void)?

    /// Default options.
    public init() {}
}

/// What a build produced.
public struct IndexBuildReport: Sendable {
    /// Documents indexed.
    public var documents: Int
    /// Vectors stored (documents for dense, tokens for token indexes, 0 for BM25).
    public var vectors: Int
    /// Wall time.
    public var seconds: Double
    /// Size of the index folder on disk.
    public var bytes: Int
    /// Peak resident memory of the process during the build, when measured.
    public var peakMemoryBytes: Int? = nil
}
